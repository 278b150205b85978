@needs:webhooks
Feature: Webhooks
  Strapi posts an event to every enabled webhook subscribed to it: `entry.create`, `entry.update`,
  `entry.delete`, `entry.publish`, `entry.unpublish`, with the body
  `{event, createdAt, model, uid, entry}` and the header `X-Strapi-Event`. The delivery happens after
  the change is committed, without delaying the answer.

  Every scenario counts its deliveries exactly, those of its set-up writes included: a duplicate or
  a late extra delivery fails it (the harness waits a window derived from the target's measured
  delivery latency, see conformance/steps/webhooks.py).

  @id:WH-001 @must @doc:cms/backend-customization/webhooks
  Scenario: Creating an entry of a draft-and-publish type sends entry.create then entry.publish
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Hooked", "batch": "{batch}"}}
      """
    Then the status is 201
    And the webhooks received are, in any order: entry.create, entry.publish

  @id:WH-002 @must @doc:cms/backend-customization/webhooks
  Scenario: The webhook body carries the event, the model, the uid and the entry
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Payload", "views": 7, "batch": "{batch}"}}
      """
    Then the webhooks received are, in any order: entry.create, entry.publish
    And a webhook "entry.create" is received
    And its body matches:
      """
      {"event": "entry.create", "createdAt": "<string>", "model": "article", "uid": "api::article.article",
       "entry": {"id": "<integer>", "documentId": "<string>", "title": "Payload", "views": 7}}
      """

  @id:WH-003 @must @doc:cms/backend-customization/webhooks
  Scenario: The webhook request names its event in the X-Strapi-Event header
    When I POST "/api/authors" with:
      """
      {"data": {"name": "Hooked", "batch": "{batch}"}}
      """
    Then the webhooks received are, in order: entry.create
    And a webhook "entry.create" is received
    And its header "X-Strapi-Event" is "entry.create"
    And its header "Content-Type" is "application/json"

  @id:WH-004 @must @doc:cms/backend-customization/webhooks
  Scenario: Creating an entry of a type without draft and publish sends entry.create only
    When I POST "/api/authors" with:
      """
      {"data": {"name": "Plain", "batch": "{batch}"}}
      """
    Then the status is 201
    And the webhooks received are, in order: entry.create

  @id:WH-005 @must @doc:cms/backend-customization/webhooks
  Scenario: Updating an entry sends entry.update
    Given the authors:
      | alias | name |
      | X     | Old  |
    When I PUT "/api/authors/{X}" with:
      """
      {"data": {"name": "New"}}
      """
    Then the status is 200
    And the webhooks received are, in any order: entry.create, entry.update
    And a webhook "entry.update" is received
    And its body matches:
      """
      {"event": "entry.update", "model": "author", "entry": {"documentId": "{X}", "name": "New"}}
      """

  @id:WH-006 @must @doc:cms/backend-customization/webhooks
  Scenario: Deleting an entry sends entry.delete
    Given the authors:
      | alias | name |
      | X     | Bye  |
    When I DELETE "/api/authors/{X}"
    Then the status is 204
    And the webhooks received are, in any order: entry.create, entry.delete
    And a webhook "entry.delete" is received
    And its body matches:
      """
      {"event": "entry.delete", "uid": "api::author.author", "entry": {"documentId": "{X}"}}
      """

  @id:WH-007 @should @doc:cms/backend-customization/webhooks
  Scenario: Updating a draft-and-publish entry sends entry.update then entry.publish
    Given the articles:
      | alias | title |
      | A     | Old   |
    When I PUT "/api/articles/{A}" with:
      """
      {"data": {"title": "New"}}
      """
    Then the status is 200
    And the webhooks received are, in any order: entry.create, entry.publish, entry.update, entry.publish
    And a webhook "entry.update" is received

  @id:WH-008 @must @doc:cms/backend-customization/webhooks
  Scenario: Private attributes are not sent in webhooks
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Secretive", "secret": "hunter2", "batch": "{batch}"}}
      """
    Then the webhooks received are, in any order: entry.create, entry.publish
    And a webhook "entry.create" is received
    And its body matches:
      """
      {"entry": {"title": "Secretive", "secret": "<absent>"}}
      """

  @id:WH-009 @must @doc:cms/backend-customization/webhooks
  Scenario: The webhook's own headers are sent with every delivery
    When I POST "/api/authors" with:
      """
      {"data": {"name": "Headers", "batch": "{batch}"}}
      """
    Then the webhooks received are, in order: entry.create
    And a webhook "entry.create" is received
    And its header "X-Conformance-Webhook" is "fixture"

  @id:WH-010 @must @needs:control @needs:trace @doc:cms/backend-customization/webhooks
  Scenario: A request that fails writes nothing and sends no webhook
    Given the policy "first" denies the request
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Never", "batch": "{batch}"}}
      """
    Then the status is 403
    And the trace contains "policy:first:deny"
    And no webhook is received

  @id:WH-011 @must @needs:documents-endpoint @doc:cms/backend-customization/webhooks
  Scenario: Unpublishing a document sends entry.unpublish
    Given the articles:
      | alias | title |
      | A     | Live  |
    When I call the Document Service "unpublish" of "api::article.article" with:
      """
      {"documentId": "{A}"}
      """
    Then the status is 200
    And the webhooks received are, in any order: entry.create, entry.publish, entry.unpublish
    And a webhook "entry.unpublish" is received

  @id:WH-012 @should @needs:control @needs:trace @doc:cms/backend-customization/webhooks
  Scenario: A create aborted in a lifecycle hook sends no webhook
    Given "lifecycle:file" throws ApplicationError "No" on beforeCreate
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Aborted", "batch": "{batch}"}}
      """
    Then the status is 400
    And the trace contains "lifecycle:file:beforeCreate"
    And no webhook is received
