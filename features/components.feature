Feature: Components and dynamic zones
  A component is a reusable group of fields, single or repeatable, that may nest other components;
  a dynamic zone is a list of components of several kinds, each entry naming its kind in
  `__component`. They are written with their entry and, like relations, are only in an answer when
  `populate` asks for them; `populate=*` goes one level deep. A dynamic zone is populated whole or
  per component with `on` fragments. The fixture's page type has seo (single, with a nested social
  component), links (repeatable) and blocks (a dynamic zone of blocks.hero, itself holding a
  shared.link, and blocks.quote).

  Background:
    Given the page "P":
      """
      {"title": "Home",
       "seo": {"metaTitle": "Home page", "metaDescription": "Welcome", "social": {"network": "mastodon", "handle": "@home"}},
       "links": [{"label": "Docs", "url": "/docs"}, {"label": "Blog", "url": "/blog"}],
       "blocks": [{"__component": "blocks.hero", "heading": "Hi", "cta": {"label": "Go", "url": "/go"}},
                  {"__component": "blocks.quote", "text": "Be brief", "author": "Ann"}]}
      """

  @id:CP-001 @must @doc:cms/api/rest/populate-select
  Scenario: Components and dynamic zones are not in the answer unless populated
    When I GET "/api/pages/{P}"
    Then the status is 200
    And the JSON at "data.title" is "Home"
    And the JSON at "data.seo" is absent
    And the JSON at "data.links" is absent
    And the JSON at "data.blocks" is absent

  @id:CP-002 @must @doc:cms/api/rest/populate-select
  Scenario: populate names a single component: an object with its id and its attributes
    When I GET "/api/pages/{P}?populate=seo"
    Then the status is 200
    And the JSON at "data.seo" is exactly {"id": "<integer>", "metaTitle": "Home page", "metaDescription": "Welcome"}
    And the JSON at "data.links" is absent

  @id:CP-003 @must @doc:cms/api/rest/populate-select
  Scenario: A repeatable component answers a list, in the order written
    When I GET "/api/pages/{P}?populate[0]=links"
    Then the status is 200
    And the JSON at "data.links" is exactly [{"id": "<integer>", "label": "Docs", "url": "/docs"}, {"id": "<integer>", "label": "Blog", "url": "/blog"}]

  @id:CP-004 @must @doc:cms/api/rest/populate-select
  Scenario: populate=* answers components and dynamic zones one level deep
    When I GET "/api/pages/{P}?populate=*"
    Then the status is 200
    And the JSON at "data.seo" is exactly {"id": "<integer>", "metaTitle": "Home page", "metaDescription": "Welcome"}
    And the JSON at "data.blocks" is exactly:
      """
      [{"id": "<integer>", "__component": "blocks.hero", "heading": "Hi"},
       {"id": "<integer>", "__component": "blocks.quote", "text": "Be brief", "author": "Ann"}]
      """
    And "data.links" has 2 items

  @id:CP-005 @must @doc:cms/api/rest/populate-select
  Scenario: A nested component is populated by a nested populate
    When I GET "/api/pages/{P}?populate[seo][populate]=social"
    Then the status is 200
    And the JSON at "data.seo.social" is exactly {"id": "<integer>", "network": "mastodon", "handle": "@home"}

  @id:CP-006 @must @doc:cms/api/rest/populate-select
  Scenario: fields selects a component's attributes; its id is always there
    When I GET "/api/pages/{P}?fields[0]=title&populate[seo][fields][0]=metaTitle&populate[links][fields][0]=label"
    Then the status is 200
    And the JSON at "data.seo" is exactly {"id": "<integer>", "metaTitle": "Home page"}
    And the JSON at "data.links" is exactly [{"id": "<integer>", "label": "Docs"}, {"id": "<integer>", "label": "Blog"}]
    And the JSON at "data.batch" is absent

  @id:CP-007 @must @doc:cms/api/rest/populate-select
  Scenario: Dynamic zone fragments (on) populate each component with its own parameters
    When I GET "/api/pages/{P}?populate[blocks][on][blocks.hero][populate]=cta&populate[blocks][on][blocks.quote][fields][0]=text"
    Then the status is 200
    And the JSON at "data.blocks" is exactly:
      """
      [{"id": "<integer>", "__component": "blocks.hero", "heading": "Hi", "cta": {"id": "<integer>", "label": "Go", "url": "/go"}},
       {"id": "<integer>", "__component": "blocks.quote", "text": "Be brief"}]
      """

  @id:CP-008 @must @doc:cms/api/rest/populate-select
  Scenario: A dynamic zone populated with fragments answers only the components they name
    When I GET "/api/pages/{P}?populate[blocks][on][blocks.quote][fields][0]=author"
    Then the status is 200
    And the JSON at "data.blocks" is exactly [{"id": "<integer>", "__component": "blocks.quote", "author": "Ann"}]

  @id:CP-009 @should @doc:cms/api/rest/populate-select
  Scenario: A nested populate on a dynamic zone applies to every component in it
    When I GET "/api/pages/{P}?populate[blocks][populate]=*"
    Then the status is 200
    And the JSON at "data.blocks.0.cta" is exactly {"id": "<integer>", "label": "Go", "url": "/go"}
    And the JSON at "data.blocks.1.author" is "Ann"

  @id:CP-010 @should @doc:cms/api/rest/populate-select
  Scenario: populate[zone]=* answers 400: a dynamic zone takes fragments, not a wildcard
    When I GET "/api/pages/{P}?populate[blocks]=*"
    Then the error is 400 ValidationError "Invalid nested populate for page.blocks (api::page.page). Expected a fragment ("on") or "count" but found "*""
    And the error details are {}

  @id:CP-011 @must @doc:cms/api/rest/populate-select
  Scenario: populate on a component's attribute that does not exist answers 400
    When I GET "/api/pages/{P}?populate[seo][fields][0]=nope"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:CP-012 @must @doc:cms/backend-customization/models
  Scenario: Writing a component attribute replaces what it held
    When I PUT "/api/pages/{P}?populate=*" with:
      """
      {"data": {"seo": {"metaTitle": "New"}, "links": [{"label": "Only"}]}}
      """
    Then the status is 200
    And the JSON at "data.seo" is exactly {"id": "<integer>", "metaTitle": "New", "metaDescription": null}
    And the JSON at "data.links" is exactly [{"id": "<integer>", "label": "Only", "url": null}]
    And "data.blocks" has 2 items

  @id:CP-013 @must @doc:cms/backend-customization/models
  Scenario: An update that does not name a component attribute keeps it
    When I PUT "/api/pages/{P}?populate[seo][populate]=social" with:
      """
      {"data": {"title": "Renamed"}}
      """
    Then the status is 200
    And the JSON at "data.title" is "Renamed"
    And the JSON at "data.seo.social.handle" is "@home"

  @id:CP-014 @must @doc:cms/backend-customization/models
  Scenario: null empties a single component and an empty list a dynamic zone
    When I PUT "/api/pages/{P}?populate=*" with:
      """
      {"data": {"seo": null, "blocks": []}}
      """
    Then the status is 200
    And the JSON at "data.seo" is null
    And the JSON at "data.blocks" is exactly []
    And "data.links" has 2 items

  @id:CP-015 @must @doc:cms/api/rest/populate-select
  Scenario: An entry without components answers null, and empty lists for repeatables and zones
    Given the page "E":
      """
      {"title": "Empty"}
      """
    When I GET "/api/pages/{E}?populate=*"
    Then the status is 200
    And the body matches:
      """
      {"data": {"title": "Empty", "seo": null, "links": [], "blocks": []}}
      """

  @id:CP-016 @should @doc:cms/backend-customization/models
  Scenario: A dynamic zone entry without __component answers 400
    When I PUT "/api/pages/{P}" with:
      """
      {"data": {"blocks": [{"heading": "Which component?"}]}}
      """
    Then the error is 400 ValidationError, whatever its message

  @id:CP-017 @must @doc:cms/api/rest/filters
  Scenario: filters reach into components, nested ones included
    Given the page "Q":
      """
      {"title": "Other", "seo": {"metaTitle": "Else", "social": {"network": "x"}}, "links": [{"label": "Blog"}]}
      """
    When I GET "/api/pages?filters[batch][$eq]={batch}&sort=title:asc&filters[links][label][$eq]=Docs"
    Then the status is 200
    And the "title" of "data" are, in order: Home
    When I GET "/api/pages?filters[batch][$eq]={batch}&sort=title:asc&filters[links][label][$eq]=Blog"
    Then the "title" of "data" are, in order: Home, Other
    When I GET "/api/pages?filters[batch][$eq]={batch}&sort=title:asc&filters[seo][social][network][$eq]=x"
    Then the "title" of "data" are, in order: Other

  @id:CP-018 @should @doc:cms/api/rest/filters
  Scenario: A dynamic zone cannot be filtered on
    When I GET "/api/pages?filters[blocks][heading][$eq]=Hi"
    Then the error is 400 ValidationError "Invalid key blocks"
    And the error details are {"key": "blocks", "path": "blocks", "source": "query", "param": "filters"}
