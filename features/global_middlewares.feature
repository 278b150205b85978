Feature: Global middlewares
  Every request first goes through the global middlewares, in the order of the project's
  middleware list; each one calls `await next()` to hand over to the rest of the chain and runs its
  own code after it on the way back. A middleware that returns before `await next()` short-circuits:
  the rest of the chain is skipped and the response goes back through the middlewares it came from.

  @needs:trace @id:GM-001 @must @doc:cms/backend-customization/middlewares
  Scenario: Global middlewares run in the configured order, before the route
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in policy:first:allow controller:article.find:in
      """

  @needs:trace @id:GM-002 @must @doc:cms/backend-customization
  Scenario: On the way back, global middlewares run in exact reverse order, after everything else
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      controller:article.find:out rmw:first:out gmw:second:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @needs:trace @id:GM-003 @must @needs:control @doc:cms/backend-customization
  Scenario: A global middleware that answers before calling next short-circuits the rest of the chain
    Given "gmw:first" responds 200 with {"short": "circuit"}
    When I GET "/api/articles"
    Then the status is 200
    And the trace contains "gmw:first:in"
    And the body matches:
      """
      {"short": "circuit"}
      """
    And the trace does not contain "gmw:second:*"
    And the trace does not contain "policy:*"
    And the trace does not contain "controller:*"
    And the trace does not contain "lifecycle:*"

  @needs:trace @id:GM-004 @must @needs:control @doc:cms/backend-customization
  Scenario: After a short-circuit the response goes back through the middlewares it came from
    Given "gmw:second" responds 201 with {"from": "second"}
    When I GET "/api/articles"
    Then the status is 201
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in gmw:first:out
      """
    And the trace does not contain "gmw:second:out"
    And the trace does not contain "policy:*"
    And the header "X-Powered-By" is "Strapi <strapi.io>"

  @needs:trace @id:GM-005 @should @needs:control @doc:cms/backend-customization/middlewares
  Scenario: A global middleware that returns without calling next and without a body gives 404
    Given "gmw:second" returns without calling next
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "Not Found"
    And the trace contains "gmw:second:in"
    And the error details are {}
    And the trace does not contain "policy:*"

  @needs:trace @id:GM-006 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a global middleware keeps its message and details
    Given "gmw:first" throws ApplicationError "Global says no" with details {"where": "global"}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Global says no"
    And the trace contains "gmw:first:in"
    And the error details are {"where": "global"}
    And the trace does not contain "policy:*"

  @id:GM-007 @should @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a global middleware keeps its own message (it is outside the route)
    Given "gmw:second" throws ForbiddenError "Closed for maintenance"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Closed for maintenance"

  @id:GM-008 @should @needs:control @doc:cms/error-handling
  Scenario: An UnauthorizedError thrown in a global middleware keeps its own message
    Given "gmw:first" throws UnauthorizedError "Sign in first"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Sign in first"

  @id:GM-009 @must @needs:control @doc:cms/error-handling
  Scenario: A plain error thrown in a global middleware becomes 500 without details
    Given "gmw:first" throws Error "boom"
    When I GET "/api/articles"
    Then the error is 500 InternalServerError "Internal Server Error"
    And the error has no details

  @needs:trace @id:GM-010 @must @doc:cms/backend-customization/middlewares
  Scenario: Global middlewares run even for a path that matches no route
    When I GET "/api/no-such-things"
    Then the error is 404 NotFoundError "Not Found"
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in gmw:second:out gmw:first:out
      """
    And the trace does not contain "policy:*"

  @needs:trace @id:GM-011 @should @needs:control @doc:cms/backend-customization/middlewares
  Scenario: An error thrown by a global middleware on the way back still becomes an error answer
    Given "gmw:second" throws ApplicationError "Too late" after next
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the error is 400 ApplicationError "Too late"
    And the trace contains, in order:
      """
      controller:article.find:out gmw:second:out
      """
    And the trace does not contain "gmw:first:out"

  @id:GM-012 @should @needs:control @doc:cms/backend-customization
  Scenario: A global middleware can change the request before it reaches the route
    Given the articles:
      | title | views |
      | Low   | 1     |
      | High  | 9     |
    And "gmw:first" is told {"do": "set-query", "query": {"filters": {"views": {"$gt": "5"}}}}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the "title" of "data" are, in order: High

  @id:GM-013 @should @doc:cms/configurations/middlewares
  Scenario: The poweredBy middleware sets X-Powered-By on the way back
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the header "X-Powered-By" is "Strapi <strapi.io>"

  @id:GM-014 @may @needs:control @doc:cms/configurations/middlewares
  Scenario: X-Powered-By is not set on an answer produced from a thrown error
    Given "controller:article" throws ApplicationError "nope"
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "nope"
    And the header "X-Powered-By" is absent

  @id:GM-015 @should @doc:cms/configurations/middlewares
  Scenario: The security middleware sets its default headers
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the header "X-Frame-Options" is "SAMEORIGIN"
    And the header "X-Content-Type-Options" is "nosniff"
    And the header "Strict-Transport-Security" is "max-age=31536000; includeSubDomains"

  @id:GM-016 @must @doc:cms/backend-customization/middlewares
  Scenario: The health check answers 204 through the global middlewares
    When I GET "/_health"
    Then the status is 204
    And the header "strapi" is "You are so French!"
