@needs:i18n
Feature: Internationalization: the locale parameter
  A localized content type keeps one version of each document per locale, under one documentId.
  The REST API reads and writes one locale at a time: the one named by the `locale` parameter, or
  the default locale (en). `locale=*` lists every locale. There is no fallback to another locale:
  a document without a version in the locale asked for is not found. Attributes that are not
  localized are shared by every locale of a document. The fixture's guide type is localized (title,
  body and batch per locale; rank shared), and the target has the locales en (default) and fr.

  @id:IN-001 @must @doc:cms/api/rest/locale
  Scenario: An entry created without a locale is in the default locale
    When I POST "/api/guides" with:
      """
      {"data": {"title": "Hello", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.locale" is "en"
    And the JSON at "data.title" is "Hello"

  @id:IN-002 @must @doc:cms/api/rest/locale
  Scenario: locale names the locale an entry is created in
    When I POST "/api/guides?locale=fr" with:
      """
      {"data": {"title": "Bonjour", "batch": "{batch}"}}
      """
    Then the status is 201
    And the JSON at "data.locale" is "fr"
    When I GET "/api/guides?filters[batch][$eq]={batch}"
    Then "data" has 0 items

  @id:IN-003 @must @doc:cms/api/rest/locale
  Scenario: A document is read in the default locale unless another one is asked for
    Given the guide "G":
      """
      {"title": "Hello", "rank": 1}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I GET "/api/guides/{G}"
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{G}", "title": "Hello", "locale": "en"}}
      """
    When I GET "/api/guides/{G}?locale=fr"
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{G}", "title": "Bonjour", "locale": "fr"}}
      """

  @id:IN-004 @must @doc:cms/api/rest/locale
  Scenario: A list answers one locale: the default one, or the one asked for
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    And the guide "F" in the locale "fr":
      """
      {"title": "Seulement"}
      """
    When I GET "/api/guides?filters[batch][$eq]={batch}&sort=title:asc"
    Then the status is 200
    And the "title" of "data" are, in order: Hello
    When I GET "/api/guides?filters[batch][$eq]={batch}&sort=title:asc&locale=fr"
    Then the "title" of "data" are, in order: Bonjour, Seulement
    And the JSON at "meta.pagination.total" is 2

  @id:IN-005 @must @doc:cms/api/rest/locale
  Scenario: locale=* lists the versions of every locale
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I GET "/api/guides?filters[batch][$eq]={batch}&sort=title:asc&locale=*"
    Then the status is 200
    And the "title" of "data" are, in order: Bonjour, Hello
    And the "locale" of "data" are, in order: fr, en

  @id:IN-006 @must @doc:cms/api/rest/locale
  Scenario: No fallback: a document read in a locale it lacks is not found
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    When I GET "/api/guides/{G}?locale=fr"
    Then the error is 404 NotFoundError "Not Found"
    When I GET "/api/guides?filters[batch][$eq]={batch}&locale=fr"
    Then the status is 200
    And "data" has 0 items

  @id:IN-007 @must @doc:cms/api/rest/locale
  Scenario: Updating a document in a locale it lacks creates that locale's version
    Given the guide "G":
      """
      {"title": "Hello", "body": "English body"}
      """
    When I PUT "/api/guides/{G}?locale=fr" with:
      """
      {"data": {"title": "Bonjour", "batch": "{batch}"}}
      """
    Then the status is 200
    And the body matches:
      """
      {"data": {"documentId": "{G}", "title": "Bonjour", "body": null, "locale": "fr"}}
      """
    When I GET "/api/guides/{G}"
    Then the JSON at "data.title" is "Hello"

  @id:IN-008 @must @doc:cms/features/internationalization
  Scenario: An attribute that is not localized is shared by every locale of a document
    Given the guide "G":
      """
      {"title": "Hello", "rank": 1}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I GET "/api/guides/{G}?locale=fr"
    Then the JSON at "data.rank" is 1
    When I PUT "/api/guides/{G}" with:
      """
      {"data": {"rank": 7, "title": "Hi"}}
      """
    And I GET "/api/guides/{G}?locale=fr"
    Then the JSON at "data.rank" is 7
    And the JSON at "data.title" is "Bonjour"

  @id:IN-009 @must @doc:cms/api/rest/locale
  Scenario: Deleting with a locale deletes that locale's version only
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I DELETE "/api/guides/{G}?locale=fr"
    Then the status is 204
    When I GET "/api/guides/{G}?locale=fr"
    Then the error is 404 NotFoundError "Not Found"
    When I GET "/api/guides/{G}"
    Then the JSON at "data.title" is "Hello"

  @id:IN-010 @should @doc:cms/api/document-service/locale
  Scenario: Deleting with locale=* deletes every locale
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I DELETE "/api/guides/{G}?locale=*"
    Then the status is 204
    When I GET "/api/guides?filters[batch][$eq]={batch}&locale=*"
    Then "data" has 0 items

  @id:IN-011 @should @doc:cms/api/rest/locale
  Scenario: populate=localizations answers the document's other locales
    Given the guide "G":
      """
      {"title": "Hello"}
      """
    And the guide "G" in the locale "fr":
      """
      {"title": "Bonjour"}
      """
    When I GET "/api/guides/{G}?locale=fr&populate[localizations][fields][0]=title"
    Then the status is 200
    And the JSON at "data.localizations" is exactly [{"id": "<integer>", "documentId": "{G}", "title": "Hello"}]

  @id:IN-012 @should @doc:cms/api/rest/locale
  Scenario: locale=* cannot be written
    When I POST "/api/guides?locale=*" with:
      """
      {"data": {"title": "Everywhere", "batch": "{batch}"}}
      """
    Then the error is 400 ValidationError "Invalid locale param * provided. Document locales must be strings."

  @id:IN-013 @should @doc:cms/api/rest/locale
  Scenario: locale is ignored on a content type that is not localized
    Given the teams:
      | name  |
      | Lions |
    When I GET "/api/teams?filters[batch][$eq]={batch}&locale=fr"
    Then the status is 200
    And the "name" of "data" are, in order: Lions
    And the JSON at "data.0.locale" is absent
