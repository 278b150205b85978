Feature: Routes
  Strapi generates REST routes for every content type under the `/api` prefix: find, findOne,
  create, update and delete for collection types, where `:id` holds the documentId. A path that no
  route matches is answered by the error middleware; policies and route middlewares only run on
  the routes that declare them.

  @id:RT-001 @must @doc:cms/api/rest
  Scenario: GET /api/:pluralName lists the entries
    Given the articles:
      | title |
      | One   |
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the body matches:
      """
      {"data": [{"title": "One", "documentId": "<string>", "id": "<integer>"}], "meta": {"pagination": "<object>"}}
      """
    And the JSON at "meta" is exactly {"pagination": "<object>"}

  @id:RT-002 @must @doc:cms/api/rest
  Scenario: GET /api/:pluralName/:documentId returns one entry
    Given the articles:
      | alias | title |
      | A     | First |
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{A}", "title": "First"}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:RT-003 @must @doc:cms/api/rest
  Scenario: POST /api/:pluralName creates an entry and answers 201
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Created", "batch": "{batch}"}}
      """
    Then the status is 201
    And the body matches:
      """
      {"data": {"title": "Created", "documentId": "<string>"}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:RT-004 @must @doc:cms/api/rest
  Scenario: PUT /api/:pluralName/:documentId updates an entry
    Given the articles:
      | alias | title  |
      | A     | Before |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"title": "After"}}
      """
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{A}", "title": "After"}}
      """

  @id:RT-005 @must @doc:cms/api/rest
  Scenario: DELETE /api/:pluralName/:documentId answers 204 without a body
    Given the articles:
      | alias | title |
      | A     | Gone  |
    When I DELETE "/api/articles/{A}"
    Then the status is 204
    And the body is empty

  @id:RT-006 @must @doc:cms/api/rest
  Scenario: A deleted entry is no longer found
    Given the articles:
      | alias | title |
      | A     | Gone  |
    When I DELETE "/api/articles/{A}"
    And I GET "/api/articles/{A}"
    Then the error is 404 NotFoundError "Not Found"

  @id:RT-007 @must @doc:cms/error-handling
  Scenario: A GET on a path that no route matches answers the JSON 404
    When I GET "/api/no-such-things"
    Then the error is 404 NotFoundError "Not Found"
    And the error details are {}

  @id:RT-008 @may @doc:cms/error-handling
  Scenario: A POST on a path that no route matches answers 405 Method Not Allowed
    When I POST "/api/no-such-things" with:
      """
      {"data": {}}
      """
    Then the status is 405
    And the body is the text "Method Not Allowed"

  @id:RT-009 @must @doc:cms/api/rest
  Scenario: Content API routes live under the /api prefix only
    When I GET "/articles"
    Then the error is 404 NotFoundError "Not Found"

  @id:RT-010 @must @needs:trace @doc:cms/backend-customization/routes
  Scenario: Policies and route middlewares run only on the routes that declare them
    When I GET "/api/authors?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in gmw:second:out gmw:first:out
      """
    And the trace does not contain "policy:*"
    And the trace does not contain "rmw:*"

  @id:RT-011 @must @needs:trace @doc:cms/backend-customization/routes
  Scenario: The same policies and middlewares run on every action that declares them
    Given the articles:
      | alias | title |
      | A     | Any   |
    When I DELETE "/api/articles/{A}"
    Then the status is 204
    And the trace contains, in order:
      """
      policy:first:allow policy:second:allow policy:third:allow=third rmw:first:in rmw:second:in
      controller:article.delete:in controller:article.delete:out rmw:second:out rmw:first:out
      """

  @id:RT-012 @should @doc:cms/api/rest
  Scenario: An unknown documentId in the path answers 404
    When I GET "/api/articles/doesnotexist000000000000"
    Then the error is 404 NotFoundError "Not Found"

  # The REST docs are silent on filters for DELETE; Strapi 5.54.0's Document Service looks the
  # document's versions up with the request's filters (its delete runs findMany with them), so they
  # narrow what is deleted and their values are parsed like a read's.
  @id:RT-013 @should @doc:cms/api/rest
  Scenario: A DELETE applies its filters: a document they exclude is left in place
    Given the articles:
      | alias | title |
      | A     | Kept  |
    When I DELETE "/api/articles/{A}?filters[title][$eq]=Other"
    Then the status is 204
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the JSON at "data.title" is "Kept"

  @id:RT-014 @should @doc:cms/api/rest
  Scenario: A DELETE whose filter value cannot be parsed answers 400 and deletes nothing
    Given the articles:
      | alias | title |
      | A     | Kept  |
    When I DELETE "/api/articles/{A}?filters[createdAt][$eq]=not-a-date"
    Then the error is 400 ValidationError "Invalid format, expected a timestamp or an ISO date"
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the JSON at "data.title" is "Kept"
