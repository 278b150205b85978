Feature: Controllers
  A route's handler is a controller action. The core controller of a content type validates and
  sanitizes the query, calls the service, sanitizes the output and shapes the answer as
  `{data, meta}`; an override can call the core action (`super`) and do more around it. A value
  the controller returns becomes the response body when it did not set one itself.

  @id:CT-001 @must @needs:trace @doc:cms/backend-customization/controllers
  Scenario: A controller override that calls the core action runs around the service
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      controller:article.find:in service:article.find:in service:article.find:out controller:article.find:out
      """

  @id:CT-002 @must @doc:cms/api/rest
  Scenario: find answers the list and the pagination in meta
    Given the articles:
      | title |
      | Alpha |
      | Beta  |
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=title:asc"
    Then the status is 200
    And the body matches:
      """
      {"data": [{"title": "Alpha"}, {"title": "Beta"}],
       "meta": {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 2}}}
      """
    And the JSON at "meta" is exactly {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 2}}

  @id:CT-003 @must @doc:cms/api/rest
  Scenario: findOne answers the entry and an empty meta
    Given the articles:
      | alias | title | views |
      | A     | Solo  | 4     |
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the body matches:
      """
      {"data": {"id": "<integer>", "documentId": "{A}", "title": "Solo", "views": 4}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:CT-004 @must @doc:cms/api/rest
  Scenario: The response is flat: attributes sit on data next to id and documentId
    Given the articles:
      | alias | title | views | featured | category | rating |
      | A     | Flat  | 3     | true     | tech     | 4.5    |
    When I GET "/api/articles/{A}"
    Then the JSON at "data" has the keys id, documentId, title, views, featured, category, rating, createdAt, updatedAt, publishedAt
    And the JSON at "data.attributes" is absent
    And the body matches:
      """
      {"data": {"views": 3, "featured": true, "category": "tech", "rating": 4.5}}
      """

  @id:CT-005 @must @doc:cms/backend-customization/models
  Scenario: Private attributes never appear in responses
    Given the articles:
      | alias | title | secret   |
      | A     | Shh   | password |
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the JSON at "data.secret" is absent

  @id:CT-006 @must @needs:trace @needs:control @doc:cms/backend-customization/controllers
  Scenario: A value returned by a controller without setting the body becomes the body, with 200
    Given "controller:article" returns the value {"data": {"from": "controller"}} on find
    When I GET "/api/articles"
    Then the status is 200
    And the trace contains "controller:article.find:in"
    And the body matches:
      """
      {"data": {"from": "controller"}}
      """
    And the trace does not contain "service:*"

  @id:CT-007 @must @needs:trace @needs:control @doc:cms/backend-customization/requests-responses
  Scenario: A controller that sets the body itself answers with it and the service never runs
    Given "controller:article" responds 200 with {"custom": "body"}
    When I GET "/api/articles"
    Then the status is 200
    And the trace contains "controller:article.find:in"
    And the body matches:
      """
      {"custom": "body"}
      """
    And the trace does not contain "service:*"
    And the trace does not contain "lifecycle:*"

  @id:CT-008 @should @needs:control @doc:cms/backend-customization/controllers
  Scenario: A controller that neither returns a value nor sets a body gives 404
    Given "controller:article" returns the value null on find
    When I GET "/api/articles"
    Then the error is 404 NotFoundError "Not Found"

  @id:CT-009 @must @doc:cms/api/rest
  Scenario: create answers 201 with the created entry and an empty meta
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Made", "views": 1, "batch": "{batch}"}}
      """
    Then the status is 201
    And the body matches:
      """
      {"data": {"title": "Made", "views": 1, "documentId": "<string>", "createdAt": "<string>"}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:CT-010 @must @doc:cms/api/rest
  Scenario: update answers 200 with the updated entry
    Given the articles:
      | alias | title | views |
      | A     | Old   | 1     |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"views": 2}}
      """
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{A}", "title": "Old", "views": 2}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:CT-011 @must @doc:cms/api/rest
  Scenario: update of a document that does not exist answers 404
    When I PUT "/api/articles/doesnotexist000000000000" with:
      """
      {"data": {"title": "Ghost"}}
      """
    Then the error is 404 NotFoundError "Not Found"

  @id:CT-012 @must @doc:cms/api/rest
  Scenario: create without a data object answers 400
    When I POST "/api/articles" with:
      """
      {"title": "No wrapper"}
      """
    Then the error is 400 ValidationError "Missing \"data\" payload in the request body"
    And the error details are {}

  @id:CT-013 @must @doc:cms/api/rest
  Scenario: update without a data object answers 400
    Given the articles:
      | alias | title |
      | A     | Kept  |
    When I PUT "/api/articles/{A}" with:
      """
      {"title": "No wrapper"}
      """
    Then the error is 400 ValidationError "Missing \"data\" payload in the request body"

  @id:CT-014 @should @doc:cms/api/rest
  Scenario: create with data that is not an object answers 400
    When I POST "/api/articles" with:
      """
      {"data": "just a string"}
      """
    Then the error is 400 ValidationError "Missing \"data\" payload in the request body"

  @id:CT-015 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a controller gives 400 with its message and details
    Given "controller:article" throws ApplicationError "Controller refused" with details {"layer": "controller"}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Controller refused"
    And the error details are {"layer": "controller"}

  @id:CT-016 @must @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a controller becomes the generic 403
    Given "controller:article" throws ForbiddenError "Not yours"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"
    And the error details are {}

  @id:CT-017 @must @needs:control @doc:cms/error-handling
  Scenario: A plain error thrown in a controller gives 500 without details
    Given "controller:article" throws Error "unexpected"
    When I GET "/api/articles"
    Then the error is 500 InternalServerError "Internal Server Error"
    And the error has no details

  @id:CT-018 @must @needs:trace @doc:cms/backend-customization/controllers
  Scenario: Every core action of an overridden controller still runs its service
    Given the articles:
      | alias | title |
      | A     | One   |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"title": "Two"}}
      """
    Then the status is 200
    And the trace contains, in order:
      """
      controller:article.update:in service:article.update:in service:article.update:out controller:article.update:out
      """

  @id:CT-019 @should @doc:cms/migration/v4-to-v5/breaking-changes/new-response-format
  Scenario: The Strapi-Response-Format v4 header answers the Strapi 4 shape with attributes
    Given the articles:
      | alias | title  |
      | A     | Legacy |
    When I GET "/api/articles/{A}" with the header "Strapi-Response-Format: v4"
    Then the status is 200
    And the body matches:
      """
      {"data": {"id": "<integer>", "attributes": {"title": "Legacy"}}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}
    And the JSON at "data.title" is absent
