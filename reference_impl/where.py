"""Translate Strapi's ``where`` objects (the REST ``filters`` syntax) into SQLAlchemy conditions.

Every documented operator is here; ``$and``/``$or``/``$not`` nest at any level, a bare value means
``$eq`` and a list means ``$in``.  Conditions on a relation become an ``EXISTS`` over its link table
so that a match on several related rows never duplicates the parent row.
"""

from __future__ import annotations

import contextvars
import math
import re
import reprlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from .errors import ValidationError
from .schema import ContentType, link_columns
from .validation import PARSERS, to_number

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement

OPERATORS = (
    "$eq",
    "$eqi",
    "$ne",
    "$nei",
    "$lt",
    "$lte",
    "$gt",
    "$gte",
    "$in",
    "$notIn",
    "$contains",
    "$notContains",
    "$containsi",
    "$notContainsi",
    "$null",
    "$notNull",
    "$between",
    "$startsWith",
    "$startsWithi",
    "$endsWith",
    "$endsWithi",
    "$or",
    "$and",
    "$not",
)
TRUE_STRINGS = ("true", "t", "1")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# Beyond this many terms, AND/OR chains are nested in halves (see _balanced).
FLAT_TERMS = 64
# SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH: a longer LIKE pattern is an error there ("LIKE or GLOB
# pattern too complex"); every database gets the same 400.
MAX_LIKE_PATTERN_BYTES = 50_000
FALSE_STRINGS = ("false", "f", "0")
# Operators whose operand is a list; any other operator given a list matches when one item does
# (Strapi's Query Engine turns ``$gt: [1, 2]`` into ``> 1 OR > 2``).
LIST_OPERATORS = ("$in", "$notIn", "$between")
# A text SQLite reads as a number when compared with an integer column (numeric affinity).
_NUMERIC_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")


def loose_boolean(value: Any) -> bool:
    """A ``$null`` / ``$notNull`` operand as Strapi reads it (``parseType`` with ``forceCast``): the
    boolean words, else JavaScript's truthiness (``""`` is false, ``"null"``, lists and objects true)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)) and str(value).lower() in TRUE_STRINGS:
        return True
    if isinstance(value, (str, int)) and str(value).lower() in FALSE_STRINGS:
        return False
    return value not in ("", None)


def _operand(attr_type: str, value: Any) -> Any:
    """A filter operand cast as Strapi's Query Engine casts it: a boolean column takes any value,
    the boolean words or else JavaScript's truthiness (``BooleanField.toDB``); other types as written."""
    if attr_type == "boolean" and not isinstance(value, (dict, list)):
        return None if value is None else loose_boolean(value)
    if attr_type in ("integer", "float", "decimal") and isinstance(value, str):
        # NumberField.toDB: JavaScript's Number() of the text, any finite number (-1.1 for an integer
        # too); what is no number Strapi fails on with a 500, the reference refuses with a 400.
        number = to_number(value)
        if not math.isfinite(number):
            raise ValidationError(f"Invalid value {reprlib.repr(value)} for a {attr_type} attribute")
        return float(number) if isinstance(number, int) and not INT64_MIN <= number <= INT64_MAX else number
    return cast_value(attr_type, value)


class _Text(str):
    """An id operand that is no number: Strapi binds it as it is (ids are not cast), and SQLite
    orders any text after every number, so it equals no id and is greater than all of them."""


def _id_operand(value: Any) -> Any:
    if isinstance(value, (bool, dict, list)):
        raise ValidationError(f"Invalid value {reprlib.repr(value)} for a id attribute")
    if isinstance(value, (int, float)):
        return value
    text = _text(value)
    if not _NUMERIC_TEXT.fullmatch(text):
        return _Text(text)
    number = float(text)
    return cast_value("id", text.strip()) if number.is_integer() and "." not in text and "e" not in text.lower() \
        else number


