Feature: Relations: every kind, and connect, disconnect and set with positions
  Strapi 5 offers oneToOne, oneToMany, manyToOne, manyToMany and one-way relations (the builder's
  oneWay and manyWay: a oneToOne or oneToMany without an inverse side). A relation is written in the
  body of a create or an update: a documentId or a list of documentIds sets it; `connect` adds
  entries (at the end, or at a position: `before` or `after` a connected entry, `start`, `end`),
  `disconnect` removes entries, and `set` replaces the whole relation. A relation is read back with
  `populate`, in its order. The fixture's team and player types hold one relation of every kind:
  team.captain ↔ player.captainOf (oneToOne), team.players ↔ player.team (oneToMany / manyToOne),
  team.fans ↔ player.favouriteTeams (manyToMany), team.coach (oneWay) and team.reserves (manyWay).

  Background:
    Given the players:
      | alias | name |
      | P1    | Ann  |
      | P2    | Bob  |
      | P3    | Cid  |
      | P4    | Dee  |

  @id:RL-001 @must @doc:cms/api/rest/relations
  Scenario: A list of documentIds sets a oneToMany relation, in the order given
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P3, P1, P2 |
    When I GET "/api/teams/{T}?populate[players][fields][0]=name"
    Then the status is 200
    And the "name" of "data.players" are, in order: Cid, Ann, Bob

  @id:RL-002 @must @doc:cms/api/rest/relations
  Scenario: connect adds entries at the end and keeps the others
    Given the teams:
      | alias | name  | players |
      | T     | Lions | P1, P2  |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": ["{P4}", "{P3}"]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Ann, Bob, Dee, Cid

  @id:RL-003 @must @doc:cms/api/rest/relations
  Scenario: disconnect removes only the entries it names
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"disconnect": ["{P2}"]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Ann, Cid

  @id:RL-004 @must @doc:cms/api/rest/relations
  Scenario: set replaces every entry of the relation, in the order given
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"set": ["{P4}", "{P1}"]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Dee, Ann

  @id:RL-005 @must @doc:cms/api/rest/relations
  Scenario: connect and disconnect in one request
    Given the teams:
      | alias | name  | players |
      | T     | Lions | P1, P2  |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": ["{P3}"], "disconnect": ["{P1}"]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Bob, Cid

  @id:RL-006 @must @doc:cms/api/rest/relations
  Scenario: A connect position "before" puts the entry just before another one
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P4}", "position": {"before": "{P2}"}}]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Ann, Dee, Bob, Cid

  @id:RL-007 @must @doc:cms/api/rest/relations
  Scenario: A connect position "after" puts the entry just after another one
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P4}", "position": {"after": "{P1}"}}]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Ann, Dee, Bob, Cid

  @id:RL-008 @must @doc:cms/api/rest/relations
  Scenario: A connect position "start" puts the entry first
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P4}", "position": {"start": true}}]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Dee, Ann, Bob, Cid

  @id:RL-009 @must @doc:cms/api/rest/relations
  Scenario: Connecting an entry already connected moves it to its new position ("end")
    Given the teams:
      | alias | name  | players    |
      | T     | Lions | P1, P2, P3 |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P1}", "position": {"end": true}}]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Bob, Cid, Ann

  @id:RL-010 @should @doc:cms/api/rest/relations
  Scenario: A position may name an entry connected earlier in the same request
    Given the teams:
      | alias | name  | players |
      | T     | Lions | P1      |
    When I PUT "/api/teams/{T}?populate[players][fields][0]=name" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P3}", "position": {"before": "{P4}"}}, {"documentId": "{P4}", "position": {"end": true}}]}}}
      """
    Then the status is 200
    And the "name" of "data.players" are, in order: Ann, Cid, Dee

  @id:RL-011 @should @doc:cms/api/rest/relations
  Scenario: A position next to an entry that is not connected answers 400 and changes nothing
    Given the teams:
      | alias | name  | players |
      | T     | Lions | P1, P2  |
    When I PUT "/api/teams/{T}" with:
      """
      {"data": {"players": {"connect": [{"documentId": "{P3}", "position": {"before": "{P4}"}}]}}}
      """
    Then the error is 400 ValidationError "There was a problem connecting relation with id {P3.id} at position {"before":{P4.id},"locale":"en"}. The relation with id {P4.id} needs to be connected first."
    And the error details are {}
    When I GET "/api/teams/{T}?populate[players][fields][0]=name"
    Then the "name" of "data.players" are, in order: Ann, Bob

  @id:RL-012 @must @doc:cms/backend-customization/models
  Scenario: manyToOne: setting an entry's side appends it to the end of the other side's list
    Given the teams:
      | alias | name  | players |
      | T     | Lions | P2, P1  |
    When I PUT "/api/players/{P3}" with:
      """
      {"data": {"team": "{T}"}}
      """
    And I GET "/api/teams/{T}?populate[players][fields][0]=name"
    Then the status is 200
    And the "name" of "data.players" are, in order: Bob, Ann, Cid

  @id:RL-013 @must @doc:cms/backend-customization/models
  Scenario: oneToMany: connecting an entry of another team moves it, since a player has one team
    Given the teams:
      | alias | name   | players |
      | A     | Lions  | P1, P2  |
      | B     | Tigers | P3      |
    When I PUT "/api/teams/{B}" with:
      """
      {"data": {"players": {"connect": ["{P1}"]}}}
      """
    And I GET "/api/players/{P1}?populate[team][fields][0]=name"
    Then the JSON at "data.team.name" is "Tigers"
    When I GET "/api/teams/{A}?populate[players][fields][0]=name"
    Then the "name" of "data.players" are, in order: Bob

  @id:RL-014 @must @doc:cms/backend-customization/models
  Scenario: oneToOne: a player who becomes another team's captain stops being the first one's
    Given the teams:
      | alias | name   | captain |
      | A     | Lions  | P1      |
      | B     | Tigers |         |
    When I PUT "/api/teams/{B}?populate[captain][fields][0]=name" with:
      """
      {"data": {"captain": "{P1}"}}
      """
    Then the JSON at "data.captain.name" is "Ann"
    When I GET "/api/teams/{A}?populate[captain][fields][0]=name"
    Then the JSON at "data.captain" is null
    When I GET "/api/players/{P1}?populate[captainOf][fields][0]=name"
    Then the JSON at "data.captainOf.name" is "Tigers"

  @id:RL-015 @must @doc:cms/api/rest/relations
  Scenario: A to-one relation takes connect, disconnect and set too
    Given the teams:
      | alias | name  | captain |
      | T     | Lions | P1      |
    When I PUT "/api/teams/{T}?populate[captain][fields][0]=name" with:
      """
      {"data": {"captain": {"connect": ["{P2}"]}}}
      """
    Then the JSON at "data.captain.name" is "Bob"
    When I PUT "/api/teams/{T}?populate[captain][fields][0]=name" with:
      """
      {"data": {"captain": {"disconnect": ["{P2}"]}}}
      """
    Then the JSON at "data.captain" is null
    When I PUT "/api/teams/{T}?populate[captain][fields][0]=name" with:
      """
      {"data": {"captain": {"set": ["{P3}"]}}}
      """
    Then the JSON at "data.captain.name" is "Cid"

  @id:RL-016 @must @doc:cms/backend-customization/models
  Scenario: manyToMany: both sides show the link, each in its own order
    Given the teams:
      | alias | name   | fans   |
      | A     | Lions  | P1, P2 |
      | B     | Tigers | P2     |
    When I PUT "/api/players/{P2}?populate[favouriteTeams][fields][0]=name" with:
      """
      {"data": {"favouriteTeams": {"connect": [{"documentId": "{B}", "position": {"start": true}}]}}}
      """
    Then the "name" of "data.favouriteTeams" are, in order: Tigers, Lions
    When I GET "/api/teams/{A}?populate[fans][fields][0]=name"
    Then the "name" of "data.fans" are, in order: Ann, Bob

  @id:RL-017 @must @doc:cms/backend-customization/models
  Scenario: manyToMany: an entry connected from the other side goes to the end of this side's list
    Given the teams:
      | alias | name  | fans   |
      | A     | Lions | P1, P2 |
    When I PUT "/api/players/{P3}" with:
      """
      {"data": {"favouriteTeams": ["{A}"]}}
      """
    And I GET "/api/teams/{A}?populate[fans][fields][0]=name"
    Then the "name" of "data.fans" are, in order: Ann, Bob, Cid

  @id:RL-018 @must @doc:cms/backend-customization/models
  Scenario: One-way relations (oneWay, manyWay) are read from their side, in order
    Given the teams:
      | alias | name  | coach | reserves |
      | T     | Lions | P1    | P3, P2   |
    When I PUT "/api/teams/{T}?populate[coach][fields][0]=name&populate[reserves][fields][0]=name" with:
      """
      {"data": {"reserves": {"connect": [{"documentId": "{P4}", "position": {"after": "{P3}"}}]}}}
      """
    Then the JSON at "data.coach.name" is "Ann"
    And the "name" of "data.reserves" are, in order: Cid, Dee, Bob

  @id:RL-019 @should @doc:cms/backend-customization/models
  Scenario: A one-way oneToOne does not take its target away from another entry
    Given the teams:
      | alias | name   | coach |
      | A     | Lions  | P1    |
      | B     | Tigers |       |
    When I PUT "/api/teams/{B}" with:
      """
      {"data": {"coach": "{P1}"}}
      """
    And I GET "/api/teams/{A}?populate[coach][fields][0]=name"
    Then the JSON at "data.coach.name" is "Ann"

  @id:RL-020 @must @doc:cms/api/rest/populate-select
  Scenario: Populated relations with no entry answer null (to-one) and an empty list (to-many)
    Given the teams:
      | alias | name  |
      | T     | Lions |
    When I GET "/api/teams/{T}?populate=*"
    Then the status is 200
    And the body matches:
      """
      {"data": {"name": "Lions", "captain": null, "coach": null, "players": [], "fans": [], "reserves": []}}
      """

  @id:RL-021 @should @doc:cms/api/rest/relations
  Scenario: null clears a to-one relation
    Given the teams:
      | alias | name  | captain |
      | T     | Lions | P1      |
    When I PUT "/api/teams/{T}?populate[captain][fields][0]=name" with:
      """
      {"data": {"captain": null}}
      """
    Then the status is 200
    And the JSON at "data.captain" is null

  @id:RL-022 @must @doc:cms/api/rest/relations @needs:draft-and-publish
  Scenario: A relation written to the draft only (status=draft) is not in the published version
    Given the tags:
      | alias | label |
      | A     | red   |
      | B     | blue  |
      | C     | green |
    And the articles:
      | alias | title | tags |
      | X     | Post  | A, B |
    When I PUT "/api/articles/{X}?status=draft" with:
      """
      {"data": {"tags": {"connect": [{"documentId": "{C}", "position": {"start": true}}]}}}
      """
    And I GET "/api/articles/{X}?status=draft&populate[tags][fields][0]=label"
    Then the "label" of "data.tags" are, in order: green, red, blue
    When I GET "/api/articles/{X}?populate[tags][fields][0]=label"
    Then the "label" of "data.tags" are, in order: red, blue
