Feature: The full request chain
  A request travels global middlewares → route → policies → route middlewares → controller →
  service → Document Service (and its middlewares) → Query Engine (and its lifecycle hooks) →
  database, and the response travels back up through the same layers in reverse.

  @id:CH-001 @must @needs:trace @doc:cms/backend-customization
  Scenario: A list request goes down every layer in the documented order
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in
      policy:first:allow policy:second:allow policy:third:allow=third
      rmw:first:in rmw:second:in
      controller:article.find:in service:article.find:in
      docmw:first.findMany:in docmw:second.findMany:in
      lifecycle:file:beforeFindMany lifecycle:file:afterFindMany
      """

  @id:CH-002 @must @needs:trace @doc:cms/backend-customization
  Scenario: A list request comes back up through the same layers in exact reverse order
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the trace contains, in order:
      """
      lifecycle:file:afterFindMany
      docmw:second.findMany:out docmw:first.findMany:out
      service:article.find:out controller:article.find:out
      rmw:second:out rmw:first:out
      gmw:second:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @id:CH-003 @must @needs:trace @doc:cms/backend-customization
  Scenario: A create goes down and back up through every layer
    When I POST "/api/articles" with:
      """
      {"data": {"title": "Full trip", "batch": "{batch}"}}
      """
    Then the status is 201
    And the trace contains, in order:
      """
      gmw:first:in policy:first:allow rmw:first:in controller:article.create:in service:article.create:in
      docmw:first.create:in lifecycle:file:beforeCreate lifecycle:file:afterCreate docmw:first.create:out
      service:article.create:out controller:article.create:out rmw:first:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @id:CH-004 @must @needs:trace @doc:cms/backend-customization
  Scenario: Reading one document goes down and back up through every layer
    Given the articles:
      | alias | title |
      | A     | One   |
    When I GET "/api/articles/{A}"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in policy:first:allow rmw:first:in controller:article.findOne:in service:article.findOne:in
      docmw:first.findOne:in lifecycle:file:beforeFindOne lifecycle:file:afterFindOne docmw:first.findOne:out
      service:article.findOne:out controller:article.findOne:out rmw:first:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @id:CH-005 @must @needs:trace @doc:cms/backend-customization
  Scenario: An update goes down and back up through every layer
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
      gmw:first:in policy:first:allow rmw:first:in controller:article.update:in service:article.update:in
      docmw:first.update:in lifecycle:file:beforeUpdate lifecycle:file:afterUpdate docmw:first.update:out
      service:article.update:out controller:article.update:out rmw:first:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @id:CH-006 @must @needs:trace @doc:cms/backend-customization
  Scenario: A delete goes down and back up through every layer
    Given the articles:
      | alias | title |
      | A     | One   |
    When I DELETE "/api/articles/{A}"
    Then the status is 204
    And the trace contains, in order:
      """
      gmw:first:in policy:first:allow rmw:first:in controller:article.delete:in service:article.delete:in
      docmw:first.delete:in lifecycle:file:beforeDelete lifecycle:file:afterDelete docmw:first.delete:out
      service:article.delete:out controller:article.delete:out rmw:first:out gmw:first:out
      """
    And every layer is left in the exact reverse order it was entered

  @id:CH-007 @must @needs:trace @needs:control @doc:cms/error-handling
  Scenario: An error deep in the chain skips the way back of every layer it passes through
    Given "lifecycle:file" throws ApplicationError "Deep" on beforeFindMany
    When I GET "/api/articles"
    Then the error is 400 ApplicationError "Deep"
    And the trace contains "lifecycle:file:beforeFindMany"
    And the trace does not contain "*:out"

  @id:CH-008 @must @needs:trace @needs:control @doc:cms/backend-customization
  Scenario: A short-circuit in the middle: what is above still runs back, what is below never runs
    Given "rmw:second" responds 200 with {"stopped": "here"}
    When I GET "/api/articles"
    Then the status is 200
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in policy:first:allow policy:second:allow policy:third:allow=third
      rmw:first:in rmw:second:in rmw:first:out gmw:second:out gmw:first:out
      """
    And the trace does not contain "controller:*"
    And the trace does not contain "lifecycle:*"

  @id:CH-009 @must @needs:trace @needs:control @doc:cms/backend-customization
  Scenario: A policy block is thrown: it passes back through the global middlewares without their after-next code
    Given the policy "first" denies the request
    When I GET "/api/articles"
    Then the error is 403 PolicyError "Policy Failed"
    And the trace contains "policy:first:deny"
    And the trace does not contain "rmw:*"
    And the trace does not contain "gmw:*:out"

  @id:CH-010 @must @needs:trace @doc:cms/backend-customization
  Scenario: An authentication failure stops the chain before the policies
    Given I use the bearer token "garbage"
    When I GET "/api/articles"
    Then the error is 401 UnauthorizedError "Missing or invalid credentials"
    And the trace contains, in order:
      """
      gmw:first:in gmw:second:in gmw:second:out gmw:first:out
      """
    And the trace does not contain "policy:*"
    And the trace does not contain "controller:*"
