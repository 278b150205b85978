"""The upload plugin: multipart parsing, the local provider, file entries and media attributes, on
each database."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from reference_impl import multipart
from reference_impl.errors import HttpError, ValidationError
from reference_impl.upload import _file_infos, _kilobytes

from .conftest import AppFactory

ALBUM = {
    "kind": "collectionType",
    "collectionName": "albums",
    "info": {"singularName": "album", "pluralName": "albums", "displayName": "Album"},
    "options": {"draftAndPublish": False},
    "attributes": {
        "title": {"type": "string"},
        "cover": {"type": "media", "multiple": False},
        "gallery": {"type": "media", "multiple": True},
    },
}
ACTIONS = [f"api::album.album.{a}" for a in ("find", "findOne", "create", "update", "delete")] + [
    f"plugin::upload.content-api.{a}" for a in ("upload", "find", "findOne", "destroy")]
FILES = {
    "src/api/album/content-types/album/schema.json": ALBUM,
    "src/api/album/routes/album.py": 'from reference_impl.factories import create_core_router\n'
    'routes = create_core_router("api::album.album")\n',
    "src/index.py": f"def bootstrap(strapi):\n    strapi.grant_public({ACTIONS!r})\n",
}


def test_multipart_fields_and_files() -> None:
    body = (b'--b\r\nContent-Disposition: form-data; name="fileInfo"\r\n\r\n{"a": 1}\r\n'
            b'--b\r\nContent-Disposition: form-data; name="tag"\r\n\r\none\r\n'
            b'--b\r\nContent-Disposition: form-data; name="tag"\r\n\r\ntwo\r\n'
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'
            b'hello\r\n--b--\r\n')
    fields, files = multipart.parse(body, "multipart/form-data; boundary=b")
    assert fields == {"fileInfo": '{"a": 1}', "tag": ["one", "two"]}
    [part] = files["files"]
    assert (part.filename, part.mimetype, part.data, part.size) == ("a.txt", "text/plain", b"hello", 5)


def test_multipart_without_boundary_is_a_bad_request() -> None:
    with pytest.raises(HttpError) as caught:
        multipart.parse(b"", "multipart/form-data")
    assert caught.value.status == 400


def test_several_files_with_one_file_info_object_is_a_validation_error() -> None:
    # The message Strapi 5.54.0 answered for two files and this one fileInfo object.
    info = json.dumps({"name": "renamed.txt", "alternativeText": "alt", "caption": "cap"})
    with pytest.raises(ValidationError) as caught:
        _file_infos(info, 2)
    assert caught.value.message == (
        'fileInfo must be a `array` type, but the final value was: `null` (cast from the value `{\n'
        '  "name": "\\"renamed.txt\\"",\n  "alternativeText": "\\"alt\\"",\n  "caption": "\\"cap\\""\n}`).')
    assert caught.value.details["errors"][0]["path"] == ["fileInfo"]
    assert _file_infos([info, '{"caption": "two"}'], 2)[1] == {"caption": "two"}


@pytest.mark.parametrize(("size", "kilobytes"), [(12, 0.01), (4, 0.0), (1234, 1.23), (1_000_000, 1000.0)])
def test_sizes_are_kilobytes_of_1000_bytes_rounded_to_two_decimals(size: int, kilobytes: float) -> None:
    assert _kilobytes(size) == kilobytes


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.anyio
async def test_an_image_gets_its_dimensions(make_app: AppFactory) -> None:
    async with make_app(FILES) as app:
        files = [("files", ("red.png", _png(3, 2), "image/png")), ("files", ("fake.png", b"not a png", "image/png"))]
        image, fake = (await app.post("/api/upload", files=files)).json()
        assert (image["width"], image["height"], image["formats"], image["mime"]) == (3, 2, None, "image/png")
        assert (fake["width"], fake["height"]) == (None, None)


@pytest.mark.anyio
async def test_upload_link_populate_and_delete(make_app: AppFactory) -> None:
    async with make_app(FILES) as app:
        files = [("files", ("a.txt", b"aaa", "text/plain")), ("files", ("b.md", b"# b", "text/markdown"))]
        info = json.dumps({"name": "renamed.txt", "alternativeText": "alt", "caption": "cap"})
        response = await app.post("/api/upload", files=files, data={"fileInfo": [info, "{}"]})
        assert response.status_code == 201
        first, second = response.json()
        assert (first["name"], first["alternativeText"], first["caption"]) == ("renamed.txt", "alt", "cap")
        assert first["hash"].startswith("renamed_") and first["url"] == f"/uploads/{first['hash']}.txt"
        assert (second["name"], second["ext"], second["mime"], second["caption"]) == ("b.md", ".md", "text/markdown", None)
        assert "folderPath" not in first and first["isUrlSigned"] is False
        stored = Path(app.strapi.dir) / "public" / "uploads" / f"{first['hash']}.txt"
        assert stored.read_bytes() == b"aaa"
        served = await app.get(first["url"])
        assert (served.status_code, served.content) == (200, b"aaa")
        assert (await app.get("/uploads/../../package.json")).status_code == 404

        created = await app.post("/api/albums?populate=*", json={
            "data": {"title": "t", "cover": second["id"], "gallery": [second["id"], first["id"]]}})
        assert created.status_code == 201, created.text
        data = created.json()["data"]
        assert data["cover"]["id"] == second["id"]
        assert [f["id"] for f in data["gallery"]] == [second["id"], first["id"]]
        assert "isUrlSigned" not in data["cover"]

        deleted = await app.delete(f"/api/upload/files/{first['id']}")
        assert deleted.status_code == 200 and deleted.json()["id"] == first["id"]
        assert not stored.exists()
        after = (await app.get(f"/api/albums/{data['documentId']}?populate=*")).json()["data"]
        assert [f["id"] for f in after["gallery"]] == [second["id"]]
        listed = (await app.get("/api/upload/files")).json()
        assert [f["id"] for f in listed] == [second["id"]]
