"""The upload plugin with the local provider: the files content type, its content-API routes and
the ``/uploads`` static folder.

- ``plugin::upload.file`` is a content type like any other for the Query Engine (table ``files``); a
  ``media`` attribute is a one-way relation to it (single: ``oneToOne``, ``multiple: true``:
  ``oneToMany``), written by file id (``"cover": 1``, ``"gallery": [1, 2]``) and populated like one.
- ``POST /api/upload`` (multipart, field ``files``, optional ``fileInfo`` JSON) stores each file
  under ``public/uploads/<hash><ext>`` and answers 201 with the list of file entries; with
  ``ref``, ``refId`` and ``field`` the files also join that entry's media attribute;
  ``GET /api/upload/files[/:id]`` and ``DELETE /api/upload/files/:id`` read and remove them (a
  deleted file leaves every media attribute that held it, and the disk).
- Scopes are ``plugin::upload.content-api.<action>``: the Public role has none by default, a
  read-only token reads only.

Images get their width and height (read with Pillow, as Strapi reads them with sharp); the resized
``formats`` (thumbnail, small, medium, large) and the size optimisation Strapi applies to images
larger than 156 px are not made: ``formats`` is null, as Strapi answers for smaller images.
"""

from __future__ import annotations

import io
import json
import mimetypes
import re
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from .context import Context
from .errors import NotFoundError, ValidationError
from .layers import StrapiApp
from .multipart import UploadedFile
from .relations import RelationWrite
from .relations import apply as apply_relation
from .router import Route
from .schema import ContentType, link_columns

FILE_UID = "plugin::upload.file"
SCOPE = "plugin::upload.content-api"
# The file entry's attributes, in the order Strapi 5 answers them; folderPath is private.
FILE_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "name": {"type": "string"},
    "alternativeText": {"type": "text"},
    "caption": {"type": "text"},
    "focalPoint": {"type": "json"},
    "width": {"type": "integer"},
    "height": {"type": "integer"},
    "formats": {"type": "json"},
    "hash": {"type": "string"},
    "ext": {"type": "string"},
    "mime": {"type": "string"},
    "size": {"type": "decimal"},
    "url": {"type": "text"},
    "previewUrl": {"type": "text"},
    "provider": {"type": "string"},
    "provider_metadata": {"type": "json"},
    "folderPath": {"type": "string", "private": True},
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def file_content_type() -> ContentType:
    return ContentType(
        uid=FILE_UID, api_name="upload", kind="collectionType", singular_name="file", plural_name="files",
        display_name="File", collection_name="files", draft_and_publish=False,
        attributes={k: dict(v) for k, v in FILE_ATTRIBUTES.items()})


def register(types: dict[str, ContentType]) -> None:
    """Add the files type and make each media attribute a one-way relation to it (the plugin is
    always on in Strapi 5, so every project has both)."""
    types.setdefault(FILE_UID, file_content_type())
    for ct in types.values():
        for attr in ct.attributes.values():
            if attr.get("type") == "media":
                attr["target"] = FILE_UID
                attr["relation"] = "oneToMany" if attr.get("multiple") else "oneToOne"


def missing_files_error(missing: int) -> ValidationError:
    """What Strapi answers when a media attribute names files that do not exist."""
    message = f"{missing} relation(s) of type {FILE_UID} associated with this entity do not exist"
    return ValidationError(message, {"errors": [{"path": [], "message": message, "name": "ValidationError"}]})


def _kilobytes(size: int) -> float:
    """Strapi's ``bytesToKbytes``: kilobytes (of 1000 bytes) rounded to two decimals."""
    return round(size / 1000, 2)


def _hash(filename: str) -> str:
    """``<base name>_<10 hex digits>``, the name made safe for a URL."""
    base = Path(filename).stem
    return f"{_UNSAFE.sub('_', base).strip('_') or 'file'}_{secrets.token_hex(5)}"


