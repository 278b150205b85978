"""Internationalization, the i18n plugin Strapi 5 ships in its core: localized content types.

A type is localized when its schema says ``pluginOptions.i18n.localized: true``.  Each locale of a
document is a row of its own (same ``documentId``, its ``locale``), as Strapi stores them.  What
the REST API and the Document Service do with the ``locale`` parameter:

- reads (list, findOne, count) keep the rows of one locale: the one asked for, or the default
  locale; ``*`` keeps every locale on a list.  There is no fallback: a document without a version
  in the locale asked for is not found (404), and is not in the list;
- create writes the locale asked for (default: the default locale); ``locale`` in the body is
  ignored, ``*`` is refused;
- update writes that locale's version, and creates it when the document exists in other locales
  only (its non-localized attributes copied from them); the non-localized attributes it writes are
  copied to every other locale of the document;
- delete removes that locale's version (``*``: every locale).

Attributes are localized when they say ``pluginOptions.i18n.localized: true``; the others are
shared by every locale.  Localized types get two attributes, as on Strapi: ``locale`` and
``localizations`` (the document's other locales, populated like a relation).  Locales are not
checked against a list: Strapi 5.54.0 writes any locale code it is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import ValidationError
from .schema import ContentType

if TYPE_CHECKING:
    from .query import EntityQuery

DEFAULT_LOCALE = "en"
ALL = "*"
LOCALIZATIONS = "localizations"
I18N_ATTRIBUTES = ("locale", LOCALIZATIONS)  # what prepare() adds; a request body sets neither


class Locales:
    """``strapi.plugin("i18n").service("locales")``: the locales a project declares."""

    def __init__(self) -> None:
        self.locales: list[dict[str, Any]] = [{"code": DEFAULT_LOCALE, "name": "English (en)", "isDefault": True}]

    def find(self) -> list[dict[str, Any]]:
        return [dict(locale) for locale in self.locales]

    def findByCode(self, code: str) -> dict[str, Any] | None:  # noqa: N802 (Strapi's name)
        return next((dict(locale) for locale in self.locales if locale["code"] == code), None)

    def create(self, locale: dict[str, Any]) -> dict[str, Any]:
        entry = {"code": str(locale["code"]), "name": str(locale.get("name", locale["code"])), "isDefault": False}
        self.locales.append(entry)
        return dict(entry)

    def getDefaultLocale(self) -> str:  # noqa: N802
        return next(locale["code"] for locale in self.locales if locale.get("isDefault"))


class I18nPlugin:
    """``strapi.plugin("i18n")``."""

    def __init__(self) -> None:
        self._locales = Locales()

    def service(self, name: str) -> Any:
        if name == "locales":
            return self._locales
        raise LookupError(f"Service {name} not found in plugin i18n.")


def is_localized(ct: ContentType) -> bool:
    return ct.kind != "component" and bool((ct.plugin_options.get("i18n") or {}).get("localized"))


def is_localized_attribute(attr: dict[str, Any]) -> bool:
    return ((attr.get("pluginOptions") or {}).get("i18n") or {}).get("localized") is True


def prepare(types: dict[str, ContentType]) -> None:
    """Give localized types their ``locale`` and ``localizations`` attributes (before tables are built)."""
    for ct in types.values():
        if is_localized(ct) and "locale" not in ct.attributes:
            ct.attributes = {**ct.attributes, "locale": {"type": "string", "pluginOptions": {"i18n": {"localized": True}}},
                             LOCALIZATIONS: {"type": "relation", "relation": "oneToMany", "target": ct.uid,
                                             "pluginOptions": {"i18n": {"localized": True}}}}


def read_where(ct: ContentType, params: dict[str, Any]) -> dict[str, Any] | None:
    """The rows a read keeps: one locale (asked for, or the default one); None for every row."""
    if not is_localized(ct):
        return None
    locale = params.get("locale")
    if locale == ALL:
        return None
    return {"locale": locale if isinstance(locale, str) and locale else DEFAULT_LOCALE}


def find_one_where(ct: ContentType, params: dict[str, Any]) -> dict[str, Any]:
    """findOne takes ``*`` as a locale code like any other: no version has it (Strapi answers 404)."""
    return {"locale": ALL} if is_localized(ct) and params.get("locale") == ALL else {}


def delete_where(ct: ContentType, params: dict[str, Any]) -> dict[str, Any] | None:
    return read_where(ct, params)


def write_locale(ct: ContentType, params: dict[str, Any]) -> str | None:
    """The locale a create or an update writes; None for a type that is not localized."""
    if not is_localized(ct):
        return None
    locale = params.get("locale")
    if locale is None or locale == "":
        return DEFAULT_LOCALE
    if not isinstance(locale, str) or locale == ALL:
        raise ValidationError(f"Invalid locale param {locale} provided. Document locales must be strings.")
    return locale


def shared_values(ct: ContentType, data: dict[str, Any]) -> dict[str, Any]:
    """The attributes of ``data`` every locale of a document shares (not localized)."""
    return {k: v for k, v in data.items()
            if k in ct.attributes and k != LOCALIZATIONS and not is_localized_attribute(ct.attributes[k])}


def populate_localizations(conn: Connection, query: EntityQuery, rows: list[dict[str, Any]], sub: Any,
                           status: Any) -> None:
    """``localizations``: each row's other locales (the same version, draft or published), by id."""
    table = query.table
    select = sub.get("select") if isinstance(sub, dict) else None
    ids = {r["id"] for r in rows}
    owners = conn.execute(sa.select(table.c.id, table.c.document_id, table.c.locale).where(table.c.id.in_(ids))).all()
    stmt = (sa.select(table.c.document_id.label("_doc"), table.c.locale.label("_locale"), *query.select_columns(select))
            .where(table.c.document_id.in_({o[1] for o in owners})).order_by(table.c.id))
    if query.ct.draft_and_publish and status in ("draft", "published"):
        stmt = stmt.where(table.c.published_at.is_not(None) if status == "published" else table.c.published_at.is_(None))
    versions = query.entries_of(conn.execute(stmt))
    by_row = {o[0]: (o[1], o[2]) for o in owners}
    for row in rows:
        document_id, locale = by_row.get(row["id"], (None, None))
        row[LOCALIZATIONS] = [{k: v for k, v in e.items() if k not in ("_doc", "_locale")}
                              for e in versions if e["_doc"] == document_id and e["_locale"] != locale]
