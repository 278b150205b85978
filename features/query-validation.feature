Feature: Query validation and filter values
  What the REST API does with query strings a client gets slightly wrong: which filter values it
  accepts and how it reads them, which invalid key it names first, and in which order an action
  checks its query and the document it addresses. The documentation lists the operators and the
  parameters; where it says nothing about a value, Strapi 5.54.0 (with its default database,
  SQLite) is the authority, found by `conformance diff` against it.

  Background:
    Given the articles:
      | alias | title     | views | rating | featured | category |
      | A     | Alpha     | 10    | 4.5    | true     | news     |
      | B     | beta      | 20    | 3.0    | false    | tech     |
      | C     | Gamma ray | 30    |        | true     | tech     |

  @id:QV-001 @should @doc:cms/api/rest/filters
  Scenario: $null and $notNull read the boolean words, and any other value as JavaScript's truthiness
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[rating][$null]="
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[rating][$null]=yes"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[rating][$notNull]=null"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta

  @id:QV-002 @should @doc:cms/api/rest/filters
  Scenario: A boolean attribute compared with a value that is no boolean word reads it as JavaScript's truthiness
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[featured][$eq]=yes"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[featured]="
    Then the status is 200
    And the "title" of "data" are, in order: beta

  @id:QV-003 @should @doc:cms/api/rest/filters
  Scenario: An id compared with a text that is no number matches no entry, and the query is not refused
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[id][$eq]=abc"
    Then the status is 200
    And "data" has 0 items
    When I GET "/api/articles/{A}?filters[id][$in][0]=abc"
    Then the error is 404 NotFoundError "Not Found"

  @id:QV-004 @should @doc:cms/api/rest/filters
  Scenario: A list given to an operator that takes one value matches when any of its items does
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$eq][0]=Alpha&filters[title][$eq][1]=beta"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$containsi][0]=RAY&filters[title][$containsi][1]=ALP"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray

  @id:QV-005 @should @doc:cms/api/rest/filters
  Scenario: The invalid key in filters is named at the attribute path, without the logical operators around it
    When I GET "/api/articles?filters[$and][0][title][nope]=x"
    Then the error is 400 ValidationError "Invalid key nope at title"
    And the error details are {"key": "nope", "path": "title", "source": "query", "param": "filters"}
    When I GET "/api/articles?filters[id][nope]=x"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:QV-006 @should @doc:cms/api/rest/filters
  Scenario: An unknown key anywhere in filters is named before a private attribute met earlier
    When I GET "/api/articles?filters[secret][$eq]=1&filters[nope]=2"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:QV-007 @should @doc:cms/api/rest/filters
  Scenario: Keys that are integers are checked first, in increasing order, as a JavaScript object lists them
    When I GET "/api/articles?filters[title][zz]=1&filters[title][7]=2&filters[title][3]=3"
    Then the error is 400 ValidationError "Invalid key 3 at title"

  @id:QV-008 @should @doc:cms/api/rest/filters
  Scenario: An operator whose operand is an object of unknown keys is dropped from the filters, not refused
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$eq][nope]=x"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta, Gamma ray
    When I DELETE "/api/articles/{B}?filters[views][$lt][nope]=1"
    Then the status is 204
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc"
    Then the "title" of "data" are, in order: Alpha, Gamma ray

  @id:QV-009 @should @doc:cms/api/rest/filters
  Scenario: A $between operand that is no date is refused for its value before its shape
    When I GET "/api/articles?filters[createdAt][$between]=abc"
    Then the error is 400 ValidationError "Invalid format, expected a timestamp or an ISO date"

  @id:QV-010 @should @doc:cms/api/rest/populate-select
  Scenario: A key under a populated relation that is no populate parameter is named at the relation
    When I GET "/api/articles?populate[author][nope]=1"
    Then the error is 400 ValidationError "Invalid key nope at author"
    And the error details are {"key": "nope", "path": "author", "source": "query", "param": "populate"}
    When I GET "/api/articles?populate[author]=x"
    Then the error is 400 ValidationError "Invalid key x at author"
    When I GET "/api/articles?populate[author][count]=x"
    Then the error is 400 ValidationError "Invalid key count at author"

  @id:QV-011 @should @doc:cms/api/rest/populate-select
  Scenario: What the filters, sort or fields of a populated relation refuse is reported as the populate parameter's
    When I GET "/api/articles?populate[author][filters][nope]=1"
    Then the error is 400 ValidationError "Invalid key nope"
    And the error details are {"key": "nope", "path": null, "source": "query", "param": "populate"}
    When I GET "/api/articles?populate[author][sort]=nope"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:QV-012 @should @doc:cms/api/rest/populate-select
  Scenario: fields names an unknown attribute before a private one, and a relation by its path
    When I GET "/api/articles?fields[0]=secret&fields[1]=nope"
    Then the error is 400 ValidationError "Invalid key nope"
    When I GET "/api/articles?fields[0]=author"
    Then the error is 400 ValidationError "Invalid key author"
    And the error details are {"key": "author", "path": "author", "source": "query", "param": "fields"}

  @id:QV-013 @should @doc:cms/api/rest/populate-select
  Scenario: populate takes dot paths to populate a relation of a relation
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | alias | title  | author |
      | P     | Linked | X      |
    When I GET "/api/authors/{X}?populate=articles.author"
    Then the status is 200
    And the JSON at "data.articles.0.author.name" is "Ann"
    When I GET "/api/authors/{X}?populate=articles.nope"
    Then the error is 400 ValidationError "Invalid key nope at articles.nope"

  @id:QV-014 @should @doc:cms/api/rest/sort-pagination
  Scenario: sort is checked for its keys with the other parameters, and for its direction only after them
    When I GET "/api/articles?sort=title:sideways&fields[0]=nosuchfield"
    Then the error is 400 ValidationError "Invalid key nosuchfield"
    When I GET "/api/articles?sort=title:sideways"
    Then the error is 400 ValidationError "Invalid order. order can only be one of asc|desc|ASC|DESC"

  @id:QV-015 @should @doc:cms/api/rest/sort-pagination
  Scenario: sort names an unknown field before a private one, and a relation given no field by its path
    When I GET "/api/articles?sort=secret,nope"
    Then the error is 400 ValidationError "Invalid key nope"
    When I GET "/api/articles?sort=author"
    Then the error is 400 ValidationError "Invalid key author"
    And the error details are {"key": "author", "path": "author", "source": "query", "param": "sort"}
    When I GET "/api/articles?sort=author:asc"
    Then the error is 400 ValidationError "Invalid key asc at author"

  @id:QV-016 @should @doc:cms/api/rest/filters
  Scenario: An integer attribute is compared with any number, a decimal one or in exponent notation too
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$gte]=15.5"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Gamma ray
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$eq]=1e1"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:QV-017 @should @doc:cms/api/rest/filters
  Scenario: filters that are no object and fields that are no names are refused with Strapi's messages
    When I GET "/api/articles?filters=abc"
    Then the error is 400 ValidationError "The filters parameter must be an object or an array"
    When I GET "/api/articles?fields[a]=title"
    Then the error is 400 ValidationError "Invalid fields parameter. Expected a string or an array of strings"

  @id:QV-018 @should @doc:cms/api/rest/filters
  Scenario: Every filter value is cast before any condition applies: a date that does not parse is named before a $between of the wrong shape
    When I GET "/api/articles?filters[title][$between][0]=a&filters[createdAt][$lt]=abc"
    Then the error is 400 ValidationError "Invalid format, expected a timestamp or an ISO date"

  @id:QV-019 @should @doc:cms/api/rest/sort-pagination
  Scenario: A bad sort direction is named before a page that is no number
    When I GET "/api/articles?sort=title:sideways&pagination[page]=x"
    Then the error is 400 ValidationError "Invalid order. order can only be one of asc|desc|ASC|DESC"

  @id:QV-020 @should @doc:cms/api/rest/filters
  Scenario: A filter value its attribute cannot hold is a client error, not a server error
    When I GET "/api/articles?filters[views][$eq]=abc"
    Then the error is 400 ValidationError, whatever its message
    When I GET "/api/articles?filters[views][$between][0]=1&filters[views][$between][1]=2&filters[views][$between][2]=3"
    Then the error is 400 ValidationError, whatever its message

  @id:QV-021 @should @doc:cms/api/rest/populate-select
  Scenario: Names in fields are trimmed of white space as JavaScript trims it, not of control characters
    When I GET "/api/articles/{A}?fields=%20title%0A"
    Then the status is 200
    And the JSON at "data.title" is "Alpha"
    When I GET "/api/articles/{A}?fields=title%1D"
    Then the error is 400 ValidationError, whatever its message

  @id:QV-022 @should @doc:cms/api/rest/sort-pagination
  Scenario: sort on a relation's field orders entries by the related entry's value; through a to-many relation, by the first related value in that order
    Given the authors:
      | alias | name |
      | X     | Zoe  |
      | Y     | Adam |
    And the tags:
      | alias | label |
      | R     | red   |
      | U     | blue  |
      | G     | green |
    And the articles:
      | alias | title | author | tags |
      | P     | One   | X      | R, U |
      | Q     | Two   | Y      | G    |
      | S     | Three | X      | U    |
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[views][$null]=true&sort=author.name:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: Two, One, Three
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[views][$null]=true&sort[0][author][name]=desc&sort[1][title]=desc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: Three, One, Two
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[views][$null]=true&sort=tags.label:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: One, Three, Two
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[views][$null]=true&sort=tags.label:desc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: One, Two, Three

  @id:QV-023 @should @doc:cms/api/rest/populate-select
  Scenario: sort inside populate orders the related entries; without it they keep the relation's order
    Given the tags:
      | alias | label |
      | R     | red   |
      | U     | blue  |
      | G     | green |
    And the articles:
      | alias | title | tags    |
      | P     | One   | R, U, G |
    When I GET "/api/articles/{P}?populate[tags][sort]=label:asc&populate[tags][fields][0]=label"
    Then the status is 200
    And the "label" of "data.tags" are, in order: blue, green, red
    When I GET "/api/articles/{P}?populate[tags][sort][0]=label:desc&populate[tags][fields][0]=label"
    Then the status is 200
    And the "label" of "data.tags" are, in order: red, green, blue
    When I GET "/api/articles/{P}?populate[tags][fields][0]=label"
    Then the status is 200
    And the "label" of "data.tags" are, in order: red, blue, green

  @id:QV-024 @should @doc:cms/api/rest/filters
  Scenario: a filter on a relation reads an entry without related entries as related to a row of nulls, and $not applies to the related entries one by one
    Given the authors:
      | alias | name |
      | X     | Zoe  |
    And the tags:
      | alias | label |
      | R     | red   |
      | U     | blue  |
    And the articles:
      | alias | title | author | tags |
      | P     | One   | X      | R, U |
      | Q     | Two   |        | R    |
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[author][id][$null]=true&sort=title:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray, Two, beta
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[author][$null]=true&sort=title:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray, Two, beta
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[tags][label][$null]=true&sort=title:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray, beta
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[$not][tags][label][$eq]=red&sort=title:asc&fields[0]=title"
    Then the status is 200
    And the "title" of "data" are, in order: One

  @id:QV-025 @should @doc:cms/api/rest/sort-pagination
  Scenario: page and pageSize belong in the pagination object: at the top level of a list they are refused as mixed pagination, on one entry only their values are checked
    When I GET "/api/articles?filters[batch][$eq]={batch}&page=2&pageSize=2"
    Then the error is 400 PaginationError "Invalid pagination attributes. The page parameters are incorrect and must be in the pagination object"
    When I GET "/api/articles/{A}?page=2&fields[0]=title"
    Then the status is 200
    And the JSON at "data.title" is "Alpha"
    When I GET "/api/articles/{A}?page=0"
    Then the error is 400 PaginationError "Invalid 'page' parameter. Expected an integer > 0, received: 0"

  @id:QV-026 @should @doc:cms/api/rest/populate-select
  Scenario: populate takes only a true word to populate; inside a dynamic zone populate is "*" or nothing and count populates the zone
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | alias | title  | author |
      | P     | Linked | X      |
    And the page "Z":
      """
      {"title": "Zoned", "blocks": [{"__component": "blocks.quote", "text": "Be brief", "author": "Ann"}]}
      """
    When I GET "/api/articles/{P}?populate[author]=false"
    Then the status is 200
    And the JSON at "data.author" is absent
    When I GET "/api/articles/{P}?populate[author]=1"
    Then the status is 200
    And the JSON at "data.author.name" is "Ann"
    When I GET "/api/pages/{Z}?populate[blocks][count]=true"
    Then the status is 200
    And the JSON at "data.blocks.0.text" is "Be brief"
    When I GET "/api/pages/{Z}?populate[blocks][populate][cta]=true"
    Then the error is 400 ValidationError "Invalid key populate at blocks"

  @id:QV-027 @should @doc:cms/api/rest/filters
  Scenario: A bracket key given both as a list and as an object is one object whose list positions come first, as Node's qs merges them
    When I GET "/api/articles?filters[$or][0][]=x&filters[$or][0][nope]=1"
    Then the error is 400 ValidationError "Invalid key 0"
    When I GET "/api/articles?filters[rating][$notIn][0][nope]=1&filters[rating][$notIn][0][]=x"
    Then the error is 400 ValidationError "Invalid key 0 at rating"

  @id:QV-028 @should @doc:cms/api/rest/filters
  Scenario: On one document the documentId of the path replaces a top-level documentId filter, while nested filters still apply
    Given the articles:
      | alias | title |
      | P     | Kept  |
    When I GET "/api/articles/{P}?filters[documentId][$eq]=nope"
    Then the status is 200
    And the JSON at "data.title" is "Kept"
    When I GET "/api/articles/{P}?filters[$and][0][documentId][$eq]=nope"
    Then the status is 404
    When I DELETE "/api/articles/{P}?filters[$and][0][documentId][$eq]=nope"
    Then the status is 204
    When I GET "/api/articles/{P}"
    Then the status is 200
    When I DELETE "/api/articles/{P}?filters[documentId][$eq]=nope"
    Then the status is 204
    When I GET "/api/articles/{P}"
    Then the status is 404
