Feature: Services
  Services hold reusable logic that controllers call; the core service of a content type calls the
  Document Service. A service override can call the core behaviour (`super`) or replace it.

  @id:SV-001 @must @needs:trace @doc:cms/backend-customization/services
  Scenario: The core service calls the Document Service, which runs inside the service call
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      service:article.find:in docmw:first.findMany:in docmw:first.findMany:out service:article.find:out
      """

  @id:SV-002 @must @needs:trace @doc:cms/backend-customization/services
  Scenario: The core service counts the entries for the pagination with a second Document Service call
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      service:article.find:in docmw:first.findMany:in docmw:first.findMany:out docmw:first.count:in docmw:first.count:out service:article.find:out
      """

  @id:SV-003 @should @needs:trace @doc:cms/api/rest/sort-pagination
  Scenario: Without withCount the core service does not count
    When I GET "/api/articles?filters[batch][$eq]={batch}&pagination[withCount]=false"
    Then the status is 200
    And the trace contains "docmw:first.findMany:in"
    And the trace does not contain "docmw:first.count:*"

  @id:SV-004 @must @needs:trace @needs:control @doc:cms/backend-customization/services
  Scenario: A service that returns without calling the core behaviour never reaches the database
    Given the articles:
      | alias | title |
      | A     | Here  |
    And "service:article" returns the value null on findOne
    When I GET "/api/articles/{A}"
    Then the error is 404 NotFoundError "Not Found"
    And the trace contains "service:article.findOne:in"
    And the trace does not contain "docmw:*"
    And the trace does not contain "lifecycle:*"

  @id:SV-005 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a service gives 400 with its message and details
    Given "service:article" throws ApplicationError "Something went wrong" with details {"foo": "bar"}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Something went wrong"
    And the error details are {"foo": "bar"}

  @id:SV-006 @must @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a service becomes the generic 403
    Given "service:article" throws ForbiddenError "Nope"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:SV-007 @should @needs:control @doc:cms/error-handling
  Scenario: An UnauthorizedError thrown in a service becomes the generic 401
    Given "service:article" throws UnauthorizedError "Nope"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Unauthorized"

  @id:SV-008 @must @needs:trace @needs:control @doc:cms/error-handling
  Scenario: An error thrown in a create service writes nothing
    Given "service:article" throws ApplicationError "Refused" on create
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Never", "batch": "{batch}"}}
      """
    Then the error is 400 ApplicationError "Refused"
    And the trace contains "service:article.create:in"
    And the trace does not contain "lifecycle:*:beforeCreate"
    When no component is directed any more
    And I GET "/api/articles?filters[batch][$eq]={batch}"
    Then "data" has 0 items

  @id:SV-009 @must @needs:trace @doc:cms/api/rest/status
  Scenario: REST reads ask the Document Service for published versions by default
    Given the articles:
      | title     | status |
      | Published |        |
      | Drafted   | draft  |
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the "title" of "data" are, in order: Published
