"""``multipart/form-data`` bodies, as koa-body (formidable) gives them to Strapi: text fields in
``ctx.request.body``, file parts in ``ctx.request.files`` keyed by field name.

Parsing is python-multipart's; this module only collects each part's headers and bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from .errors import HttpError

# formidable's maxFileSize, Strapi's documented default upload limit (200 MB).
DEFAULT_MAX_FILE_SIZE = 200 * 1024 * 1024


@dataclass
class UploadedFile:
    """One file part: the client's file name and content type, and its bytes."""

    field_name: str
    filename: str
    mimetype: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)


def boundary(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` content type; none is a 400."""
    _, params = parse_options_header(content_type)
    value = params.get(b"boundary")
    if not value:
        raise HttpError(400, "Multipart: Boundary not found")
    return value


def parse(raw: bytes, content_type: str) -> tuple[dict[str, Any], dict[str, list[UploadedFile]]]:
    """Fields (a repeated name becomes a list, as formidable's) and files of one multipart body."""
    parts: list[_Part] = []
    header_name: list[bytes] = []
    header_value: list[bytes] = []

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.append(data[start:end])

    def on_header_end() -> None:
        parts[-1].headers[b"".join(header_name).decode("latin-1").lower()] = b"".join(header_value).decode("utf-8", "replace")
        header_name.clear()
        header_value.clear()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].chunks.append(data[start:end])

    parser = MultipartParser(boundary(content_type), {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_part_data": on_part_data})
    try:
        parser.write(raw)
        parser.finalize()
    except Exception as exc:  # python-multipart's MultipartParseError and friends
        raise HttpError(400, f"Multipart: {exc}") from exc
    fields: dict[str, Any] = {}
    files: dict[str, list[UploadedFile]] = {}
    for part in parts:
        _, params = parse_options_header(part.headers.get("content-disposition", ""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        data = b"".join(part.chunks)
        if b"filename" in params:
            mimetype = part.headers.get("content-type", "application/octet-stream").strip()
            filename = params[b"filename"].decode("utf-8", "replace")
            files.setdefault(name, []).append(UploadedFile(name, filename, mimetype, data))
        elif name in fields:
            previous = fields[name]
            fields[name] = [*previous, data.decode("utf-8", "replace")] if isinstance(previous, list) else [
                previous, data.decode("utf-8", "replace")]
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files
