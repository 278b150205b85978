Feature: Validation of entry values
  The Document Service validates the values of every create and update against the content type's
  schema (Strapi's entity validator, built on yup): the attribute's type, `required`, `minLength`
  and `maxLength`, `min` and `max`, `regex`, email, enumeration, uid and `unique`. A refused value
  is a 400 ValidationError whose `details.errors` lists each failure with its `path` (the
  attribute's keys), `message`, `name` and `value`; the error's message is the only failure's
  message, or how many failures there are. Dates, times and datetimes are parsed by the Query
  Engine, whose refusals are 400 ValidationErrors without details. Private and password attributes
  are never answered. The `product` fixture type carries one attribute of every scalar kind.

  @id:VA-001 @must @doc:cms/error-handling
  Scenario: A text where a number is expected answers yup's type error with details.errors
    When I POST "/api/articles" with:
      """
      {"data": {"views": "abc", "batch": "{batch}"}}
      """
    Then the status is 400
    And the body is exactly:
      """
      {"data": null, "error": {"status": 400, "name": "ValidationError",
       "message": "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"abc\"`).",
       "details": {"errors": [{"path": ["views"], "name": "ValidationError", "value": null,
         "message": "views must be a `number` type, but the final value was: `NaN` (cast from the value `\"abc\"`)."}]}}}
      """

  @id:VA-002 @must @doc:cms/error-handling
  Scenario: A text that is no boolean answers yup's boolean type error
    When I POST "/api/articles" with:
      """
      {"data": {"featured": "yes", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "featured must be a `boolean` type, but the final value was: `\"yes\"`."
    And the error details are {"errors": [{"path": ["featured"], "message": "featured must be a `boolean` type, but the final value was: `\"yes\"`.", "name": "ValidationError", "value": "yes"}]}

  @id:VA-003 @must @doc:cms/error-handling
  Scenario: An array where a string is expected is printed the way yup prints it
    When I POST "/api/articles" with:
      """
      {"data": {"title": ["a"], "batch": "{batch}"}}
      """
    Then the status is 400
    And the JSON at "error.message" is exactly "title must be a `string` type, but the final value was: `[\n  \"\\\"a\\\"\"\n]`."
    And the JSON at "error.details.errors" is exactly [{"path": ["title"], "message": "title must be a `string` type, but the final value was: `[\n  \"\\\"a\\\"\"\n]`.", "name": "ValidationError", "value": ["a"]}]

  @id:VA-004 @must @doc:cms/error-handling
  Scenario: data sent as an array is refused by the validator with an empty path
    When I POST "/api/articles" with:
      """
      {"data": [{"title": "a"}]}
      """
    Then the status is 400
    And the JSON at "error.details.errors" is exactly [{"path": [], "message": "this must be a `object` type, but the final value was: `null` (cast from the value `[\n  {\n    \"title\": \"\\\"a\\\"\"\n  }\n]`).", "name": "ValidationError", "value": null}]

  @id:VA-005 @must @doc:cms/backend-customization/models
  Scenario: A datetime that is neither a timestamp nor an ISO date is a 400 without details
    When I POST "/api/articles" with:
      """
      {"data": {"publishDate": "not a date", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Invalid format, expected a timestamp or an ISO date"
    And the error details are {}

  @id:VA-006 @must @doc:cms/backend-customization/models
  Scenario: A date that is no ISO date is a 400 without details
    When I POST "/api/products" with:
      """
      {"data": {"name": "Dated", "releaseDate": "2024-13-45", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Invalid format, expected yyyy-MM-dd"
    And the error details are {}

  @id:VA-007 @must @doc:cms/backend-customization/models
  Scenario: A time without seconds is a 400 without details
    When I POST "/api/products" with:
      """
      {"data": {"name": "Timed", "openingTime": "09:30", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Invalid time format, expected HH:mm:ss.SSS"
    And the error details are {}

  @id:VA-008 @must @doc:cms/backend-customization/models
  Scenario: Every scalar kind is stored and answered in its own format
    When I POST "/api/products" with:
      """
      {"data": {"name": "Every kind", "slug": "every-kind-{batch}", "sku": "SKU-{batch}", "code": "ABC-123",
                "contactEmail": "shop@example.com", "summary": "short", "content": "# Rich", "stock": 7,
                "price": 12.5, "weight": 1.25, "serial": "9007199254740", "available": true, "condition": "used",
                "specs": {"colours": ["red"], "size": 3}, "releaseDate": "2024-03-01", "openingTime": "09:30:00",
                "launchAt": "2024-03-01T10:00:00Z", "password": "s3cret-pass", "internalNote": "hidden", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data" is exactly:
      """
      {"id": "<integer>", "documentId": "<string>", "name": "Every kind", "slug": "every-kind-{batch}",
       "sku": "SKU-{batch}", "code": "ABC-123", "contactEmail": "shop@example.com", "summary": "short",
       "content": "# Rich", "stock": 7, "price": 12.5, "weight": 1.25, "serial": "9007199254740",
       "available": true, "condition": "used", "specs": {"colours": ["red"], "size": 3},
       "releaseDate": "2024-03-01", "openingTime": "09:30:00.000", "launchAt": "2024-03-01T10:00:00.000Z",
       "batch": "{batch}", "createdAt": "<string>", "updatedAt": "<string>", "publishedAt": "<string>"}
      """

  @id:VA-009 @must @doc:cms/backend-customization/models
  Scenario: A required attribute left out is refused on create, without a value in the failure
    When I POST "/api/products" with:
      """
      {"data": {"stock": 5, "batch": "{batch}"}}
      """
    Then the status is 400
    And the JSON at "error" is exactly {"status": 400, "name": "ValidationError", "message": "name must be defined.", "details": {"errors": [{"path": ["name"], "message": "name must be defined.", "name": "ValidationError"}]}}

  @id:VA-010 @must @doc:cms/backend-customization/models
  Scenario: A required attribute set to null is refused
    When I POST "/api/products" with:
      """
      {"data": {"name": null, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "name must be a `string` type, but the final value was: `null`."
    And the error details are {"errors": [{"path": ["name"], "message": "name must be a `string` type, but the final value was: `null`.", "name": "ValidationError", "value": null}]}

  @id:VA-011 @must @doc:cms/backend-customization/models
  Scenario: A text shorter than minLength is refused
    When I POST "/api/products" with:
      """
      {"data": {"name": "ab", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "name must be at least 3 characters"
    And the error details are {"errors": [{"path": ["name"], "message": "name must be at least 3 characters", "name": "ValidationError", "value": "ab"}]}

  @id:VA-012 @must @doc:cms/backend-customization/models
  Scenario: A text longer than maxLength is refused
    When I POST "/api/products" with:
      """
      {"data": {"name": "Hello", "summary": "{batch}{batch}{batch}{batch}{batch}{batch}{batch}{batch}{batch}{batch}{batch}{batch}", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "summary must be at most 200 characters"
    And the JSON at "error.details.errors.0.path" is exactly ["summary"]

  @id:VA-013 @must @doc:cms/backend-customization/models
  Scenario: An integer below min or above max is refused
    When I POST "/api/products" with:
      """
      {"data": {"name": "Low stock", "stock": -1, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "stock must be greater than or equal to 0"
    And the error details are {"errors": [{"path": ["stock"], "message": "stock must be greater than or equal to 0", "name": "ValidationError", "value": -1}]}
    When I POST "/api/products" with:
      """
      {"data": {"name": "High stock", "stock": 1001, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "stock must be less than or equal to 1000"

  @id:VA-014 @must @doc:cms/backend-customization/models
  Scenario: A decimal below min and a float above max are refused
    When I POST "/api/products" with:
      """
      {"data": {"name": "Cheap", "price": -0.5, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "price must be greater than or equal to 0"
    When I POST "/api/products" with:
      """
      {"data": {"name": "Heavy", "weight": 500.5, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "weight must be less than or equal to 500"
    And the error details are {"errors": [{"path": ["weight"], "message": "weight must be less than or equal to 500", "name": "ValidationError", "value": 500.5}]}

  @id:VA-015 @must @doc:cms/backend-customization/models
  Scenario: A fraction is refused by an integer attribute and by a biginteger one
    When I POST "/api/products" with:
      """
      {"data": {"name": "Half", "stock": 1.5, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "stock must be an integer"
    When I POST "/api/products" with:
      """
      {"data": {"name": "Half", "serial": 1.5, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "serial must be a valid integer"
    And the error details are {"errors": [{"path": ["serial"], "message": "serial must be a valid integer", "name": "ValidationError", "value": 1.5}]}

  @id:VA-016 @must @doc:cms/backend-customization/models
  Scenario: A text that does not match the attribute's regex is refused
    When I POST "/api/products" with:
      """
      {"data": {"name": "Coded", "code": "abc-123", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "code must match the following: \"/^[A-Z]{3}-[0-9]{3}$/\""
    And the JSON at "error.details.errors.0.value" is exactly "abc-123"

  @id:VA-017 @must @doc:cms/backend-customization/models
  Scenario: An email attribute refuses a text that is no email, and an empty one
    When I POST "/api/products" with:
      """
      {"data": {"name": "Mailed", "contactEmail": "nope", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "contactEmail must be a valid email"
    When I POST "/api/products" with:
      """
      {"data": {"name": "Mailed", "contactEmail": "", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "contactEmail cannot be empty"

  @id:VA-018 @must @doc:cms/backend-customization/models
  Scenario: An enumeration refuses a value outside its list
    When I POST "/api/products" with:
      """
      {"data": {"name": "Odd", "condition": "broken", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "condition must be one of the following values: new, used, refurbished, "
    And the JSON at "error.details.errors.0.path" is exactly ["condition"]

  @id:VA-019 @must @doc:cms/error-handling
  Scenario: Several failures are all listed, in the schema's attribute order
    When I POST "/api/products" with:
      """
      {"data": {"stock": -1, "code": "x", "name": "ab", "batch": "{batch}"}}
      """
    Then the status is 400
    And the JSON at "error" is exactly:
      """
      {"status": 400, "name": "ValidationError", "message": "3 errors occurred", "details": {"errors": [
        {"path": ["name"], "message": "name must be at least 3 characters", "name": "ValidationError", "value": "ab"},
        {"path": ["code"], "message": "code must match the following: \"/^[A-Z]{3}-[0-9]{3}$/\"", "name": "ValidationError", "value": "x"},
        {"path": ["stock"], "message": "stock must be greater than or equal to 0", "name": "ValidationError", "value": -1}]}}
      """

  @id:VA-020 @must @doc:cms/backend-customization/models
  Scenario: A value already held by another entry is refused by a unique attribute
    Given the products:
      | alias | name  | sku         |
      | P     | First | SKU-{batch} |
    When I POST "/api/products" with:
      """
      {"data": {"name": "Second", "sku": "SKU-{batch}", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "This attribute must be unique"
    And the error details are {"errors": [{"path": ["sku"], "message": "This attribute must be unique", "name": "ValidationError", "value": "SKU-{batch}"}]}

  @id:VA-021 @must @doc:cms/backend-customization/models
  Scenario: An update may keep its own unique value but not take another entry's
    Given the products:
      | alias | name  | sku           |
      | P     | First | SKU-1-{batch} |
      | Q     | Other | SKU-2-{batch} |
    When I PUT "/api/products/{P}" with:
      """
      {"data": {"sku": "SKU-1-{batch}", "stock": 3}}
      """
    Then the status is 200
    And the JSON at "data.stock" is exactly 3
    When I PUT "/api/products/{P}" with:
      """
      {"data": {"sku": "SKU-2-{batch}"}}
      """
    Then the error is 400 ValidationError "This attribute must be unique"

  @id:VA-022 @must @doc:cms/backend-customization/models
  Scenario: A partial update needs no required attribute but still meets the constraints of those it sends
    Given the products:
      | alias | name  |
      | P     | First |
    When I PUT "/api/products/{P}" with:
      """
      {"data": {"stock": 3}}
      """
    Then the status is 200
    And the JSON at "data.name" is exactly "First"
    When I PUT "/api/products/{P}" with:
      """
      {"data": {"name": "ab"}}
      """
    Then the error is 400 ValidationError "name must be at least 3 characters"

  @id:VA-023 @must @doc:cms/backend-customization/models
  Scenario: A uid refuses characters outside its pattern
    When I POST "/api/products" with:
      """
      {"data": {"name": "Spaced", "slug": "has space", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "slug must match the following: \"/^[A-Za-z0-9-_.~]*$/\""

  @id:VA-024 @must @doc:cms/backend-customization/models
  Scenario: A uid is unique among the entries of its type
    Given the products:
      | alias | name  | slug           |
      | P     | First | first-{batch}  |
    When I POST "/api/products" with:
      """
      {"data": {"name": "Again", "slug": "first-{batch}", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "This attribute must be unique"
    And the JSON at "error.details.errors.0.path" is exactly ["slug"]

  @id:VA-025 @should @doc:cms/backend-customization/models
  Scenario: The REST API does not generate a uid from its targetField
    # The admin panel proposes a uid from the targetField; a REST create stores the uid it is given only.
    When I POST "/api/products" with:
      """
      {"data": {"name": "No slug given", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.slug" is exactly null

  @id:VA-026 @must @doc:cms/backend-customization/models
  Scenario: Private and password attributes are stored but never answered
    When I POST "/api/products" with:
      """
      {"data": {"name": "Secretive", "password": "s3cret-pass", "internalNote": "hidden", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.password" is absent
    And the JSON at "data.internalNote" is absent
    When I GET "/api/products?filters[batch][$eq]={batch}"
    Then the JSON at "data.0.name" is exactly "Secretive"
    And the JSON at "data.0.password" is absent
    And the JSON at "data.0.internalNote" is absent

  @id:VA-027 @must @doc:cms/backend-customization/models
  Scenario: A password attribute cannot be filtered on
    When I GET "/api/products?filters[password][$eq]=s3cret-pass"
    Then the error is 400 ValidationError "Invalid key password"
    And the error details are {"key": "password", "path": "password", "source": "query", "param": "filters"}

  @id:VA-028 @should @doc:cms/backend-customization/models
  Scenario: Numbers and booleans sent as text are cast before they are stored
    When I POST "/api/products" with:
      """
      {"data": {"name": "Cast", "stock": "12", "price": "12.50", "available": "true", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.stock" is exactly 12
    And the JSON at "data.price" is exactly 12.5
    And the JSON at "data.available" is exactly true

  @id:VA-029 @must @doc:cms/api/rest/relations
  Scenario: Connecting a relation to a document that does not exist is refused
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Orphan", "tags": {"connect": ["nosuchdocument{batch}"]}, "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Document with id \"nosuchdocument{batch}\", locale \"null\" not found"
    And the error details are {}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then "data" has 0 items

  @id:VA-030 @must @doc:cms/api/rest/populate-select
  Scenario: populate[relation][count]=true answers how many related entries there are
    Given the authors:
      | alias | name |
      | W     | Ada  |
    And the articles:
      | title | author |
      | One   | W      |
      | Two   | W      |
      | Three | W      |
    When I GET "/api/authors/{W}?populate[articles][count]=true"
    Then the status is 200
    And the JSON at "data.articles" is exactly {"count": 3}
    When I GET "/api/authors/{W}?populate[articles][count]=true&populate[articles][filters][title][$eq]=Two"
    Then the JSON at "data.articles" is exactly {"count": 1}

  @id:VA-031 @should @needs:draft-and-publish @doc:cms/api/rest/status
  Scenario: A status other than published reads the drafts
    Given the articles:
      | title      | status |
      | Only draft | draft  |
    When I GET "/api/articles?filters[batch][$eq]={batch}&status=unknown"
    Then "data" has 1 item
    And the JSON at "data.0.title" is exactly "Only draft"
    And the JSON at "data.0.publishedAt" is exactly null

  @id:VA-032 @should @doc:cms/api/rest/sort-pagination
  Scenario: pagination[limit]=-1 answers one entry
    Given 3 tags exist
    When I GET "/api/tags?filters[batch][$eq]={batch}&pagination[limit]=-1"
    Then "data" has 1 item
    And the JSON at "meta.pagination" is exactly {"start": 0, "limit": 1, "total": 3}

  @id:VA-033 @should @doc:cms/api/rest/sort-pagination
  Scenario: A page that is no number is a 400 naming the offset it gave
    When I GET "/api/tags?pagination[page]=x"
    Then the error is 400 ValidationError "convertStartQueryParams expected a positive integer got NaN"
    And the error details are {}
    When I GET "/api/tags?pagination[page]=1.5"
    Then the error is 400 ValidationError "convertStartQueryParams expected a positive integer got 12.5"

  @id:VA-034 @should @doc:cms/api/rest/sort-pagination
  Scenario: A page size that is no number is the maximum page size, a fraction is a 400
    Given 2 tags exist
    When I GET "/api/tags?filters[batch][$eq]={batch}&pagination[pageSize]=x"
    Then the JSON at "meta.pagination" is exactly {"page": 1, "pageSize": 100, "pageCount": 1, "total": 2}
    When I GET "/api/tags?filters[batch][$eq]={batch}&pagination[pageSize]=2.5"
    Then the error is 400 ValidationError "convertLimitQueryParams expected a positive integer got 2.5"

  @id:VA-035 @should @doc:cms/api/rest/relations
  Scenario: A missing relation target is reported before the values that fail validation
    When I POST "/api/articles" with:
      """
      {"data": {"views": "abc", "tags": ["nosuchdocument{batch}"], "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Document with id \"nosuchdocument{batch}\", locale \"null\" not found"
    And the error details are {}