def _dimensions(part: UploadedFile) -> tuple[int | None, int | None]:
    """An image's width and height; (None, None) for other files and images Pillow cannot read."""
    if not part.mimetype.startswith("image/"):
        return None, None
    try:
        with Image.open(io.BytesIO(part.data)) as image:
            return image.width, image.height
    except (UnidentifiedImageError, OSError, ValueError):
        return None, None


def _yup_value(value: Any) -> Any:
    """yup's ``printValue``: leaves become strings (strings quoted), inside objects and lists."""
    if isinstance(value, dict):
        return {k: _yup_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_yup_value(v) for v in value]
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "null" if value is None else json.dumps(value)


def _not_an_array(value: Any) -> ValidationError:
    """Several files with one ``fileInfo``: Strapi's validator wants one per file, in an array."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        parsed = value
    shown = json.dumps(_yup_value(parsed), indent=2, ensure_ascii=False)
    message = f"fileInfo must be a `array` type, but the final value was: `null` (cast from the value `{shown}`)."
    return ValidationError(message, {"errors": [{"path": ["fileInfo"], "message": message,
                                                 "name": "ValidationError", "value": None}]})


def _file_infos(value: Any, count: int) -> list[dict[str, Any]]:
    """``fileInfo``: one JSON object (or a list of them, one per file) of name, alternativeText, caption."""
    if value is None:
        return [{} for _ in range(count)]
    if count > 1 and not isinstance(value, list):
        raise _not_an_array(value)
    items = value if isinstance(value, list) else [value]
    infos: list[dict[str, Any]] = []
    for item in items:
        try:
            parsed = json.loads(item) if isinstance(item, str) else item
        except ValueError as exc:
            raise ValidationError("Invalid fileInfo: not JSON") from exc
        infos.append(parsed if isinstance(parsed, dict) else {})
    return infos + [{} for _ in range(count - len(infos))]


class UploadPlugin:
    """``strapi.plugin('upload')``: the local provider and the content-API controller."""

    def __init__(self, strapi: StrapiApp) -> None:
        self.strapi = strapi
        self.root = Path(strapi.dir) / "public" / "uploads"

    @property
    def _query(self) -> Any:
        return self.strapi.db.query(FILE_UID)

    # -- content API --------------------------------------------------------------------------------
    async def upload(self, ctx: Context) -> Any:
        parts: list[UploadedFile] = (ctx.files or {}).get("files", [])
        if not parts:
            raise ValidationError("Files are empty")
        body = ctx.request_body if isinstance(ctx.request_body, dict) else {}
        infos = _file_infos(body.get("fileInfo"), len(parts))
        entries = [await self._store(part, info) for part, info in zip(parts, infos, strict=False)]
        if body.get("ref") and body.get("refId") and body.get("field"):
            self._attach(str(body["ref"]), str(body["refId"]), str(body["field"]), [int(e["id"]) for e in entries])
        ctx.status = 201
        return [self._answer(e) for e in entries]

    async def find(self, ctx: Context) -> Any:
        """``filters``, ``sort`` and ``fields`` as on a content type (validated the same way); every
        file is answered: Strapi's content-API ``find`` ignores ``pagination``."""
        ct = self.strapi.content_types[FILE_UID]
        self.strapi.rest.validate_query(ct, ctx.query)
        params = self.strapi.rest.to_query_params(ct, {k: v for k, v in ctx.query.items() if k in ("filters", "sort", "fields")})
        params.setdefault("orderBy", [{"id": "asc"}])
        entries = await self._query.findMany(params)
        return [self._answer(e) for e in entries]

    async def find_one(self, ctx: Context) -> Any:
        return self._answer(await self._by_id(ctx.params.get("id", "")))

    async def destroy(self, ctx: Context) -> Any:
        entry = await self._by_id(ctx.params.get("id", ""))
        with self.strapi.db.connection() as conn:
            self._unlink(conn, int(entry["id"]))
        await self._query.delete({"where": {"id": entry["id"]}})
        (self.root / f"{entry['hash']}{entry['ext']}").unlink(missing_ok=True)
        return self._answer(entry)

    # -- helpers ----------------------------------------------------------------------------------------
    async def _by_id(self, raw: str) -> dict[str, Any]:
        entry = await self._query.findOne({"where": {"id": int(raw)}}) if raw.isdigit() else None
        if entry is None:
            raise NotFoundError("file.notFound")
        return dict(entry)

    async def _store(self, part: UploadedFile, info: dict[str, Any]) -> dict[str, Any]:
        from .documents import new_document_id, now

        name = str(info.get("name") or part.filename)
        ext = Path(part.filename).suffix.lower()
        digest = _hash(name)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / f"{digest}{ext}").write_bytes(part.data)  # the local provider
        width, height = _dimensions(part)
        data = {
            "documentId": new_document_id(), "name": name, "width": width, "height": height,
            "alternativeText": info.get("alternativeText"), "caption": info.get("caption"),
            "hash": digest, "ext": ext, "mime": part.mimetype, "size": _kilobytes(part.size),
            "url": f"/uploads/{digest}{ext}", "provider": "local", "folderPath": "/", "publishedAt": now(),
        }
        return dict(await self._query.create({"data": data}))

    def _answer(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The entry without private fields; the content API adds ``isUrlSigned`` (the local provider
        never signs)."""
        out = {k: v for k, v in entry.items() if k not in self.strapi.content_types[FILE_UID].private_fields}
        out["isUrlSigned"] = False
        return out

    def _attach(self, uid: str, ref_id: str, field: str, file_ids: list[int]) -> None:
        """``ref``/``refId``/``field``: the new files join the entry's media attribute (a multiple one
        at its end); an unknown type, entry or attribute links nothing, as in Strapi."""
        ct = self.strapi.content_types.get(uid)
        attr = ct.attributes.get(field, {}) if ct is not None else {}
        if ct is None or attr.get("type") != "media" or not ref_id.isdigit():
            return
        assert ct.table is not None
        with self.strapi.db.connection() as conn:
            if conn.execute(sa.select(ct.table.c.id).where(ct.table.c.id == int(ref_id))).first() is None:
                return
            write = (RelationWrite(connect=[(i, None) for i in file_ids]) if attr.get("multiple")
                     else RelationWrite(set=file_ids[-1:]))
            apply_relation(conn, ct, field, int(ref_id), write)

    def _unlink(self, conn: Any, file_id: int) -> None:
        """Remove the file from every media attribute that holds it."""
        for ct in self.strapi.content_types.values():
            for name, attr in ct.attributes.items():
                if attr.get("type") == "media" and name in ct.links:
                    _, target_col = link_columns(ct, name)
                    link = ct.links[name]
                    conn.execute(sa.delete(link).where(link.c[target_col] == file_id))

    async def serve(self, ctx: Context) -> None:
        """``/uploads/...``: the local provider's files, served as koa-static does (no cache)."""
        try:
            target = (self.root / ctx.path[len("/uploads/"):]).resolve()
            found = self.root.resolve() in target.parents and target.is_file()
        except (OSError, ValueError):
            found = False
        if not found:
            ctx.not_found()
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        ctx.set("Content-Type", f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)
        ctx.set("Cache-Control", "max-age=0")
        ctx.body = target.read_bytes()

    def routes(self, prefix: str) -> list[Route]:
        info = {"pluginName": "upload", "type": "content-api"}

        def scoped(action: str) -> dict[str, Any]:
            return {"auth": {"scope": [f"{SCOPE}.{action}"]}}

        static = Route("GET", "/uploads/*", self.serve, {"auth": False})
        static.matcher = lambda path: {} if path.startswith("/uploads/") else None
        return [
            Route("POST", f"{prefix}/upload", self.upload, scoped("upload"), info),
            Route("GET", f"{prefix}/upload/files", self.find, scoped("find"), info),
            Route("GET", f"{prefix}/upload/files/:id", self.find_one, scoped("findOne"), info),
            Route("DELETE", f"{prefix}/upload/files/:id", self.destroy, scoped("destroy"), info),
            static,
        ]
