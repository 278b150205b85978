Feature: Route middlewares
  Route middlewares are declared in a route's configuration and run after its policies, in the order
  listed, before the controller. Like global middlewares they call `await next()` and run again on
  the way back; one that returns before `await next()` short-circuits the controller and everything
  below it. They can control the request flow and change the request before it moves on.

  @id:RM-001 @must @needs:trace @doc:cms/backend-customization/routes
  Scenario: Route middlewares run after the policies, in listed order, before the controller
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      policy:third:allow=third rmw:first:in rmw:second:in controller:article.find:in
      """

  @id:RM-002 @must @needs:trace @doc:cms/backend-customization
  Scenario: On the way back route middlewares run in reverse order, before the global ones
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      controller:article.find:out rmw:second:out rmw:first:out gmw:second:out gmw:first:out
      """

  @id:RM-003 @must @needs:trace @needs:control @doc:cms/backend-customization
  Scenario: A route middleware that answers before calling next short-circuits the controller
    Given "rmw:first" responds 202 with {"handled": "by the route middleware"}
    When I GET "/api/articles"
    Then the status is 202
    And the trace contains "rmw:first:in"
    And the body matches:
      """
      {"handled": "by the route middleware"}
      """
    And the trace does not contain "rmw:second:*"
    And the trace does not contain "controller:*"
    And the trace does not contain "service:*"
    And the trace does not contain "docmw:*"
    And the trace does not contain "lifecycle:*"

  @id:RM-004 @must @needs:trace @needs:control @doc:cms/backend-customization
  Scenario: After a route middleware short-circuits, the layers it came through still run on the way back
    Given "rmw:second" responds 200 with {"handled": true}
    When I GET "/api/articles"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in policy:first:allow rmw:first:in rmw:second:in rmw:first:out gmw:second:out gmw:first:out
      """
    And the trace does not contain "rmw:second:out"

  @id:RM-005 @should @needs:trace @needs:control @doc:cms/backend-customization/routes
  Scenario: A route middleware that returns without calling next and without a body gives 404
    Given "rmw:first" returns without calling next
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "Not Found"
    And the trace contains "rmw:first:in"
    And the trace does not contain "controller:*"

  @id:RM-006 @must @needs:control @doc:cms/backend-customization/routes
  Scenario: A route middleware can change the query before the controller reads it
    Given the articles:
      | title | views |
      | Small | 2     |
      | Big   | 20    |
    And "rmw:second" is told {"do": "set-query", "query": {"filters": {"views": {"$gte": "10"}}}}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the "title" of "data" are, in order: Big

  @id:RM-007 @must @needs:control @doc:cms/backend-customization/routes
  Scenario: A route middleware can change the request body before the controller reads it
    Given "rmw:first" is told {"do": "set-data", "data": {"title": "Rewritten"}}
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Original", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.title" is "Rewritten"

  @id:RM-008 @must @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a route middleware becomes the generic 403
    Given "rmw:first" throws ForbiddenError "Custom reason"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"
    And the error details are {}

  @id:RM-009 @must @needs:control @doc:cms/error-handling
  Scenario: An UnauthorizedError thrown in a route middleware becomes the generic 401
    Given "rmw:second" throws UnauthorizedError "Custom reason"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Unauthorized"
    And the error details are {}

  @id:RM-010 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a route middleware keeps its message and details
    Given "rmw:second" throws ApplicationError "Route middleware refused" with details {"rmw": 2}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Route middleware refused"
    And the error details are {"rmw": 2}

  @id:RM-011 @should @needs:control @doc:cms/error-handling
  Scenario: A PolicyError thrown in a route middleware keeps its message
    Given "rmw:first" throws PolicyError "Only on Tuesdays" with details {"day": "tuesday"}
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Only on Tuesdays"
    And the error details are {"day": "tuesday"}

  @id:RM-012 @should @needs:trace @needs:control @doc:cms/backend-customization/routes
  Scenario: An error thrown by a route middleware on the way back replaces the controller's answer
    Given "rmw:second" throws ValidationError "Rejected on the way out" after next
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the error is 400 ValidationError "Rejected on the way out"
    And the trace contains, in order:
      """
      controller:article.find:out rmw:second:out
      """
    And the trace does not contain "rmw:first:out"

  @id:RM-013 @must @needs:trace @needs:control @doc:cms/backend-customization/routes
  Scenario: Route middlewares do not run when a policy blocks the request
    Given the policy "third" denies the request
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the trace contains "policy:third:deny=third"
    And the trace does not contain "rmw:*"
