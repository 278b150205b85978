Feature: Document Service and its middlewares
  The Document Service is the API that services use to read and write documents. Middlewares
  registered with `strapi.documents.use()` run around every action, first registered outermost;
  each receives the uid, the action and the params, may change the params before calling `next()`
  (and must return its result), and the action runs on the params as the middlewares left them.

  @id:DS-001 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: Document Service middlewares run in registration order, onion style
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      docmw:first.findMany:in docmw:second.findMany:in docmw:second.findMany:out docmw:first.findMany:out
      """

  @id:DS-002 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: A list request is the findMany action, then the count action
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      docmw:first.findMany:in docmw:first.findMany:out docmw:first.count:in docmw:first.count:out
      """

  @id:DS-003 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: Reading one document is the findOne action
    Given the articles:
      | alias | title |
      | A     | One   |
    When I GET "/api/articles/{A}"
    Then the trace contains "docmw:first.findOne:in"
    And the trace does not contain "docmw:first.findMany:*"

  @id:DS-004 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: A REST create is the create action; publishing on create is not a separate action
    When I POST "/api/articles" with:
      """
      {"data": {"title": "New", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains, in order:
      """
      docmw:first.create:in docmw:second.create:in docmw:second.create:out docmw:first.create:out
      """
    And the trace does not contain "docmw:*.publish:*"

  @id:DS-005 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: A REST update is the update action and a REST delete the delete action
    Given the articles:
      | alias | title |
      | A     | One   |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"title": "Two"}}
      """
    Then the trace contains "docmw:first.update:in"
    When I DELETE "/api/articles/{A}"
    Then the trace contains "docmw:first.delete:in"

  @id:DS-006 @must @needs:control @doc:cms/api/document-service/middlewares
  Scenario: A middleware's change of the params reaches the query
    Given the articles:
      | title  | views |
      | Few    | 1     |
      | Plenty | 50    |
    And "docmw:first" is told {"do": "merge-params", "action": "findMany", "params": {"filters": {"views": {"$gt": 10}}}}
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the "title" of "data" are, in order: Plenty

  @id:DS-007 @must @needs:control @doc:cms/api/document-service/middlewares
  Scenario: A change made by the outer middleware is what the inner one and the action receive
    Given the articles:
      | title | views |
      | Few   | 1     |
      | Many  | 50    |
    And "docmw:first" is told {"do": "merge-params", "action": "findMany", "params": {"sort": "views:desc"}}
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc"
    Then the "title" of "data" are, in order: Many, Few

  @id:DS-008 @must @needs:trace @needs:control @doc:cms/api/document-service/middlewares
  Scenario: A middleware that does not call next stops the action; the caller gets what it returned
    Given the articles:
      | alias | title |
      | A     | Here  |
    And "docmw:second" returns without calling next on findOne
    When I GET "/api/articles/{A}"
    Then the error is 404 NotFoundError "Not Found"
    And the trace contains "docmw:second.findOne:in"
    And the trace does not contain "lifecycle:*:beforeFindOne"

  @id:DS-009 @must @needs:control @doc:cms/api/document-service/middlewares
  Scenario: A middleware can change the data of a create before it is written
    Given "docmw:second" is told {"do": "set-data", "action": "create", "data": {"category": "life"}}
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Stamped", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.category" is "life"

  @id:DS-010 @must @needs:trace @doc:cms/api/document-service/middlewares
  Scenario: Lifecycle hooks run inside the Document Service middlewares
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      docmw:first.findMany:in docmw:second.findMany:in lifecycle:file:beforeFindMany lifecycle:file:afterFindMany docmw:second.findMany:out docmw:first.findMany:out
      """

  @id:DS-011 @must @needs:control @doc:cms/error-handling
  Scenario: An ApplicationError thrown in a Document Service middleware gives 400
    Given "docmw:first" throws ApplicationError "Document refused" with details {"by": "docmw"}
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Document refused"
    And the error details are {"by": "docmw"}

  @id:DS-012 @must @needs:control @doc:cms/error-handling
  Scenario: A ForbiddenError thrown in a Document Service middleware during a request becomes the generic 403
    Given "docmw:second" throws ForbiddenError "Hidden"
    When I GET "/api/articles"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:DS-013 @must @needs:trace @needs:documents-endpoint @doc:cms/api/document-service/middlewares
  Scenario: Middlewares see the actions that REST never calls: publish
    Given the articles:
      | alias | title      | status |
      | A     | To publish | draft  |
    When I call the Document Service "publish" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    Then the status is 200
    And the trace contains, in order:
      """
      docmw:first.publish:in docmw:second.publish:in lifecycle:file:beforeCreate docmw:second.publish:out docmw:first.publish:out
      """

  @id:DS-014 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: The Document Service reads drafts by default
    Given the articles:
      | title     | status |
      | Only text | draft  |
    When I call the Document Service "findMany" of "api::article.article" with:
      """
      {"filters": {"batch": "{batch}"}}
      """
    Then the status is 200
    And the body matches:
      """
      {"result": [{"title": "Only text", "publishedAt": null}]}
      """

  @id:DS-015 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: findFirst returns one document and count a number
    Given the articles:
      | title | views |
      | Aa    | 1     |
      | Bb    | 2     |
    When I call the Document Service "findFirst" of "api::article.article" with:
      """
      {"filters": {"batch": "{batch}"}, "sort": "views:desc", "status": "published"}
      """
    Then the JSON at "result.title" is "Bb"
    When I call the Document Service "count" of "api::article.article" with:
      """
      {"filters": {"batch": "{batch}"}, "status": "published"}
      """
    Then the JSON at "result" is 2

  @id:DS-016 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: update of a document that does not exist returns null
    When I call the Document Service "update" of "api::article.article" with:
      """
      {"documentId": "doesnotexist000000000000", "data": {"title": "x"}}
      """
    Then the status is 200
    And the JSON at "result" is null

  @id:DS-017 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: delete returns the documentId and the deleted entries
    Given the articles:
      | alias | title  |
      | A     | Delete |
    When I call the Document Service "delete" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    Then the status is 200
    And the body matches:
      """
      {"result": {"documentId": "{A}", "entries": "<list>"}}
      """

  @id:DS-018 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: create with status published returns a published document
    When I call the Document Service "create" of "api::article.article" with:
      """
      {"data": {"title": "Live", "batch": "{batch}"}, "status": "published"}
      """
    Then the status is 200
    And the JSON at "result.publishedAt" is <string>
