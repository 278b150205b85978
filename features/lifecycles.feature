Feature: Query Engine lifecycle hooks
  Lifecycle hooks run before and after each query: `beforeX` before the query is sent to the
  database, `afterX` once it has answered. They are declared in a content type's `lifecycles` file
  or by subscribing programmatically; each subscriber's `event.state` set in a before hook is the
  same in its after hook for that query. A Document Service action fires the hooks its queries
  need; bulk `*Many` hooks are never fired by Document Service methods.

  @id:LC-001 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: beforeFindMany and afterFindMany wrap the query of a list request
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      lifecycle:file:beforeFindMany lifecycle:file:afterFindMany
      """

  @id:LC-002 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: The lifecycles file runs before programmatic subscribers, for every hook
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      lifecycle:file:beforeFindMany lifecycle:subscriber:beforeFindMany lifecycle:file:afterFindMany lifecycle:subscriber:afterFindMany
      """

  @id:LC-003 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: beforeCreate and afterCreate wrap the insert of a create
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Hooked", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains, in order:
      """
      lifecycle:file:beforeCreate lifecycle:subscriber:beforeCreate lifecycle:file:afterCreate lifecycle:subscriber:afterCreate
      """

  @id:LC-004 @must @needs:trace @needs:control @doc:cms/backend-customization/models
  Scenario: State set in a before hook is found in the same subscriber's after hook
    Given "lifecycle:file" is told {"do": "set-state", "action": "beforeFindMany", "value": "doStuffAfterwards"}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      lifecycle:file:beforeFindMany lifecycle:file:afterFindMany=doStuffAfterwards
      """

  @id:LC-005 @must @needs:trace @needs:control @doc:cms/backend-customization/models
  Scenario: Each subscriber has its own state
    Given "lifecycle:subscriber" is told {"do": "set-state", "action": "beforeFindMany", "value": "mine"}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains "lifecycle:subscriber:afterFindMany=mine"
    And the trace contains "lifecycle:file:afterFindMany"
    And the trace does not contain "lifecycle:file:afterFindMany=mine"

  @id:LC-006 @must @needs:trace @needs:control @doc:cms/error-handling
  Scenario: An error thrown in beforeCreate aborts the create
    Given "lifecycle:file" throws ApplicationError "Not today" with details {"hook": "beforeCreate"} on beforeCreate
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Aborted", "batch": "{batch}"}}
      """
    Then the error is 400 ApplicationError "Not today"
    And the trace contains "lifecycle:file:beforeCreate"
    And the error details are {"hook": "beforeCreate"}
    And the trace does not contain "lifecycle:*:afterCreate"
    When no component is directed any more
    And I GET "/api/articles?filters[batch][$eq]={batch}&status=draft"
    Then "data" has 0 items

  @id:LC-007 @must @needs:control @doc:cms/backend-customization/models
  Scenario: A before hook can change the data that is written
    Given "lifecycle:subscriber" is told {"do": "set-data", "action": "beforeCreate", "data": {"views": 42}}
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Counted", "views": 1, "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.views" is 42

  @id:LC-008 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: An update fires beforeUpdate and afterUpdate
    Given the articles:
      | alias | title |
      | A     | Old   |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"title": "New"}}
      """
    Then the trace contains, in order:
      """
      lifecycle:file:beforeUpdate lifecycle:file:afterUpdate
      """

  @id:LC-009 @must @needs:trace @doc:cms/migration/v4-to-v5/breaking-changes/lifecycle-hooks-document-service
  Scenario: Deleting a published document fires Delete once for the draft and once for the published row
    Given the articles:
      | alias | title |
      | A     | Twice |
    When I DELETE "/api/articles/{A}"
    Then the status is 204
    And the trace contains "lifecycle:file:beforeDelete" 2 times
    And the trace contains "lifecycle:file:afterDelete" 2 times

  @id:LC-010 @must @needs:trace @doc:cms/migration/v4-to-v5/breaking-changes/lifecycle-hooks-document-service
  Scenario: Creating a published document fires Create twice, for the draft and the published row
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Twice", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains "lifecycle:file:beforeCreate" 2 times
    And the trace contains "lifecycle:file:afterCreate" 2 times

  @id:LC-011 @must @needs:trace @doc:cms/migration/v4-to-v5/breaking-changes/lifecycle-hooks-document-service
  Scenario: Creating a draft fires Create once
    When I POST "/api/articles?status=draft" with:
      """
      {"data": {"title": "Once", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains "lifecycle:file:beforeCreate" 1 time

  @id:LC-012 @must @needs:trace @doc:cms/migration/v4-to-v5/breaking-changes/lifecycle-hooks-document-service
  Scenario: Document Service actions never fire the bulk *Many hooks
    Given the articles:
      | alias | title |
      | A     | Bulk  |
    When I DELETE "/api/articles/{A}"
    Then the status is 204
    And the trace contains "lifecycle:file:beforeDelete"
    And the trace does not contain "lifecycle:*:beforeDeleteMany"
    And the trace does not contain "lifecycle:*:beforeCreateMany"
    And the trace does not contain "lifecycle:*:beforeUpdateMany"

  @id:LC-013 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: A list request counts with beforeCount and afterCount
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      lifecycle:file:beforeCount lifecycle:file:afterCount
      """

  @id:LC-014 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: Reading one document fires beforeFindOne and afterFindOne
    Given the articles:
      | alias | title |
      | A     | One   |
    When I GET "/api/articles/{A}"
    Then the trace contains, in order:
      """
      lifecycle:file:beforeFindOne lifecycle:file:afterFindOne
      """

  @id:LC-015 @should @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a lifecycle hook during a request becomes the generic 403
    Given "lifecycle:subscriber" throws ForbiddenError "Hook says no" on beforeFindMany
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:LC-016 @must @needs:trace @doc:cms/api/document-service
  Scenario: Lifecycle hooks of one query complete before the Document Service middleware returns
    Given the articles:
      | alias | title |
      | A     | One   |
    When I GET "/api/articles/{A}"
    Then the trace contains, in order:
      """
      docmw:second.findOne:in lifecycle:file:beforeFindOne lifecycle:subscriber:afterFindOne docmw:second.findOne:out
      """

  @id:LC-017 @must @needs:trace @doc:cms/backend-customization/models
  Scenario: After hooks run only once the query has answered: a create that fails runs none
    # A datetime that passes the entity validator but that the Query Engine cannot parse: the
    # query fails after its before hook, so no after hook may run.
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Bad date", "publishDate": "not a date", "batch": "{batch}"}}
      """
    Then the status is 400
    And the trace contains "lifecycle:file:beforeCreate"
    And the error is 400 ValidationError "Invalid format, expected a timestamp or an ISO date"
    And the trace does not contain "lifecycle:*:afterCreate"
    When I GET "/api/articles?filters[batch][$eq]={batch}&status=draft"
    Then "data" has 0 items
