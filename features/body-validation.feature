Feature: Validation of request bodies: keys, relations and the order of the checks
  Before the Document Service runs, the content API validates the keys of the body's `data`: a key
  that names no attribute is a 400 ValidationError "Invalid key <key>", inside components, dynamic
  zone entries and related entries too, where `details.path` is the attribute's path (without list
  indexes) and the message says "at <path>". Attributes Strapi itself writes (`createdAt`,
  `updatedAt`, `createdBy`, `updatedBy`, `localizations`) are refused with their own name as the
  path; `publishedAt` and `locale` are taken and dropped (`status` and `locale` in the query
  choose). A relation named by a documentId that does not exist is refused at once, in the order
  of the body; ids and other values go to the entity validator, which counts the ones that name
  no entry next to the attributes' failures. An update of a document that does not exist answers
  404 before any value is validated. The documentation is silent on these details: real Strapi
  5.54.0 is the authority (found by `conformance diff`).

  @id:BV-001 @must @doc:cms/api/rest
  Scenario: An unknown key inside a component answers 400 with the component's path
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "seo": {"metaTitle": "a", "nope": 1}}}
      """
    Then the error is 400 ValidationError "Invalid key nope at seo"
    And the error details are {"key": "nope", "path": "seo", "source": "body"}

  @id:BV-002 @must @doc:cms/api/rest
  Scenario: An unknown key in a nested component names the whole path, without list indexes
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "blocks": [{"__component": "blocks.quote", "text": "q"},
                                                {"__component": "blocks.hero", "cta": {"label": "x", "nope": 1}}]}}
      """
    Then the error is 400 ValidationError "Invalid key nope at blocks.cta"
    And the error details are {"key": "nope", "path": "blocks.cta", "source": "body"}

  @id:BV-003 @must @doc:cms/api/rest
  Scenario: A dynamic zone entry takes __component and its component's attributes only
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "links": [{"label": "a"}],
                "blocks": [{"__component": "blocks.quote", "text": "q", "heading": "not a quote's"}]}}
      """
    Then the error is 400 ValidationError "Invalid key heading at blocks"
    And the error details are {"key": "heading", "path": "blocks", "source": "body"}

  @id:BV-004 @must @doc:cms/api/rest/relations
  Scenario: A related entry may only name the target's attributes
    Given the players:
      | alias | name |
      | P1    | Ann  |
    When I POST "/api/teams" with:
      """
      {"data": {"batch": "{batch}", "players": [{"documentId": "{P1}", "nope": 1}]}}
      """
    Then the error is 400 ValidationError "Invalid key nope at players"
    And the error details are {"key": "nope", "path": "players", "source": "body"}

  @id:BV-005 @must @doc:cms/api/rest
  Scenario: A timestamp Strapi writes itself is refused with its name as the path
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "createdAt": "2020-01-01T00:00:00.000Z"}}
      """
    Then the error is 400 ValidationError "Invalid key createdAt"
    And the error details are {"key": "createdAt", "path": "createdAt", "source": "body"}

  @id:BV-006 @must @doc:cms/api/rest
  Scenario: An attribute the type does not have is refused without a path
    When I PUT "/api/authors/nosuchdocument" with:
      """
      {"data": {"batch": "{batch}", "nope": 1}}
      """
    Then the error is 400 ValidationError "Invalid key nope"
    And the error details are {"key": "nope", "path": null, "source": "body"}

  @id:BV-007 @must @needs:draft-and-publish @doc:cms/api/rest/status
  Scenario: publishedAt in the body is dropped: status decides
    When I POST "/api/articles?status=draft" with:
      """
      {"data": {"batch": "{batch}", "title": "Draft", "publishedAt": "2020-01-01T00:00:00.000Z"}}
      """
    Then the status is 201
    And the JSON at "data.publishedAt" is null

  @id:BV-008 @should @doc:cms/backend-customization/models
  Scenario: An integer attribute holds integers past 32 bits
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "views": 1099511627776}}
      """
    Then the status is 201
    And the JSON at "data.views" is exactly 1099511627776

  @id:BV-009 @must @doc:cms/api/rest/relations
  Scenario: Missing related documentIds are reported in the order of the body
    When I POST "/api/teams" with:
      """
      {"data": {"batch": "{batch}", "fans": ["nope-fan"], "players": ["nope-player"]}}
      """
    Then the error is 400 ValidationError "Document with id \"nope-fan\", locale \"null\" not found"
    And the error details are {}

  @id:BV-010 @must @doc:cms/error-handling
  Scenario: Ids that name no entry are counted by the entity validator, with the values' failures
    When I POST "/api/teams" with:
      """
      {"data": {"batch": 5, "captain": 999999, "players": [999998, 999997]}}
      """
    Then the status is 400
    And the body is exactly:
      """
      {"data": null, "error": {"status": 400, "name": "ValidationError", "message": "2 errors occurred",
       "details": {"errors": [
         {"path": ["batch"], "name": "ValidationError", "value": 5,
          "message": "batch must be a `string` type, but the final value was: `5`."},
         {"path": [], "name": "ValidationError",
          "message": "3 relation(s) of type api::player.player associated with this entity do not exist",
          "value": {"batch": 5, "captain": {"set": [{"id": 999999}]},
                    "players": {"set": [{"id": 999998}, {"id": 999997}]}, "publishedAt": "<string>"}}]}}}
      """

  @id:BV-011 @must @doc:cms/error-handling
  Scenario: An empty documentId is "Invalid relations"
    When I POST "/api/teams" with:
      """
      {"data": {"batch": "{batch}", "captain": ""}}
      """
    Then the error is 400 ValidationError "Invalid relations"
    And the error details are {"errors": [{"path": [], "message": "Invalid relations", "name": "ValidationError", "value": {"batch": "{batch}", "captain": {"set": [{"documentId": ""}]}, "publishedAt": "<string>"}}]}

  @id:BV-012 @must @doc:cms/api/rest
  Scenario: An update of a document that does not exist answers 404 before its values are validated
    When I PUT "/api/products/nosuchdocument" with:
      """
      {"data": {"batch": "{batch}", "stock": "many"}}
      """
    Then the error is 404 NotFoundError "Not Found"

  @id:BV-013 @should @doc:cms/api/rest
  Scenario: locale in the body of a type without i18n is still read as a text
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "locale": 5}}
      """
    Then the error is 400 ValidationError "locale must be a `string` type, but the final value was: `5`."

  @id:BV-014 @should @doc:cms/backend-customization/models
  Scenario: A datetime is kept to the millisecond, truncated toward 1970 as a JavaScript Date is
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "publishDate": "1631-09-02T00:10:13.899977+04:57"}}
      """
    Then the status is 201
    And the JSON at "data.publishDate" is exactly "1631-09-01T19:13:13.900Z"
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "publishDate": "2024-06-18T10:00:00.123999Z"}}
      """
    Then the status is 201
    And the JSON at "data.publishDate" is exactly "2024-06-18T10:00:00.123Z"

  @id:BV-015 @must @needs:draft-and-publish @doc:cms/api/rest/relations
  Scenario: A type without draft and publish relates to every version of a document that has them
    Given the authors:
      | alias | name |
      | A     | Ann  |
    And the articles:
      | alias | title | status    |
      | D     | Draft | draft     |
      | E     | Both  | published |
    When I PUT "/api/authors/{A}?populate[articles][fields][0]=title" with:
      """
      {"data": {"articles": ["{D}", "{E}"]}}
      """
    Then the status is 200
    And the "title" of "data.articles" are, in order: Both
    When I POST "/api/authors?populate=articles" with:
      """
      {"data": {"batch": "{batch}", "name": "Bob", "articles": ["{D}"]}}
      """
    Then the status is 201
    And "data.articles" has 0 items

  @id:BV-016 @must @doc:cms/error-handling
  Scenario: A repeatable component or a dynamic zone sent as null is no list
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "seo": null, "links": null, "blocks": null}}
      """
    Then the error is 400 ValidationError "2 errors occurred"
    And the error details are {"errors": [{"path": ["links"], "message": "links must be a `array` type, but the final value was: `null`.", "name": "ValidationError", "value": null}, {"path": ["blocks"], "message": "blocks must be a `array` type, but the final value was: `null`.", "name": "ValidationError", "value": null}]}

  @id:BV-017 @must @doc:cms/error-handling
  Scenario: The data a relation failure reports holds the values as the validator cast them
    When I POST "/api/articles" with:
      """
      {"data": {"rating": "", "tags": 999999, "views": "7", "featured": "true"}}
      """
    Then the status is 400
    And the body is exactly:
      """
      {"data": null, "error": {"status": 400, "name": "ValidationError", "message": "2 errors occurred",
       "details": {"errors": [
         {"path": ["rating"], "name": "ValidationError", "value": null,
          "message": "rating must be a `number` type, but the final value was: `NaN` (cast from the value `\"\"`)."},
         {"path": [], "name": "ValidationError",
          "message": "1 relation(s) of type api::tag.tag associated with this entity do not exist",
          "value": {"rating": null, "tags": {"set": [{"id": 999999}]}, "views": 7, "featured": true,
                    "publishedAt": null}}]}}}
      """

  @id:BV-018 @should @doc:cms/api/rest/relations
  Scenario: A relation value that names no entry is no change: an object without ids, false in a list
    When I POST "/api/teams?populate=*" with:
      """
      {"data": {"batch": "{batch}", "captain": {}, "players": [false]}}
      """
    Then the status is 201
    And the JSON at "data.captain" is null
    And "data.players" has 0 items

  @id:BV-019 @should @doc:cms/backend-customization/models
  Scenario: A json attribute holding a boolean answers the boolean
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "meta": true}}
      """
    Then the status is 201
    And the JSON at "data.meta" is exactly true

  @id:BV-020 @should @doc:cms/api/rest/relations
  Scenario: A text that starts like a number names an id, not a documentId
    When I POST "/api/teams" with:
      """
      {"data": {"batch": "{batch}", "fans": ["3:x", "nope-fan"]}}
      """
    Then the error is 400 ValidationError "Document with id \"nope-fan\", locale \"null\" not found"

  @id:BV-021 @should @doc:cms/error-handling
  Scenario: A number past 2^53 is printed in a message as JavaScript prints the double it reads
    When I POST "/api/authors" with:
      """
      {"data": {"batch": "{batch}", "email": 58119921722032544}}
      """
    Then the error is 400 ValidationError "email must be a `string` type, but the final value was: `58119921722032540`."

  @id:BV-022 @should @needs:draft-and-publish @doc:cms/api/rest/status
  Scenario: A status other than published reads drafts in nested relations too
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | alias | title | author |
      | D     | One   | X      |
    When I GET "/api/articles/{D}?status=nonsense&populate[author][populate][articles][fields][0]=title"
    Then the status is 200
    And the JSON at "data.publishedAt" is null
    And "data.author.articles" has 1 item
    And the JSON at "data.author.articles.0.title" is "One"

  @id:BV-023 @should @doc:cms/backend-customization/models
  Scenario: A dynamic zone entry may name its __component after its attributes, nested components included
    When I POST "/api/pages?populate[blocks][populate]=*" with:
      """
      {"data": {"batch": "{batch}", "blocks": [{"heading": "Hi", "cta": {"label": "Go"}, "__component": "blocks.hero"},
                                                {"text": "q", "author": "Ann", "__component": "blocks.quote"}]}}
      """
    Then the status is 201
    And "data.blocks" has 2 items
    And the JSON at "data.blocks.0.__component" is "blocks.hero"
    And the JSON at "data.blocks.0.cta.label" is "Go"
    And the JSON at "data.blocks.1.__component" is "blocks.quote"
    And the JSON at "data.blocks.1.author" is "Ann"

  @id:BV-024 @should @doc:cms/error-handling
  Scenario: A body that is not JSON answers 400 SyntaxError with the message of JavaScript's JSON.parse
    When I POST "/api/articles" with the application/json body:
      """
      {"data": {"title": "broken",
      """
    Then the error is 400 SyntaxError "Expected double-quoted property name in JSON at position 28"
    When I POST "/api/articles" with the application/json body:
      """
      {"data": {"title": broken}}
      """
    Then the error is 400 SyntaxError "Unexpected token 'b', ...\"{\"title\": broken}}\" is not valid JSON"
    When I POST "/api/articles" with the application/json body:
      """
      {"data": {"views": 01}}
      """
    Then the error is 400 SyntaxError "Unexpected number in JSON at position 20"

  @id:BV-025 @should @doc:cms/backend-customization/models
  Scenario: A JSON integer past 2^53 is the number JavaScript reads: kept, echoed and counted as that double
    When I POST "/api/articles" with:
      """
      {"data": {"batch": "{batch}", "views": 58119921722032544}}
      """
    Then the status is 201
    And the JSON at "data.views" is exactly 58119921722032540
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "cover": 1718169161329326958837760}}
      """
    Then the error is 400 ValidationError "1 relation(s) of type plugin::upload.file associated with this entity do not exist"
    And the JSON at "error.details.errors.0.value.cover" is exactly {"set": [{"id": 1.718169161329327e+24}]}

  @id:BV-026 @should @doc:cms/backend-customization/models
  Scenario: minLength and maxLength count a text as JavaScript does, in UTF-16 code units
    When I POST "/api/products" with:
      """
      {"data": {"batch": "{batch}", "name": "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"}}
      """
    Then the error is 400 ValidationError "name must be at most 40 characters"
    When I POST "/api/products" with:
      """
      {"data": {"batch": "{batch}", "name": "😀😀"}}
      """
    Then the status is 201

  @id:BV-027 @must @needs:i18n @doc:cms/api/rest/locale
  Scenario: An update of a localized document that exists in no locale answers 404 before its values are validated
    When I PUT "/api/guides/nosuchdocument?locale=fr" with:
      """
      {"data": {"batch": "{batch}", "rank": "first"}}
      """
    Then the error is 404 NotFoundError "Not Found"
    When I PUT "/api/guides/nosuchdocument" with:
      """
      {"data": {"batch": "{batch}", "rank": "first"}}
      """
    Then the error is 404 NotFoundError "Not Found"

  @id:BV-028 @must @doc:cms/error-handling
  Scenario: Values inside components and dynamic zone entries are validated with their path, a list's shallower failures first
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "seo": {"metaTitle": 5}, "links": [{"label": 6}, "x"],
                "blocks": [{"__component": "blocks.hero", "cta": {"label": 8}}]}}
      """
    Then the error is 400 ValidationError "4 errors occurred"
    And the JSON at "error.details.errors" is exactly:
      """
      [{"path": ["seo", "metaTitle"], "name": "ValidationError", "value": 5,
        "message": "seo.metaTitle must be a `string` type, but the final value was: `5`."},
       {"path": ["links", "1"], "name": "ValidationError", "value": null,
        "message": "links[1] must be a `object` type, but the final value was: `null` (cast from the value `\"x\"`)."},
       {"path": ["links", "0", "label"], "name": "ValidationError", "value": 6,
        "message": "links[0].label must be a `string` type, but the final value was: `6`."},
       {"path": ["blocks", "0", "cta", "label"], "name": "ValidationError", "value": 8,
        "message": "blocks[0].cta.label must be a `string` type, but the final value was: `8`."}]
      """

  @id:BV-029 @should @doc:cms/error-handling
  Scenario: A dynamic zone entry's __component must name a component
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "blocks": [{"__component": "blocks.nope"}]}}
      """
    Then the error is 400 ValidationError "2 errors occurred"
    And the JSON at "error.details.errors.0.path" is exactly ["blocks", "0", "__component"]
    And the JSON at "error.details.errors.0.message" lists, after "blocks[0].__component must be one of the following values: ", in any order: shared.social, shared.seo, shared.link, blocks.quote, blocks.hero
    And the JSON at "error.details.errors.1.message" is "Invalid relations"
    When I POST "/api/pages" with:
      """
      {"data": {"batch": "{batch}", "blocks": [{"text": "which component?"}]}}
      """
    Then the error is 400 ValidationError "2 errors occurred"
    And the JSON at "error.details.errors.0.message" is "blocks[0].__component is a required field"
    And the JSON at "error.details.errors.1.message" is "Cannot build relations store from dynamiczone, component identifier is undefined"

  @id:BV-030 @must @doc:cms/api/rest
  Scenario: An update refuses component ids the document does not hold, before writing anything
    Given the page "P":
      """
      {"title": "kept", "links": [{"label": "a"}], "blocks": [{"__component": "blocks.quote", "text": "q"}]}
      """
    When I PUT "/api/pages/{P}" with:
      """
      {"data": {"title": "changed", "links": [{"id": 999999999, "label": "stolen"}]}}
      """
    Then the error is 400 ApplicationError "Some of the provided components in links are not related to the entity"
    When I PUT "/api/pages/{P}" with:
      """
      {"data": {"blocks": [{"__component": "blocks.quote", "id": 999999999, "text": "stolen"}]}}
      """
    Then the error is 400 Error "Some of the provided components in blocks are not related to the entity"
    When I GET "/api/pages/{P}?populate=*"
    Then the JSON at "data.title" is "kept"
    And the JSON at "data.links.0.label" is "a"
    And the JSON at "data.blocks.0.text" is "q"

  @id:BV-031 @should @doc:cms/api/rest/relations
  Scenario: A to-one relation set to several entries keeps the last; a null set changes nothing
    Given the players:
      | alias | name |
      | P1    | Ann  |
      | P2    | Bob  |
    And the team "T":
      """
      {"name": "T", "players": ["{P1}"]}
      """
    When I PUT "/api/teams/{T}?populate=*" with:
      """
      {"data": {"captain": ["{P1}", "{P2}"], "players": {"set": null}}}
      """
    Then the status is 200
    And the JSON at "data.captain.name" is "Bob"
    And the "name" of "data.players" are, in order: Ann
