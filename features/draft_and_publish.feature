@needs:draft-and-publish
Feature: Draft and publish
  With Draft & Publish, a document has a draft version and may have a published one. The REST API
  defaults to `status=published` for every request, including POST and PUT, so writes publish at
  once unless `?status=draft` is given; `status=draft` reads the draft versions.

  @id:DP-001 @must @doc:cms/api/rest/status
  Scenario: A REST create without status publishes at once
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Live", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.publishedAt" is <string>

  @id:DP-002 @must @doc:cms/api/rest/status
  Scenario: A REST create with status=draft creates only a draft
    When I POST "/api/articles?status=draft" with:
      """
      {"data": {"title": "Sketch", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.publishedAt" is null

  @id:DP-003 @must @doc:cms/api/rest/status
  Scenario: A draft is not listed by default
    Given the articles:
      | title  | status |
      | Sketch | draft  |
      | Final  |        |
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the "title" of "data" are, in order: Final

  @id:DP-004 @must @doc:cms/api/rest/status
  Scenario: status=draft lists the draft versions
    Given the articles:
      | title  | status |
      | Sketch | draft  |
    When I GET "/api/articles?filters[batch][$eq]={batch}&status=draft"
    Then the "title" of "data" are, in order: Sketch
    And the JSON at "data.0.publishedAt" is null

  @id:DP-005 @must @doc:cms/api/rest/status
  Scenario: A document that has only a draft is not found by default
    Given the articles:
      | alias | title  | status |
      | A     | Sketch | draft  |
    When I GET "/api/articles/{A}"
    Then the error is 404 NotFoundError "Not Found"

  @id:DP-006 @must @doc:cms/api/rest/status
  Scenario: The draft of a document is found with status=draft
    Given the articles:
      | alias | title  | status |
      | A     | Sketch | draft  |
    When I GET "/api/articles/{A}?status=draft"
    Then the status is 200
    And the JSON at "data.title" is "Sketch"

  @id:DP-007 @must @doc:cms/api/rest/status
  Scenario: A PUT with empty data publishes the draft unchanged
    Given the articles:
      | alias | title  | status |
      | A     | Sketch | draft  |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {}}
      """
    Then the status is 200
    And the JSON at "data.publishedAt" is <string>
    When I GET "/api/articles/{A}"
    Then the JSON at "data.title" is "Sketch"

  @id:DP-008 @must @doc:cms/api/rest/status
  Scenario: A PUT with status=draft changes the draft and leaves the published version alone
    Given the articles:
      | alias | title    |
      | A     | Released |
    When I PUT "/api/articles/{A}?status=draft" with:
      """
      {"data": {"title": "Work in progress"}}
      """
    Then the status is 200
    When I GET "/api/articles/{A}"
    Then the JSON at "data.title" is "Released"
    When I GET "/api/articles/{A}?status=draft"
    Then the JSON at "data.title" is "Work in progress"

  @id:DP-009 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: Publishing a draft through the Document Service makes it visible to REST reads
    Given the articles:
      | alias | title  | status |
      | A     | Sketch | draft  |
    When I call the Document Service "publish" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    And I GET "/api/articles/{A}"
    Then the status is 200
    And the JSON at "data.title" is "Sketch"

  @id:DP-010 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: Unpublishing a document hides it from REST reads and keeps its draft
    Given the articles:
      | alias | title |
      | A     | Live  |
    When I call the Document Service "unpublish" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    And I GET "/api/articles/{A}"
    Then the error is 404 NotFoundError "Not Found"
    When I GET "/api/articles/{A}?status=draft"
    Then the JSON at "data.title" is "Live"

  @id:DP-011 @must @needs:documents-endpoint @doc:cms/api/document-service
  Scenario: Discarding a draft brings back the published content
    Given the articles:
      | alias | title    |
      | A     | Released |
    When I PUT "/api/articles/{A}?status=draft" with:
      """
      {"data": {"title": "Abandoned"}}
      """
    And I call the Document Service "discardDraft" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    And I GET "/api/articles/{A}?status=draft"
    Then the JSON at "data.title" is "Released"

  @id:DP-012 @must @doc:cms/api/rest/status
  Scenario: Draft and published versions share the documentId
    Given the articles:
      | alias | title |
      | A     | Both  |
    When I GET "/api/articles/{A}?status=draft"
    Then the JSON at "data.documentId" is "{A}"
    And the JSON at "data.publishedAt" is null
