Feature: Authentication and permissions on the content API
  Content API routes authenticate the request (API tokens, users-permissions JWTs, or the Public
  role for anonymous requests) and then check that the credentials allow the route's action. An
  anonymous request for an action the Public role lacks answers 403 Forbidden; a bearer token nobody
  knows answers 401 "Missing or invalid credentials". A read-only API token may only find and
  findOne. Routes configured with `auth: false` skip all of it.

  @id:AU-001 @must @doc:cms/features/users-permissions
  Scenario: An anonymous request for an action the Public role has is allowed
    When I GET "/api/tags?filters[batch][$eq]={batch}"
    Then the status is 200

  @id:AU-002 @must @doc:cms/features/users-permissions
  Scenario: An anonymous request for an action the Public role lacks answers 403
    When I POST "/api/tags" with:
      """
      {"data": {"label": "nope", "batch": "{batch}"}}
      """
    Then the error is 403 ForbiddenError "Forbidden"
    And the error details are {}

  @id:AU-003 @must @doc:cms/features/users-permissions
  Scenario: A bearer token that no strategy recognises answers 401
    Given I use the bearer token "this-is-not-a-token"
    When I GET "/api/tags"
    Then the error is 401 UnauthorizedError "Missing or invalid credentials"
    And the error details are {}

  @id:AU-004 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A read-only API token can read
    Given I use the read-only API token
    When I GET "/api/tags?filters[batch][$eq]={batch}"
    Then the status is 200

  @id:AU-005 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A read-only API token cannot create
    Given I use the read-only API token
    When I POST "/api/tags" with:
      """
      {"data": {"label": "ro", "batch": "{batch}"}}
      """
    Then the error is 403 ForbiddenError "Forbidden"

  @id:AU-006 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A read-only API token cannot delete
    Given the tags:
      | alias | label |
      | T     | keep  |
    And I use the read-only API token
    When I DELETE "/api/tags/{T}"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:AU-007 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A full-access API token can do what the Public role cannot
    Given I use the full-access API token
    When I POST "/api/tags" with:
      """
      {"data": {"label": "made", "batch": "{batch}"}}
      """
    Then the status is 201

  @id:AU-008 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A full-access API token can delete
    Given the tags:
      | alias | label |
      | T     | gone  |
    And I use the full-access API token
    When I DELETE "/api/tags/{T}"
    Then the status is 204

  @id:AU-009 @must @needs:api-tokens @doc:cms/backend-customization/requests-responses
  Scenario: With an API token the request's auth holds the token and there is no user
    Given I use the full-access API token
    When I GET "/api/conformance/whoami"
    Then the status is 200
    And the body matches:
      """
      {"isAuthenticated": true, "credentials": "token", "user": null}
      """

  @id:AU-010 @must @needs:users @doc:cms/backend-customization/requests-responses
  Scenario: With a user's JWT the request's state holds the user
    Given I am logged in as the fixture user
    When I GET "/api/conformance/whoami"
    Then the status is 200
    And the body matches:
      """
      {"isAuthenticated": true, "strategy": "users-permissions", "credentials": "user", "user": {"username": "<string>"}}
      """

  @id:AU-011 @should @doc:cms/backend-customization/requests-responses
  Scenario: An anonymous request allowed by the Public role is authenticated without a user
    When I GET "/api/conformance/whoami"
    Then the status is 200
    And the body matches:
      """
      {"isAuthenticated": true, "strategy": "users-permissions", "credentials": null, "user": null}
      """

  @id:AU-012 @must @needs:users @doc:cms/features/users-permissions
  Scenario: A user whose role lacks the action answers 403
    Given I am logged in as the fixture user
    When I POST "/api/tags" with:
      """
      {"data": {"label": "user", "batch": "{batch}"}}
      """
    Then the error is 403 ForbiddenError "Forbidden"

  @id:AU-013 @must @needs:users @doc:cms/features/users-permissions
  Scenario: A user can do what the Authenticated role allows
    Given I am logged in as the fixture user
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200

  @id:AU-014 @should @needs:users @doc:cms/features/users-permissions
  Scenario: Logging in with a wrong password answers 400
    When I POST "/api/auth/local" with:
      """
      {"identifier": "conformance", "password": "wrong password"}
      """
    Then the error is 400 ValidationError "Invalid identifier or password"

  @id:AU-015 @must @doc:cms/backend-customization/routes
  Scenario: A route with auth false needs no credentials and ignores a bad token
    Given I use the bearer token "garbage"
    When I GET "/api/conformance/info"
    Then the status is 200

  @id:AU-016 @must @needs:trace @doc:cms/backend-customization/policies
  Scenario: A request the Public role may not make reaches no policy, middleware or controller
    Given I use the bearer token "garbage"
    When I DELETE "/api/articles/whatever000000000000000"
    Then the error is 401 UnauthorizedError "Missing or invalid credentials"
    And the trace contains "gmw:second:in"
    And the trace does not contain "policy:*"
    And the trace does not contain "rmw:*"
    And the trace does not contain "controller:*"

  @id:AU-017 @should @needs:api-tokens @needs:trace @doc:cms/features/api-tokens
  Scenario: With a read-only token a write is refused before any policy runs
    Given I use the read-only API token
    When I POST "/api/articles" with:
      """
      {"data": {"title": "ro", "batch": "{batch}"}}
      """
    Then the error is 403 ForbiddenError "Forbidden"
    And the trace contains "gmw:second:in"
    And the trace does not contain "policy:*"

  @id:AU-018 @should @needs:api-tokens @doc:cms/backend-customization/requests-responses
  Scenario: With an API token the request's auth strategy is named api-token
    Given I use the full-access API token
    When I GET "/api/conformance/whoami"
    Then the status is 200
    And the JSON at "strategy" is "api-token"