def cast_value(attr_type: str, value: Any) -> Any:
    """Cast a filter or input value to the column's Python type; a value that cannot be cast is a 400."""
    if value is None:
        return None
    try:
        if attr_type in ("integer", "biginteger") or attr_type == "id":
            if isinstance(value, bool):
                raise ValueError(value)
            number = int(value)
            if not INT64_MIN <= number <= INT64_MAX:
                # Beyond what the database binds as an integer: JavaScript would hold it as a double.
                return float(number)
            return number
        if attr_type in ("float", "decimal"):
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if attr_type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in TRUE_STRINGS:
                return True
            if text in FALSE_STRINGS:
                return False
            raise ValueError(value)
        if attr_type in PARSERS:
            # The Query Engine's own parsers, with Strapi's messages: filters and writes alike.
            return PARSERS[attr_type](value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(f"Invalid value {reprlib.repr(value)} for a {attr_type} attribute") from exc
    if isinstance(value, (dict, list)):
        raise ValidationError(f"Invalid value for a {attr_type} attribute")
    return _text(value)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _all(clauses: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """AND of ``clauses``; one clause is returned as it is (a smaller statement to build and cache)."""
    if len(clauses) == 1:
        return clauses[0]
    if len(clauses) > FLAT_TERMS:
        return _balanced(sa.and_, clauses)
    return sa.and_(sa.true(), *clauses)


def _any(clauses: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """OR of ``clauses``; none is true (``$or: []`` filters nothing out)."""
    if not clauses:
        return sa.true()
    if len(clauses) > FLAT_TERMS:
        return _balanced(sa.or_, clauses)
    return sa.or_(*clauses)


def _balanced(op: Any, clauses: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """``a OR b OR c ...`` as a tree of parenthesised halves: the database parses a flat chain as a
    tree as deep as it is long (SQLite refuses one deeper than 1,000: "Expression tree is too large").
    SQLAlchemy flattens nested ORs unless the halves are wrapped, hence the type_coerce."""
    if len(clauses) <= FLAT_TERMS:
        return op(*clauses)
    half = len(clauses) // 2
    return op(*(sa.type_coerce(Grouping(_balanced(op, part)), sa.Boolean) for part in (clauses[:half], clauses[half:])))


def _bind(attr_type: str, value: Any) -> Any:
    """A filter value for a 32-bit integer column (ids, ``integer``) that does not fit in 32 bits is
    bound as a 64-bit integer: PostgreSQL would refuse it as the column's type ("integer out of
    range"), and compared as a bigint it simply matches no row."""
    if attr_type in ("id", "integer") and isinstance(value, int) and not isinstance(value, bool) \
            and not INT32_MIN <= value <= INT32_MAX:
        return sa.literal(value, sa.BigInteger())
    return value


def _text(value: Any) -> str:
    """A filter or input text; PostgreSQL can neither store nor compare NUL: refused on every database."""
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise ValidationError("Invalid value: text cannot contain NUL (\\u0000) characters")
    return text


def _like_pattern(pattern: str) -> str:
    if len(pattern.encode("utf-8", "surrogatepass")) > MAX_LIKE_PATTERN_BYTES:
        raise ValidationError(f"Filter value too long for a text match: more than {MAX_LIKE_PATTERN_BYTES} bytes")
    return pattern


# Errors Strapi's Query Engine meets only when it applies the conditions, after casting every value.
_deferred: contextvars.ContextVar[list[ValidationError] | None] = contextvars.ContextVar("where_deferred", default=None)


def _defer(error: ValidationError) -> ColumnElement[bool]:
    pending = _deferred.get()
    if pending is None:
        raise error
    pending.append(error)
    return sa.false()


class WhereBuilder:
    """Builds conditions for one content type; ``types`` resolves relation targets."""

    def __init__(self, types: dict[str, ContentType]) -> None:
        self.types = types
        self.components: Mapping[str, ContentType] = {}  # set by the Database (reference_impl.components)

    def build(self, ct: ContentType, table: Any, where: Any) -> ColumnElement[bool]:
        """The condition of ``where``. Every value is cast before any is applied, as in Strapi's Query
        Engine (processWhere, then applyWhere): a value that does not cast is named before a
        $between of the wrong shape met earlier."""
        token = _deferred.set([])
        try:
            condition = self._build(ct, table, where)
            deferred = _deferred.get()
        finally:
            _deferred.reset(token)
        if deferred:
            raise deferred[0]
        return condition

    def _build(self, ct: ContentType, table: Any, where: Any) -> ColumnElement[bool]:
        if not where:
            return sa.true()
        if not isinstance(where, dict):
            raise ValidationError("Invalid filters")
        clauses: list[ColumnElement[bool]] = []
        for key, value in where.items():
            if key == "$and":
                parts = [self._build(ct, table, v) for v in _as_list(value)]
                clauses.append(_all(parts) if parts else sa.true())
            elif key == "$or":
                clauses.append(_any([self._build(ct, table, v) for v in _as_list(value)]))
            elif key == "$not":
                clauses.append(self._negated(ct, table, value))
            elif key in ct.columns:
                attr_type = "id" if key == "id" else ct.attributes.get(key, {}).get("type", "datetime")
                if key == "documentId":
                    attr_type = "string"
                clauses.append(self._attribute(table.c[ct.columns[key]], attr_type, value))
            elif ct.attributes.get(key, {}).get("type") == "relation":
                clauses.append(self._relation(ct, table, key, value))
            elif ct.attributes.get(key, {}).get("type") == "component":
                clauses.append(self._component(ct, table, key, value))
            else:
                raise ValidationError(f"Invalid key {key}")
        return _all(clauses)

    def _negated(self, ct: ContentType, table: Any, where: Any) -> ColumnElement[bool]:
        """``$not``: Strapi's Query Engine joins every relation the filters name and negates the
        condition on the joined row, so the negation goes inside a relation's ``EXISTS`` (an article
        tagged red and blue is "not tagged red" by its blue tag); elsewhere it is SQL's NOT."""
        if not isinstance(where, dict) or not where:
            return sa.not_(self._build(ct, table, where))
        clauses: list[ColumnElement[bool]] = []
        for key, value in where.items():
            if key == "$and":
                clauses.append(_any([self._negated(ct, table, v) for v in _as_list(value)]))
            elif key == "$or":
                parts = [self._negated(ct, table, v) for v in _as_list(value)]
                clauses.append(_all(parts) if parts else sa.true())
            elif key == "$not":
                clauses.append(self._build(ct, table, value))
            elif key not in ct.columns and ct.attributes.get(key, {}).get("type") == "relation":
                clauses.append(self._relation(ct, table, key, value, negate=True))
            elif key not in ct.columns and ct.attributes.get(key, {}).get("type") == "component":
                clauses.append(self._component(ct, table, key, value, negate=True))
            else:
                clauses.append(sa.not_(self._build(ct, table, {key: value})))
        return _any(clauses)

    def _joined(self, target: ContentType, alias: Any, value: Any, negate: bool) -> ColumnElement[bool]:
        """The condition on a joined relation or component row: a value, or one operator alone
        (``{"$null": true}``), is on its id, as Strapi's processRelationWhere reads it."""
        if not isinstance(value, dict) or len(value) == 1 and next(iter(value)) in OPERATORS \
                and next(iter(value)) not in ("$and", "$or", "$not"):
            value = {"id": value}
        return self._negated(target, alias, value) if negate else self._build(target, alias, value)

    @staticmethod
    def _one_row() -> Any:
        # What a relation's rows are joined to: with none, the LEFT JOIN gives one row of NULLs,
        # which Strapi's joins give too (an article without author has an author.name that is null).
        return sa.select(sa.literal(1).label("one")).subquery()

    def _relation(self, ct: ContentType, table: Any, key: str, value: Any, negate: bool = False) -> ColumnElement[bool]:
        """A condition on a relation: whether one of the related rows (a row of NULLs when there is
        none) meets it, an ``EXISTS`` so that several matches never duplicate the parent row."""
        target = self.types[ct.attributes[key]["target"]]
        assert target.table is not None
        link = ct.links[key].alias()
        own_col, target_col = link_columns(ct, key)
        alias = target.table.alias()
        rows = self._one_row().outerjoin(link, link.c[own_col] == table.c.id) \
            .outerjoin(alias, link.c[target_col] == alias.c.id)
        return sa.exists(sa.select(sa.literal(1)).select_from(rows).where(self._joined(target, alias, value, negate)))

    def _component(self, ct: ContentType, table: Any, key: str, value: Any, negate: bool = False) -> ColumnElement[bool]:
        """A condition on a component: the same, over the owner's ``_cmps`` join table."""
        component = self.components[ct.attributes[key]["component"]]
        join = ct.links["__cmps"].alias()
        assert component.table is not None
        alias = component.table.alias()
        rows = self._one_row().outerjoin(join, sa.and_(join.c.entity_id == table.c.id, join.c.field == key)) \
            .outerjoin(alias, join.c.cmp_id == alias.c.id)
        return sa.exists(sa.select(sa.literal(1)).select_from(rows).where(self._joined(component, alias, value, negate)))

    def _attribute(self, col: Any, attr_type: str, value: Any) -> ColumnElement[bool]:
        if isinstance(value, list):
            return self._op(col, attr_type, "$in", value)
        if not isinstance(value, dict):
            return self._op(col, attr_type, "$eq", value)
        return _all([self._op(col, attr_type, op, v) for op, v in value.items()])

    @staticmethod
    def _id_op(col: Any, op: str, value: Any) -> ColumnElement[bool]:
        """A comparison on ``id``, whose operands Strapi binds uncast: a text that is no number equals
        no id and sorts after all of them, as SQLite (Strapi's default database) compares them."""
        if op in ("$in", "$notIn"):
            operands = [_id_operand(v) for v in _as_list(value)]
            numbers = [_bind("id", v) for v in operands if v is not None and not isinstance(v, _Text)]
            return col.in_(numbers) if op == "$in" else col.not_in(numbers)
        if op == "$between":
            bounds = _as_list(value) if isinstance(value, (list, dict)) else []
            if len(bounds) != 2:
                return _defer(ValidationError("Invalid value for $between: expected an array of two values"))
            low, high = (_id_operand(v) for v in bounds)
            if low is None or high is None:
                return sa.false()
            return sa.and_(WhereBuilder._id_op(col, "$gte", low), WhereBuilder._id_op(col, "$lte", high))
        if isinstance(value, (dict, list)):
            raise ValidationError(f"Invalid value for {op}")
        operand = value if isinstance(value, _Text) else _id_operand(value)
        if operand is None:
            return col.is_(None) if op == "$eq" else col.is_not(None) if op == "$ne" else sa.false()
        if isinstance(operand, _Text):
            # Ids are never NULL: "less than a text" is every row, "equal to it" none.
            return sa.true() if op in ("$ne", "$lt", "$lte") else sa.false()
        operand = _bind("id", operand)
        return {"$eq": col == operand, "$ne": col != operand, "$lt": col < operand, "$lte": col <= operand,
                "$gt": col > operand, "$gte": col >= operand}[op]

    def _op(self, col: Any, attr_type: str, op: str, value: Any) -> ColumnElement[bool]:
        if op == "$and":
            parts = [self._attribute(col, attr_type, v) for v in _as_list(value)]
            return _all(parts) if parts else sa.true()
        if op == "$or":
            return _any([self._attribute(col, attr_type, v) for v in _as_list(value)])
        if op == "$not":
            return sa.not_(self._attribute(col, attr_type, value))
        if op in ("$null", "$notNull"):
            flag = loose_boolean(value)
            want_null = flag if op == "$null" else not flag
            return col.is_(None) if want_null else col.is_not(None)
        if isinstance(value, list) and op not in LIST_OPERATORS:
            return _any([self._op(col, attr_type, op, v) for v in value])
        if attr_type == "id" and op in ("$in", "$notIn", "$between", "$eq", "$ne", "$lt", "$lte", "$gt", "$gte"):
            return self._id_op(col, op, value)
        if op in ("$in", "$notIn"):
            values = [_bind(attr_type, _operand(attr_type, v)) for v in _as_list(value)]
            return col.in_(values) if op == "$in" else col.not_in(values)
        if op == "$between":
            # Each bound is cast first (a date that does not parse is Strapi's 400), then the shape is
            # checked: knex's whereBetween wants an array of two values (Strapi answers 500 otherwise).
            bounds = [_bind(attr_type, _operand(attr_type, v)) for v in _as_list(value)]
            if not isinstance(value, (list, dict)) or len(bounds) != 2:
                return _defer(ValidationError("Invalid value for $between: expected an array of two values"))
            # Two comparisons rather than BETWEEN: PostgreSQL cannot parse BETWEEN between binds
            # that carry the column's COLLATE "C".
            low, high = bounds
            if low is None or high is None:
                return sa.false()  # BETWEEN NULL matches no row
            if isinstance(low, bool) or isinstance(high, bool):
                low, high = sa.literal(low, sa.Boolean()), sa.literal(high, sa.Boolean())
            return sa.and_(col >= low, col <= high)
        if op not in OPERATORS:
            raise ValidationError(f"Invalid key {op}")
        if isinstance(value, (dict, list)):
            raise ValidationError(f"Invalid value for {op}")
        if op in ("$eq", "$ne"):
            cast = _bind(attr_type, _operand(attr_type, value))
            if op == "$eq":
                return col.is_(None) if cast is None else col == cast
            return col.is_not(None) if cast is None else col != cast
        text = _text(value)
        if op in ("$eqi", "$nei"):
            cond = sa.func.lower(sa.cast(col, sa.String)) == text.lower()
            return cond if op == "$eqi" else sa.not_(cond)
        if op in ("$lt", "$lte", "$gt", "$gte"):
            cast = _bind(attr_type, _operand(attr_type, value))
            if isinstance(cast, bool):
                # SQL orders booleans (false < true); SQLAlchemy only refuses the bare Python constant.
                cast = sa.literal(cast, sa.Boolean())
            return {"$lt": col < cast, "$lte": col <= cast, "$gt": col > cast, "$gte": col >= cast}[op]
        pattern = _like_pattern(_like_escape(text))
        if op in ("$contains", "$notContains", "$containsi", "$notContainsi"):
            pattern = f"%{pattern}%"
        elif op in ("$startsWith", "$startsWithi"):
            pattern = f"{pattern}%"
        else:
            pattern = f"%{pattern}"
        as_text = sa.cast(col, sa.String)
        if op.endswith("i"):
            cond = sa.func.lower(as_text).like(pattern.lower(), escape="\\")
        else:
            cond = as_text.like(pattern, escape="\\")
        return sa.not_(cond) if op.startswith("$not") else cond
