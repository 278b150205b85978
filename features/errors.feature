Feature: Error responses
  Errors reach the client through the error middleware as
  `{"data": null, "error": {"status", "name", "message", "details"}}`. Each error class has its
  status: ApplicationError, ValidationError and PaginationError 400, UnauthorizedError 401,
  ForbiddenError and PolicyError 403, NotFoundError 404, PayloadTooLargeError 413,
  RateLimitError 429; anything else is a 500 that reveals nothing.

  @id:ER-001 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError gives 400 with its message and details
    Given "service:article" throws ApplicationError "Application says no" with details {"a": 1}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Application says no"
    And the error details are {"a": 1}

  @id:ER-002 @must @needs:control @doc:cms/error-handling
  Scenario: A ValidationError gives 400
    Given "controller:article" throws ValidationError "Invalid title" with details {"errors": [{"path": ["title"]}]}
    When I GET "/api/articles"
    Then the error is 400 ValidationError "Invalid title"
    And the error details are {"errors": [{"path": ["title"]}]}

  @id:ER-003 @must @needs:control @doc:cms/error-handling
  Scenario: A NotFoundError gives 404 with its message
    Given "service:article" throws NotFoundError "No such article"
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "No such article"

  @id:ER-004 @should @needs:control @doc:cms/error-handling
  Scenario: A NotFoundError thrown without a message says "Entity not found"
    Given "controller:article" throws NotFoundError
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "Entity not found"
    And the error details are {}

  @id:ER-005 @must @needs:control @doc:cms/error-handling
  Scenario: A PaginationError gives 400
    Given "service:article" throws PaginationError "Bad page"
    When I GET "/api/articles"
    Then the error is 400 PaginationError "Bad page"

  @id:ER-006 @must @needs:control @doc:cms/error-handling
  Scenario: A PayloadTooLargeError gives 413
    Given "controller:article" throws PayloadTooLargeError "Too big"
    When I GET "/api/articles"
    Then the error is 413 PayloadTooLargeError "Too big"

  @id:ER-007 @must @needs:control @doc:cms/error-handling
  Scenario: A RateLimitError gives 429 with its default message
    Given "controller:article" throws RateLimitError
    When I GET "/api/articles"
    Then the error is 429 RateLimitError "Too many requests, please try again later."
    And the error details are {}

  @id:ER-008 @must @needs:control @doc:cms/error-handling
  Scenario: A PolicyError thrown in a controller keeps its message
    Given "controller:article" throws PolicyError "Controller policy" with details {"x": true}
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Controller policy"
    And the error details are {"x": true}

  @id:ER-009 @must @needs:control @doc:cms/error-handling
  Scenario: An unexpected error gives 500 and reveals nothing
    Given "service:article" throws Error "database password is hunter2"
    When I GET "/api/articles"
    Then the error is 500 InternalServerError "Internal Server Error"
    And the error has no details
    And the body is exactly:
      """
      {"data": null, "error": {"status": 500, "name": "InternalServerError", "message": "Internal Server Error"}}
      """

  @id:ER-010 @must @needs:control @doc:cms/error-handling
  Scenario: An error thrown without details has empty details
    Given "service:article" throws ValidationError "No details"
    When I GET "/api/articles"
    Then the error is 400 ValidationError "No details"
    And the error details are {}

  @id:ER-011 @must @needs:control @doc:cms/error-handling
  Scenario: An error answer carries null data and the error object only
    Given "controller:article" throws ApplicationError "Shape"
    When I GET "/api/articles"
    Then the body is exactly:
      """
      {"data": null, "error": {"status": 400, "name": "ApplicationError", "message": "Shape", "details": {}}}
      """
    And the JSON at "meta" is absent

  @id:ER-012 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a lifecycle hook gives 400 with its message and details
    Given "lifecycle:subscriber" throws ApplicationError "Something went wrong" with details {"foo": "bar"} on beforeFindMany
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Something went wrong"
    And the error details are {"foo": "bar"}

  @id:ER-013 @should @needs:control @doc:cms/error-handling
  Scenario: An UnauthorizedError thrown in a Document Service middleware during a request becomes the generic 401
    Given "docmw:first" throws UnauthorizedError "Login please"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Unauthorized"

  @id:ER-014 @must @doc:cms/api/rest
  Scenario: A body that is not valid JSON answers 400
    When I POST "/api/articles" with the application/json body:
      """
      {"data": {"title": "broken",
      """
    Then the status is 400
    And the JSON at "data" is null
    And the error is 400, whatever its name and message

  @id:ER-015 @should @doc:cms/configurations/middlewares
  Scenario: A JSON body over the body parser's limit answers 413
    When I POST "/api/articles" with a JSON body of 1200000 bytes
    Then the status is 413
    And the error is 413 PayloadTooLargeError, whatever its message

  @id:ER-016 @must @needs:trace @needs:control @doc:cms/error-handling
  Scenario: The error answer comes from the error middleware even when the error is thrown on the way back
    Given "controller:article" throws ApplicationError "After the service" after next
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the error is 400 ApplicationError "After the service"
    And the trace contains "service:article.find:out"
