Feature: REST API parameters
  The REST API reads filters (with every documented operator, `$and`, `$or`, `$not` and filters
  across relations), sort, pagination by page or by offset, fields, populate and status from the
  query string in the bracket syntax. Invalid keys and operators are answered with 400
  ValidationError "Invalid key <key>".

  Background:
    Given the articles:
      | alias | title     | views | rating | featured | category | publishDate              | body                |
      | A     | Alpha     | 10    | 4.5    | true     | news     | 2024-01-15T10:00:00.000Z | The quick brown fox |
      | B     | beta      | 20    | 3.0    | false    | tech     | 2024-02-20T10:00:00.000Z | jumps over          |
      | C     | Gamma ray | 30    | 1.5    | true     | tech     | 2024-03-25T10:00:00.000Z | the lazy dog        |
      | D     | Delta     | 40    |        | false    | life     |                          |                     |

  @id:RP-001 @must @doc:cms/api/rest/filters
  Scenario: $eq matches equal values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$eq]=Alpha"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-002 @must @doc:cms/api/rest/filters
  Scenario: A bare value means $eq
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title]=Alpha"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-003 @must @doc:cms/api/rest/filters
  Scenario: $eqi matches equal values ignoring case
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$eqi]=ALPHA"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-004 @must @doc:cms/api/rest/filters
  Scenario: $ne excludes equal values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[category][$ne]=tech"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Delta

  @id:RP-005 @must @doc:cms/api/rest/filters
  Scenario: $lt keeps smaller values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$lt]=20"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-006 @must @doc:cms/api/rest/filters
  Scenario: $lte keeps smaller or equal values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$lte]=20"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta

  @id:RP-007 @must @doc:cms/api/rest/filters
  Scenario: $gt keeps greater values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$gt]=30"
    Then the status is 200
    And the "title" of "data" are, in order: Delta

  @id:RP-008 @must @doc:cms/api/rest/filters
  Scenario: $gte keeps greater or equal values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$gte]=30"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray, Delta

  @id:RP-009 @must @doc:cms/api/rest/filters
  Scenario: $in keeps values in the list
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[category][$in][0]=news&filters[category][$in][1]=life"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Delta

  @id:RP-010 @must @doc:cms/api/rest/filters
  Scenario: $notIn drops values in the list
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[category][$notIn][0]=tech"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Delta

  @id:RP-011 @must @doc:cms/api/rest/filters
  Scenario: $contains matches a substring
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[body][$contains]=quick"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-012 @should @doc:cms/api/rest/filters
  Scenario: $contains is case-sensitive
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$contains]=ALPH"
    Then the status is 200
    And the "title" of "data" are, in order: (none)

  @id:RP-013 @must @doc:cms/api/rest/filters
  Scenario: $containsi matches a substring ignoring case
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$containsi]=ALPH"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha

  @id:RP-014 @must @doc:cms/api/rest/filters
  Scenario: $notContains drops values containing the substring
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$notContains]=ta"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray

  @id:RP-015 @must @doc:cms/api/rest/filters
  Scenario: $notContainsi drops values containing the substring in any case
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$notContainsi]=ALPHA"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Gamma ray, Delta

  @id:RP-016 @must @doc:cms/api/rest/filters
  Scenario: $null keeps null values
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[rating][$null]=true"
    Then the status is 200
    And the "title" of "data" are, in order: Delta

  @id:RP-017 @must @doc:cms/api/rest/filters
  Scenario: $notNull keeps values that are set
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[rating][$notNull]=true"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta, Gamma ray

  @id:RP-018 @must @doc:cms/api/rest/filters
  Scenario: $between keeps values in the closed interval
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$between][0]=15&filters[views][$between][1]=35"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Gamma ray

  @id:RP-019 @must @doc:cms/api/rest/filters
  Scenario: $startsWith matches a prefix
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$startsWith]=Gam"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray

  @id:RP-020 @must @doc:cms/api/rest/filters
  Scenario: $startsWithi matches a prefix ignoring case
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$startsWithi]=BET"
    Then the status is 200
    And the "title" of "data" are, in order: beta

  @id:RP-021 @must @doc:cms/api/rest/filters
  Scenario: $endsWith matches a suffix
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$endsWith]=ray"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray

  @id:RP-022 @must @doc:cms/api/rest/filters
  Scenario: $endsWithi matches a suffix ignoring case
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[title][$endsWithi]=TA"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Delta

  @id:RP-023 @must @doc:cms/api/rest/filters
  Scenario: $or keeps entries matching any condition
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[$or][0][views][$eq]=10&filters[$or][1][views][$eq]=40"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Delta

  @id:RP-024 @must @doc:cms/api/rest/filters
  Scenario: $and keeps entries matching every condition
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[$and][0][views][$gt]=10&filters[$and][1][featured][$eq]=true"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray

  @id:RP-025 @must @doc:cms/api/rest/filters
  Scenario: $not negates a condition
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[$not][category][$eq]=tech"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Delta

  @id:RP-026 @should @doc:cms/api/rest/filters
  Scenario: A list of values means $in
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][0]=10&filters[views][1]=30"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray

  @id:RP-027 @must @doc:cms/api/rest/filters
  Scenario: Boolean attributes filter on true and false
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[featured][$eq]=true"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, Gamma ray

  @id:RP-028 @must @doc:cms/api/rest/filters
  Scenario: Datetime attributes compare as dates
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[publishDate][$gt]=2024-02-01T00:00:00.000Z"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Gamma ray

  @id:RP-029 @should @doc:cms/api/rest/filters
  Scenario: Conditions on several attributes all apply
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[featured][$eq]=false&filters[views][$lt]=30"
    Then the status is 200
    And the "title" of "data" are, in order: beta

  @id:RP-030 @should @doc:cms/api/rest/filters
  Scenario: $not nests inside an attribute
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&filters[views][$not][$gt]=20"
    Then the status is 200
    And the "title" of "data" are, in order: Alpha, beta

  @id:RP-031 @must @doc:cms/api/rest/filters
  Scenario: Filters reach across relations
    Given the authors:
      | alias | name | email           |
      | X     | Ann  | ann@example.com |
      | Y     | Bob  | bob@example.com |
    And the articles:
      | title    | views | author |
      | By Ann   | 100   | X      |
      | By Bob   | 200   | Y      |
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[author][name][$eq]=Ann"
    Then the status is 200
    And the "title" of "data" are, in order: By Ann

  @id:RP-032 @must @doc:cms/api/rest/filters
  Scenario: Filtering on an attribute that does not exist answers 400
    When I GET "/api/articles?filters[nope][$eq]=1"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:RP-033 @must @doc:cms/api/rest/filters
  Scenario: An unknown operator answers 400
    When I GET "/api/articles?filters[title][$fakeOp]=x"
    Then the error is 400 ValidationError "Invalid key $fakeOp at title"

  @id:RP-034 @should @doc:cms/api/rest/filters
  Scenario: Operators are case-sensitive
    When I GET "/api/articles?filters[title][$EQ]=Alpha"
    Then the error is 400 ValidationError "Invalid key $EQ at title"

  @id:RP-035 @must @doc:cms/backend-customization/models
  Scenario: Filtering on a private attribute answers 400
    When I GET "/api/articles?filters[secret][$eq]=x"
    Then the error is 400 ValidationError "Invalid key secret"

  @id:RP-036 @should @doc:cms/api/rest/filters
  Scenario: A validation error names the query parameter it comes from
    When I GET "/api/articles?filters[nope][$eq]=1"
    Then the error is 400 ValidationError "Invalid key nope"
    And the error details are {"key": "nope", "path": null, "source": "query", "param": "filters"}

  @id:RP-040 @must @doc:cms/api/rest/sort-pagination
  Scenario: sort orders by a field descending
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:desc"
    Then the "title" of "data" are, in order: Delta, Gamma ray, beta, Alpha

  @id:RP-041 @must @doc:cms/api/rest/sort-pagination
  Scenario: sort takes several fields in order
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort[0]=featured:desc&sort[1]=views:desc"
    Then the "title" of "data" are, in order: Gamma ray, Alpha, Delta, beta

  @id:RP-042 @must @doc:cms/api/rest/sort-pagination
  Scenario: sort is ascending when no direction is given
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views"
    Then the "title" of "data" are, in order: Alpha, beta, Gamma ray, Delta

  @id:RP-043 @must @doc:cms/api/rest/sort-pagination
  Scenario: sort on an attribute that does not exist answers 400
    When I GET "/api/articles?sort=nope:asc"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:RP-044 @should @doc:cms/backend-customization/models
  Scenario: sort on a private attribute answers 400
    When I GET "/api/articles?sort=secret:asc"
    Then the error is 400 ValidationError "Invalid key secret"

  @id:RP-045 @should @doc:cms/api/rest/sort-pagination
  Scenario: sort accepts several comma-separated fields
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=featured:asc,views:desc"
    Then the "title" of "data" are, in order: Delta, beta, Gamma ray, Alpha

  @id:RP-050 @must @doc:cms/api/rest/sort-pagination
  Scenario: Without pagination parameters the first page of 25 is answered with its meta
    When I GET "/api/articles?filters[batch][$eq]={batch}"
    Then the JSON at "meta.pagination" is exactly {"page": 1, "pageSize": 25, "pageCount": 1, "total": 4}

  @id:RP-051 @must @doc:cms/api/rest/sort-pagination
  Scenario: Pagination by page answers that page and page-style meta
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&pagination[page]=2&pagination[pageSize]=3"
    Then the "title" of "data" are, in order: Delta
    And the JSON at "meta.pagination" is exactly {"page": 2, "pageSize": 3, "pageCount": 2, "total": 4}

  @id:RP-052 @must @doc:cms/api/rest/sort-pagination
  Scenario: Pagination by offset answers that window and offset-style meta
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&pagination[start]=1&pagination[limit]=2"
    Then the "title" of "data" are, in order: beta, Gamma ray
    And the JSON at "meta.pagination" is exactly {"start": 1, "limit": 2, "total": 4}

  @id:RP-053 @must @doc:cms/api/rest/sort-pagination
  Scenario: withCount false drops total and pageCount from page-style meta
    When I GET "/api/articles?filters[batch][$eq]={batch}&pagination[page]=1&pagination[pageSize]=2&pagination[withCount]=false"
    Then "data" has 2 items
    And the JSON at "meta.pagination" is exactly {"page": 1, "pageSize": 2, "pageCount": "<absent>", "total": "<absent>"}

  @id:RP-054 @must @doc:cms/api/rest/sort-pagination
  Scenario: withCount false drops total from offset-style meta
    When I GET "/api/articles?filters[batch][$eq]={batch}&pagination[start]=0&pagination[limit]=2&pagination[withCount]=false"
    Then the JSON at "meta.pagination" is exactly {"start": 0, "limit": 2, "total": "<absent>"}

  @id:RP-055 @must @doc:cms/configurations/api
  Scenario: A page size above maxLimit is reduced to maxLimit
    When I GET "/api/articles?filters[batch][$eq]={batch}&pagination[pageSize]=1000"
    Then the status is 200
    And the JSON at "meta.pagination.pageSize" is 100

  @id:RP-056 @must @doc:cms/api/rest/sort-pagination
  Scenario: Page and offset pagination cannot be mixed
    When I GET "/api/articles?pagination[page]=1&pagination[start]=0"
    Then the error is 400 PaginationError "Cannot use both page & offset pagination in the same query"

  @id:RP-057 @should @doc:cms/api/rest/sort-pagination
  Scenario: withCount accepts only boolean-like values
    When I GET "/api/articles?pagination[withCount]=maybe"
    Then the status is 400
    And the error is 400, whatever its name and message

  @id:RP-058 @must @doc:cms/api/rest/sort-pagination
  Scenario: An empty result has zero pages and a zero total
    When I GET "/api/articles?filters[batch][$eq]={batch}&filters[views][$gt]=1000"
    Then "data" has 0 items
    And the JSON at "meta.pagination" is exactly {"page": 1, "pageSize": 25, "pageCount": 0, "total": 0}

  @id:RP-060 @may @doc:cms/api/rest/sort-pagination
  Scenario: A page size below 1 is raised to 1
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&pagination[page]=1&pagination[pageSize]=0"
    Then the "title" of "data" are, in order: Alpha
    And the JSON at "meta.pagination.pageSize" is 1

  @id:RP-070 @must @doc:cms/api/rest/populate-select
  Scenario: fields selects the attributes answered, besides id and documentId
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&fields[0]=title"
    Then the JSON at "data.0" has the keys id, documentId, title
    And the JSON at "data.0.views" is absent
    And the JSON at "data.0.body" is absent

  @id:RP-071 @must @doc:cms/api/rest/populate-select
  Scenario: fields takes several attributes
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&fields[0]=title&fields[1]=views"
    Then the body matches:
      """
      {"data": [{"title": "Alpha", "views": 10, "rating": "<absent>"}, {"title": "beta", "views": 20}, {"title": "Gamma ray", "views": 30}, {"title": "Delta", "views": 40}]}
      """

  @id:RP-072 @must @doc:cms/api/rest/populate-select
  Scenario: fields on an attribute that does not exist answers 400
    When I GET "/api/articles?fields[0]=nope"
    Then the error is 400 ValidationError "Invalid key nope"

  @id:RP-073 @should @doc:cms/api/rest/populate-select
  Scenario: fields cannot select a relation
    When I GET "/api/articles?fields[0]=author"
    Then the error is 400 ValidationError "Invalid key author"

  @id:RP-080 @must @doc:cms/api/rest/populate-select
  Scenario: Relations are not in the answer unless populated
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | alias | title  | author |
      | P     | Linked | X      |
    When I GET "/api/articles/{P}"
    Then the status is 200
    And the JSON at "data.author" is absent

  @id:RP-081 @must @doc:cms/api/rest/populate-select
  Scenario: populate answers a relation with the related entry
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | alias | title  | author |
      | P     | Linked | X      |
    When I GET "/api/articles/{P}?populate=author"
    Then the body matches:
      """
      {"data": {"title": "Linked", "author": {"documentId": "{X}", "name": "Ann"}}}
      """

  @id:RP-082 @must @doc:cms/api/rest/populate-select
  Scenario: populate=* answers every relation
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the tags:
      | alias | label |
      | T1    | red   |
      | T2    | blue  |
    And the articles:
      | alias | title  | author | tags   |
      | P     | Linked | X      | T1, T2 |
    When I GET "/api/articles/{P}?populate=*"
    Then the JSON at "data.author.name" is "Ann"
    And "data.tags" has 2 items

  @id:RP-083 @must @doc:cms/api/rest/populate-select
  Scenario: populate can select the related entry's fields
    Given the authors:
      | alias | name | email           |
      | X     | Ann  | ann@example.com |
    And the articles:
      | alias | title  | author |
      | P     | Linked | X      |
    When I GET "/api/articles/{P}?populate[author][fields][0]=name"
    Then the JSON at "data.author.name" is "Ann"
    And the JSON at "data.author.email" is absent

  @id:RP-084 @must @doc:cms/api/rest/populate-select
  Scenario: populate on an attribute that is not a relation answers 400
    When I GET "/api/articles?populate=title"
    Then the error is 400 ValidationError "Invalid key title"

  @id:RP-085 @must @doc:cms/api/rest/populate-select
  Scenario: populate answers the other side of a relation too
    Given the authors:
      | alias | name |
      | X     | Ann  |
    And the articles:
      | title | author |
      | One   | X      |
      | Two   | X      |
    When I GET "/api/authors/{X}?populate=articles"
    Then "data.articles" has 2 items

  @id:RP-090 @must @doc:cms/configurations/api
  Scenario: With strictParams, an unknown query parameter answers 400
    When I GET "/api/articles?foo=1"
    Then the error is 400 ValidationError "Invalid key foo"

  @id:RP-091 @must @doc:cms/api/rest
  Scenario: An attribute the type does not have in the body answers 400
    When I POST "/api/articles" with:
      """
      {"data": {"title": "x", "nope": 1}}
      """
    Then the error is 400 ValidationError "Invalid key nope"

  @id:RP-092 @must @doc:cms/api/rest
  Scenario: id in the body data answers 400
    When I POST "/api/articles" with:
      """
      {"data": {"title": "x", "id": 12}}
      """
    Then the error is 400 ValidationError "Invalid key id"

  @id:RP-093 @must @doc:cms/api/rest
  Scenario: documentId in the body data answers 400
    When I POST "/api/articles" with:
      """
      {"data": {"title": "x", "documentId": "abc"}}
      """
    Then the error is 400 ValidationError "Invalid key documentId"

  @id:RP-094 @must @doc:cms/api/rest/relations
  Scenario: A relation is set on create by the related documentId
    Given the authors:
      | alias | name |
      | X     | Ann  |
    When I POST "/api/articles?populate=author" with:
      """
      {"data": {"title": "Related", "author": "{X}", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.author.documentId" is "{X}"

  @id:RP-095 @should @doc:cms/configurations/api
  Scenario: _q searches the text attributes ignoring case, and the count follows it
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&_q=LAZY"
    Then the status is 200
    And the "title" of "data" are, in order: Gamma ray
    And the JSON at "meta.pagination.total" is 1
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&_q=tech"
    Then the status is 200
    And the "title" of "data" are, in order: beta, Gamma ray
    When I GET "/api/articles?filters[batch][$eq]={batch}&sort=views:asc&_q=zzz"
    Then the status is 200
    And the "title" of "data" are, in order: (none)
