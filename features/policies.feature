@needs:trace @needs:control
Feature: Route policies
  Policies are read-only checks that run after authentication and authorization, in the order the
  route lists them, before the route middlewares. A policy passes when it returns true or nothing;
  any other value blocks the request with 403 PolicyError "Policy Failed".

  @id:PO-001 @must @doc:cms/backend-customization/policies
  Scenario: A policy that returns false blocks the request with 403 and nothing after it runs
    Given the policy "second" denies the request
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the error details are {}
    And the trace contains, in order:
      """
      policy:first:allow policy:second:deny
      """
    And the trace does not contain "policy:third:*"
    And the trace does not contain "rmw:*"
    And the trace does not contain "controller:*"

  @id:PO-002 @must @doc:cms/backend-customization/policies
  Scenario: Policies run in the order the route lists them, before route middlewares
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow policy:third:allow=third rmw:first:in controller:article.find:in
      """
