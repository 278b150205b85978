Feature: Media: the upload plugin with the local provider
  `POST /api/upload` takes a multipart body whose `files` field holds one or more files and answers
  201 with the list of file entries; the local provider stores each file under `public/uploads`
  and the server serves it at the entry's `url`. `GET /api/upload/files` and
  `GET /api/upload/files/:id` read file entries, `DELETE /api/upload/files/:id` removes one. A media
  attribute of a content type is written with file ids (`"cover": 1`, `"gallery": [1, 2]`) and read
  back with `populate`. The upload routes need their own permissions: the Public role has none of
  them by default (the fixture grants none), a read-only API token may only read. The fixture's
  page type has a single media attribute (cover) and a multiple one (gallery).

  @id:MD-001 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: An upload answers 201 with the list of file entries
    Given I use the full-access API token
    When I upload the file "hello.txt" with the text "hello media"
    Then the status is 201
    And the JSON at "0" is exactly {"id": "<integer>", "documentId": "<string>", "name": "hello.txt", "alternativeText": null, "caption": null, "focalPoint": null, "width": null, "height": null, "formats": null, "hash": "<string>", "ext": ".txt", "mime": "text/plain", "size": 0.01, "url": "<string>", "previewUrl": null, "provider": "local", "provider_metadata": null, "createdAt": "<string>", "updatedAt": "<string>", "publishedAt": "<string>", "isUrlSigned": false}

  @id:MD-002 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: The local provider serves an uploaded file at its url
    Given the uploaded file "F" named "served.txt" with the text "served by the local provider"
    When I GET "{F.url}"
    Then the status is 200
    And the body is the text "served by the local provider"
    And the header "Content-Type" is "text/plain; charset=utf-8"

  @id:MD-003 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: A file entry is read by its id
    Given the uploaded file "F" named "read.txt" with the text "read me"
    And I use the read-only API token
    When I GET "/api/upload/files/{F.id}"
    Then the status is 200
    And the JSON at "name" is "read.txt"
    And the JSON at "url" is "{F.url}"
    And the JSON at "provider" is "local"

  @id:MD-004 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: Media attributes are written with file ids and read back with populate, in order
    Given the uploaded file "A" named "a.txt" with the text "a"
    And the uploaded file "B" named "b.txt" with the text "b"
    And the page "P":
      """
      {"title": "With media", "cover": {A.id}, "gallery": [{B.id}, {A.id}]}
      """
    When I GET "/api/pages/{P}?populate[cover][fields][0]=name&populate[gallery][fields][0]=name"
    Then the status is 200
    And the JSON at "data.cover.name" is "a.txt"
    And the "name" of "data.gallery" are, in order: b.txt, a.txt

  @id:MD-005 @must @needs:api-tokens @doc:cms/api/rest/populate-select
  Scenario: Media attributes are not answered without populate
    Given the uploaded file "A" named "a.txt" with the text "a"
    And the page "P":
      """
      {"title": "Unpopulated media", "cover": {A.id}, "gallery": [{A.id}]}
      """
    When I GET "/api/pages/{P}"
    Then the status is 200
    And the JSON at "data.title" is "Unpopulated media"
    And the JSON at "data.cover" is absent
    And the JSON at "data.gallery" is absent

  @id:MD-006 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: Deleting a file answers its entry; the file entry is gone afterwards
    Given the uploaded file "F" named "gone.txt" with the text "gone"
    And I use the full-access API token
    When I DELETE "/api/upload/files/{F.id}"
    Then the status is 200
    And the JSON at "id" is {F.id}
    And the JSON at "name" is "gone.txt"
    When I GET "/api/upload/files/{F.id}"
    Then the error is 404 NotFoundError "file.notFound"

  @id:MD-007 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: A deleted file leaves the media attributes that held it
    Given the uploaded file "A" named "a.txt" with the text "a"
    And the uploaded file "B" named "b.txt" with the text "b"
    And the page "P":
      """
      {"title": "Losing media", "cover": {A.id}, "gallery": [{A.id}, {B.id}]}
      """
    And I use the full-access API token
    When I DELETE "/api/upload/files/{A.id}"
    Then the status is 200
    When I GET "/api/pages/{P}?populate[cover][fields][0]=name&populate[gallery][fields][0]=name"
    Then the status is 200
    And the JSON at "data.cover" is null
    And the "name" of "data.gallery" are, in order: b.txt

  @id:MD-008 @must @doc:cms/features/users-permissions
  Scenario: The Public role may not upload nor read files by default
    When I upload the file "hello.txt" with the text "hello"
    Then the error is 403 ForbiddenError "Forbidden"
    When I GET "/api/upload/files"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:MD-009 @must @needs:api-tokens @doc:cms/features/api-tokens
  Scenario: A read-only API token lists files but may not upload
    Given the uploaded file "F" named "listed.txt" with the text "listed"
    And I use the read-only API token
    When I GET "/api/upload/files"
    Then the status is 200
    And the JSON at "0" has the keys id, documentId, name, hash, ext, mime, size, url, provider, isUrlSigned
    When I upload the file "hello.txt" with the text "hello"
    Then the error is 403 ForbiddenError "Forbidden"

  @id:MD-010 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: An upload without files is a validation error
    Given I use the full-access API token
    When I upload a multipart body with the field "note" and no file
    Then the error is 400 ValidationError "Files are empty"

  @id:MD-011 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: A media attribute naming a file that does not exist is a validation error
    Given I use the full-access API token
    When I POST "/api/pages" with:
      """
      {"data": {"title": "Missing media", "cover": 999999}}
      """
    Then the error is 400 ValidationError "1 relation(s) of type plugin::upload.file associated with this entity do not exist"

  @id:MD-012 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: An upload with ref, refId and field adds the files to that entry's media attribute
    Given the uploaded file "A" named "a.txt" with the text "a"
    And the page "P":
      """
      {"title": "Upload to an entry", "gallery": [{A.id}]}
      """
    And I use the full-access API token
    When I upload the file "c.txt" with the text "c" to the "gallery" of the page "P"
    Then the status is 201
    When I upload the file "d.txt" with the text "d" to the "cover" of the page "P"
    Then the status is 201
    When I GET "/api/pages/{P}?populate[cover][fields][0]=name&populate[gallery][fields][0]=name"
    Then the status is 200
    And the JSON at "data.cover.name" is "d.txt"
    And the "name" of "data.gallery" are, in order: a.txt, c.txt

  @id:MD-013 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: The file list takes filters and fields as a content type does
    Given the uploaded file "F" named "filtered.txt" with the text "filtered"
    And the uploaded file "G" named "other.txt" with the text "other"
    And I use the read-only API token
    When I GET "/api/upload/files?filters[hash][$eq]={F.hash}&fields[0]=name"
    Then the status is 200
    And the JSON at "1" is absent
    And the JSON at "0" is exactly {"id": "<integer>", "documentId": "<string>", "name": "filtered.txt", "isUrlSigned": false}

  @id:MD-014 @must @needs:api-tokens @doc:cms/api/rest/upload
  Scenario: A filter on an unknown key of the file list is a validation error
    Given I use the read-only API token
    When I GET "/api/upload/files?filters[nope]=1"
    Then the error is 400 ValidationError "Invalid key nope"
