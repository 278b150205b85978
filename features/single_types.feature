@needs:single-types @group:single-types
Feature: Single types
  A single type has one entry at `/api/:singularName`: GET reads it, PUT creates or updates it and
  DELETE removes it. There is no list and no POST.

  @id:ST-001 @must @doc:cms/api/rest
  Scenario: A single type with no entry answers 404
    When I DELETE "/api/homepage"
    And I GET "/api/homepage"
    Then the error is 404 NotFoundError "Not Found"

  @id:ST-002 @must @doc:cms/api/rest
  Scenario: PUT creates the entry when there is none, and answers 200
    When I DELETE "/api/homepage"
    And I PUT "/api/homepage" with:
      """
      {"data": {"headline": "Welcome", "batch": "{batch}"}}
      """
    Then the status is 200
    And the body matches:
      """
      {"data": {"headline": "Welcome", "documentId": "<string>"}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:ST-003 @must @doc:cms/api/rest
  Scenario: PUT updates the existing entry, keeping its documentId
    When I PUT "/api/homepage" with:
      """
      {"data": {"headline": "First", "batch": "{batch}"}}
      """
    And I PUT "/api/homepage" with:
      """
      {"data": {"headline": "Second"}}
      """
    Then the status is 200
    And the JSON at "data.headline" is "Second"
    When I GET "/api/homepage"
    Then the JSON at "data.headline" is "Second"

  @id:ST-004 @must @doc:cms/api/rest
  Scenario: GET reads the entry
    When I PUT "/api/homepage" with:
      """
      {"data": {"headline": "Read me", "batch": "{batch}"}}
      """
    And I GET "/api/homepage"
    Then the status is 200
    And the body matches:
      """
      {"data": {"headline": "Read me"}, "meta": {}}
      """
    And the JSON at "meta" is exactly {}

  @id:ST-005 @must @doc:cms/api/rest
  Scenario: DELETE removes the entry and answers 204
    When I PUT "/api/homepage" with:
      """
      {"data": {"headline": "Short-lived", "batch": "{batch}"}}
      """
    And I DELETE "/api/homepage"
    Then the status is 204
    When I GET "/api/homepage"
    Then the error is 404 NotFoundError "Not Found"

  @id:ST-006 @must @doc:cms/api/rest
  Scenario: PUT without a data object answers 400
    When I PUT "/api/homepage" with:
      """
      {"headline": "No wrapper"}
      """
    Then the error is 400 ValidationError "Missing \"data\" payload in the request body"

  @id:ST-007 @should @doc:cms/api/rest
  Scenario: A single type has no POST route
    When I POST "/api/homepage" with:
      """
      {"data": {"headline": "x"}}
      """
    Then the status is 405

  @id:ST-008 @should @doc:cms/api/rest/populate-select
  Scenario: fields applies to a single type
    When I PUT "/api/homepage" with:
      """
      {"data": {"headline": "Selected", "batch": "{batch}"}}
      """
    And I GET "/api/homepage?fields[0]=headline"
    Then the JSON at "data.headline" is "Selected"
    And the JSON at "data.batch" is absent

  @id:ST-009 @must @doc:cms/configurations/api
  Scenario: With strictParams, PUT on a single type checks its query before its body
    When I PUT "/api/homepage?fields[0]=nosuchfield" with:
      """
      {"data": {"headline": "Refused", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Invalid key nosuchfield"
    When I PUT "/api/homepage?foo=1" with:
      """
      {"headline": "No wrapper"}
      """
    Then the error is 400 ValidationError "Invalid key foo"
