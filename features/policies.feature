Feature: Route policies
  Policies are read-only checks that run after authentication and authorization, in the order the
  route lists them, and before the route middlewares. A policy passes when it returns true or
  nothing; any other value blocks the request with 403 PolicyError "Policy Failed", and the first
  failure stops the rest. A thrown PolicyError keeps its message and details.

  @id:PO-001 @must @needs:trace @needs:control @doc:cms/backend-customization/policies
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

  @id:PO-002 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: Policies run in the order the route lists them, before route middlewares
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow policy:third:allow=third rmw:first:in controller:article.find:in
      """

  @id:PO-003 @must @needs:trace @needs:control @doc:cms/backend-customization/policies
  Scenario: A policy that returns nothing lets the request through
    Given the policy "first" returns nothing
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow controller:article.find:in
      """

  @id:PO-004 @must @needs:control @doc:cms/backend-customization/policies
  Scenario: A policy that returns true lets the request through
    Given the policy "third" returns true
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200

  @id:PO-005 @should @needs:control @doc:cms/backend-customization/policies
  Scenario: A policy that returns 0 blocks the request
    Given the policy "first" returns 0
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"

  @id:PO-006 @should @needs:control @doc:cms/backend-customization/policies
  Scenario: A policy that returns a truthy value other than true still blocks the request
    Given the policy "first" returns "ok"
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"

  @id:PO-007 @should @needs:control @doc:cms/backend-customization/policies
  Scenario: A policy that returns an object blocks the request
    Given the policy "third" returns {}
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"

  @id:PO-008 @must @needs:control @doc:cms/error-handling
  Scenario: A PolicyError thrown with a message and details reaches the client unchanged
    Given "policy:first" throws PolicyError "You shall not pass" with details {"policy": "first", "code": 7}
    When I GET "/api/articles"
    Then the error is 403 PolicyError "You shall not pass"
    And the error details are {"policy": "first", "code": 7}

  @id:PO-009 @should @needs:control @doc:cms/error-handling
  Scenario: A PolicyError thrown without a message has the default message
    Given "policy:second" throws PolicyError
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the error details are {}

  @id:PO-010 @must @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a policy becomes the generic 403 and loses its message
    Given "policy:first" throws ForbiddenError "Private area"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"
    And the error details are {}

  @id:PO-011 @must @needs:control @doc:cms/error-handling
  Scenario: An UnauthorizedError thrown in a policy becomes the generic 401
    Given "policy:second" throws UnauthorizedError "Who are you"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Unauthorized"
    And the error details are {}

  @id:PO-012 @must @needs:control @doc:cms/error-handling
  Scenario: A ValidationError thrown in a policy gives 400 with its message and details
    Given "policy:third" throws ValidationError "Bad input" with details {"field": "title"}
    When I GET "/api/articles"
    Then the error is 400 ValidationError "Bad input"
    And the error details are {"field": "title"}

  @id:PO-013 @should @needs:control @doc:cms/error-handling
  Scenario: A NotFoundError thrown in a policy gives 404 with its message
    Given "policy:first" throws NotFoundError "No such shelf"
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "No such shelf"

  @id:PO-014 @must @needs:control @doc:cms/error-handling
  Scenario: A plain error thrown in a policy gives 500 without details
    Given "policy:second" throws Error "kaboom"
    When I GET "/api/articles"
    Then the error is 500 InternalServerError "Internal Server Error"
    And the error has no details

  @id:PO-015 @must @needs:trace @needs:control @doc:cms/backend-customization/policies
  Scenario: When the first policy fails, the later policies never run
    Given the policy "first" denies the request
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the trace contains "policy:first:deny"
    And the trace does not contain "policy:second:*"
    And the trace does not contain "policy:third:*"

  @id:PO-016 @must @needs:trace @needs:control @doc:cms/backend-customization/policies
  Scenario: When the last policy fails, the earlier ones ran and nothing after the policies does
    Given the policy "third" denies the request
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow policy:third:deny=third
      """
    And the trace does not contain "rmw:*"
    And the trace does not contain "service:*"
    And the trace does not contain "docmw:*"
    And the trace does not contain "lifecycle:*"

  @id:PO-017 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: A policy receives the configuration the route gives it
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains "policy:third:allow=third"

  @id:PO-018 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: A policy named without prefix in an API's route resolves to that API's policy
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains "policy:second:allow"

  @id:PO-019 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: Policies run after authentication: a request that fails to authenticate reaches no policy
    Given I use the bearer token "not-a-real-token"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Missing or invalid credentials"
    And the trace contains "gmw:second:in"
    And the trace does not contain "policy:*"

  @id:PO-020 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: Policies run only on the way in
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains "policy:first:*" 1 time
    And the trace contains "policy:third:*" 1 time

  @id:PO-021 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: Policies guard writes too, before the controller runs
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Guarded", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow policy:third:allow=third controller:article.create:in
      """

  @id:PO-022 @must @needs:control @doc:cms/backend-customization/policies
  Scenario: A write blocked by a policy writes nothing
    Given the policy "second" denies the request
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Blocked", "batch": "{batch}"}}
      """
    Then the error is 403 PolicyError "Policy Failed"
    When no component is directed any more
    And I GET "/api/articles?filters[batch][$eq]={batch}"
    Then "data" has 0 items
