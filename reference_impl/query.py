"""The Query Engine (``strapi.db``): entity queries on SQLAlchemy, wrapped in lifecycle hooks.

``strapi.db.query(uid).findMany(params)`` takes Strapi's query params (``where``, ``select``,
``orderBy``, ``limit``, ``offset``, ``populate``, ``data``) and returns rows as entries keyed by
attribute name.  Every action runs ``before<Action>`` hooks, the SQL, then ``after<Action>`` hooks.
An SQLite file by default; any SQLAlchemy URL (PostgreSQL) works.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import json
import os
import re
import weakref
from collections.abc import Callable, Generator, Iterator
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import ProjectError, ValidationError

try:  # optional: reads JSON columns several times faster than the standard library
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]
from . import components as cmps
from . import i18n
from .components import Component, build_component_tables
from .lifecycles import Lifecycles
from .order_by import deep_sorted, is_deep, order_items, ordered
from .relations import RelationWrite, order_column
from .relations import apply as apply_relation
from .schema import RELATIONAL_TYPES, ContentType, build_tables, link_columns
from .validation import PARSERS
from .where import WhereBuilder, cast_value

_connection: contextvars.ContextVar[Connection | None] = contextvars.ContextVar("connection", default=None)
_on_commit: contextvars.ContextVar[list[Callable[[], Any]] | None] = contextvars.ContextVar("on_commit", default=None)


def iso(value: Any) -> Any:
    """Render dates as Strapi does: ``2024-03-06T13:42:05.098Z``."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # isoformat writes four-digit years (as JavaScript's toISOString) and truncates to
            # milliseconds; done in C, it is most of the cost of turning a row into an entry.
            return value.isoformat(timespec="milliseconds") + "Z"
        return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
                f"{value.second:02d}.{value.microsecond // 1000:03d}Z")
    if isinstance(value, time):
        return value.isoformat(timespec="milliseconds")  # Strapi answers times as HH:mm:ss.SSS
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- statement cache ---------------------------------------------------------------------------------
# Building a SELECT (where conditions, columns, order) costs more than running it.  Statements are
# cached by the *shape* of their params: the same keys and operators, strings and 64-bit integers
# abstracted as leaves, every other value (None, booleans, floats) part of the key.  A shape is built
# once by the WhereBuilder with unique sentinel values in the leaves; each leaf whose sentinel reaches
# a bound parameter unchanged (same object) becomes that parameter, filled with the request's value
# at execution.  A shape where any sentinel is transformed, dropped or rejected (a cast, LIKE
# pattern, lower(), a validation error) is never cached: it is built from the real values each time.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_STR_LEAF, _INT_LEAF = "s", "i"
_INT_SENTINEL_BASE = 7_000_000_000_000_000_000
# No NUL in it: filter texts with NUL are refused (where._text), which would leave every string shape uncached.
_STR_SENTINEL_MARK = "\ue000leaf"
_CACHE_SIZE = 512
_IDLE_CONNECTIONS = 4
_MISSING: Any = object()
_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open on the connection
_PG_INTRANS = 2  # psycopg.pq.TransactionStatus.INTRANS: in a transaction, no statement running
_PG_COMMAND_OK, _PG_TUPLES_OK = 1, 2  # psycopg.pq.ExecStatus
_PREPARE, _EXECUTE = "prepare", "execute"  # the steps of _PgStatement._steps
_WAIT_R, _WAIT_W = 1, 2  # psycopg.waiting.Wait / Ready: the socket to be readable, writable
# Transactions of one server open at once on PostgreSQL (each holds a connection while it waits
# for the server); the others wait their turn on the event loop, never on the pool (which blocks).
_PG_TRANSACTIONS = 8


class _Unshapeable(Exception):
    """A value the shape key does not know how to abstract: no caching for this query."""


def _shape(value: Any, leaves: list[Any]) -> Any:
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise _Unshapeable  # refused by the builder (where._text), which the cached statement would skip
        leaves.append(value)
        return _STR_LEAF
    if kind is int and _INT64_MIN <= value <= _INT64_MAX:
        leaves.append(value)
        return _INT_LEAF
    if kind is dict:
        return ("d", tuple((k, _shape(v, leaves)) for k, v in value.items()))
    if kind is list:
        return ("l", tuple(_shape(v, leaves) for v in value))
    if value is None or kind is bool or kind is float:
        return (kind.__name__, value)
    raise _Unshapeable


def _with_sentinels(value: Any, sentinels: list[Any]) -> Any:
    """``value`` with each leaf replaced by a fresh sentinel (same walk order as ``_shape``)."""
    kind = type(value)
    if kind is str or (kind is int and _INT64_MIN <= value <= _INT64_MAX):
        i = len(sentinels)
        # A string no cast, case change, trim or LIKE escaping leaves as it is.
        sentinel: Any = f" %_\\Ab{_STR_SENTINEL_MARK}{i}\ue000 " if kind is str else _INT_SENTINEL_BASE + i
        sentinels.append(sentinel)
        return sentinel
    if kind is dict:
        return {k: _with_sentinels(v, sentinels) for k, v in value.items()}
    if kind is list:
        return [_with_sentinels(v, sentinels) for v in value]
    return value


def _derived_from_sentinel(value: Any) -> bool:
    if isinstance(value, str):
        return _STR_SENTINEL_MARK in value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(value - _INT_SENTINEL_BASE) < 10**9
    if isinstance(value, (list, tuple)):
        return any(_derived_from_sentinel(v) for v in value)
    return False


def _compile(stmt: Any, dialect: Any) -> Any:
    return stmt.compile(dialect=dialect)


def _freeze(value: Any) -> Any:
    """A hashable copy of select / orderBy params, values included (TypeError when it cannot be)."""
    if isinstance(value, dict):
        return ("d", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_freeze(v) for v in value))
    hash(value)
    return (type(value).__name__, value)


class CachedStatement:
    """A statement built once for a shape, and which bound parameter takes which leaf."""

    __slots__ = ("stmt", "slots", "direct")

    def __init__(self, stmt: Any, slots: tuple[tuple[str, int], ...], direct: DirectSelect | None = None) -> None:
        self.stmt = stmt
        self.slots = slots
        self.direct = direct

    def params(self, leaves: list[Any]) -> dict[str, Any]:
        return {name: leaves[i] for name, i in self.slots}


class Rows:
    """What ``DirectSelect.run`` returns: the result's keys and its rows, as a Result gives them."""

    __slots__ = ("_keys", "_rows", "converted")

    def __init__(self, keys: tuple[str, ...], rows: list[Any], converted: bool = False) -> None:
        self._keys = keys
        self._rows = rows
        self.converted = converted  # dates and big integers already as entries show them

    def keys(self) -> tuple[str, ...]:
        return self._keys

    def all(self) -> list[Any]:
        return self._rows


class DirectSelect:
    """A cached SELECT compiled once and run on the DB-API cursor of the current connection.

    SQLAlchemy's own execution (cache key, execution context, result object) costs more than a
    small query itself; what it does for these statements is done here: the same SQL, the bound
    values through the column types' bind processors, the rows through their result processors."""

    __slots__ = ("sql", "positions", "static", "bind_processors", "keys", "types", "result_processors", "dialect",
                 "pg", "pg_processors")

    def __init__(self, compiled: Any, dialect: Any) -> None:
        self.sql: str = compiled.string
        self.positions = tuple(compiled.positiontup) if compiled.positional else None
        # Parameters without a value (an INSERT's values, the owners of a populate) are bound at every execution.
        self.static: dict[str, Any] = compiled.construct_params(
            {name: None for name, bind in compiled.binds.items() if bind.required})
        self.bind_processors = dict(compiled._bind_processors)
        self.keys = tuple(rc[0] for rc in compiled._result_columns)
        self.types = tuple(rc[3] for rc in compiled._result_columns)
        self.result_processors: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None  # (column, processor)
        # The same for rows read through libpq (``pg``), whose dates and timestamps arrive as ISO text already.
        self.pg_processors: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        self.dialect = dialect
        self.pg = _PgStatement.of(compiled, dialect)

    @staticmethod
    def eligible(stmt: Any, compiled: Any) -> bool:
        # Statements whose SQL depends on the values (expanding IN, literal LIMIT) stay with SQLAlchemy.
        return (isinstance(stmt, sa.Select) and not compiled.literal_execute_params
                and not compiled.post_compile_params and len(compiled._result_columns) > 0)

    def _params(self, bound: dict[str, Any] | None) -> dict[str, Any]:
        params = dict(self.static)
        if bound:
            params.update(bound)
        for name, process in self.bind_processors.items():
            params[name] = process(params[name])
        return params

    async def run_async(self, conn: Connection, bound: dict[str, Any] | None) -> Rows:
        """``run`` without blocking the event loop on PostgreSQL (once the statement ran once and its
        result processors are known): other requests are served while this one waits for the server."""
        if self.pg is not None and self.result_processors is not None:
            loaded = await self.pg.run_async(conn.connection.dbapi_connection, self._params(bound))
            if loaded is not None:
                return Rows(self.keys, self._convert(loaded, self.pg_processors), converted=True)
        return self.run(conn, bound)

    def run(self, conn: Connection, bound: dict[str, Any] | None) -> Rows:
        params = self._params(bound)
        args: Any = tuple(params[n] for n in self.positions) if self.positions is not None else params
        dbapi = conn.connection.dbapi_connection
        processors = self.result_processors
        if self.pg is not None and processors is not None:
            loaded = self.pg.run(dbapi, params)
            if loaded is not None:
                return Rows(self.keys, self._convert(loaded, self.pg_processors), converted=True)
        autocommit = _read_outside_transaction(dbapi)
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, args)
            rows: list[Any] = list(cursor.fetchall())
            if processors is None:
                # Read once: psycopg builds the description's column objects anew at each access.
                found = (_result_processor(t, self.dialect, d[1]) for t, d in zip(self.types, cursor.description, strict=True))
                processors = self.result_processors = tuple((i, p) for i, p in enumerate(found) if p is not None)
                self.pg_processors = tuple((i, p) for i, p in processors if not _iso_from_libpq(self.types[i]))
        finally:
            cursor.close()
            if autocommit:
                dbapi.autocommit = False  # type: ignore[union-attr]
        return Rows(self.keys, self._convert(rows, processors), converted=True)

    @staticmethod
    def _convert(rows: list[Any], processors: tuple[tuple[int, Callable[[Any], Any]], ...]) -> list[Any]:
        if not processors:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                if values[i] is not None:
                    values[i] = process(values[i])
            out.append(values)
        return out


_PG_PARAM = re.compile(r"%\(([^)]+)\)s|%%")
_PG_NAMES = itertools.count()
# Statements this module prepared on each psycopg connection: past the limit (statements of shapes
# dropped from the cache stay prepared on the server), reads take psycopg's cursor instead.
_PG_PREPARED: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_PG_PREPARED_LIMIT = 2 * _CACHE_SIZE


class _PgStatement:
    """A cached SELECT run on PostgreSQL through libpq's own blocking call (``exec_prepared`` on
    psycopg's ``pgconn``), its rows loaded by psycopg's Transformer: the same statement, parameters
    and values as through a psycopg cursor, which waits for the answer in a poll loop of its own and
    costs about twice the CPU and wall time per statement. Prepared once per connection and per
    parameter types (as psycopg keys its own prepared statements). Only outside a transaction (a
    read action, or the reads before a write's first statement): psycopg deallocates every prepared
    statement after a ROLLBACK, and a statement found missing is prepared again, which inside a
    transaction would have aborted it. Any other state (a transaction, a pipeline) returns None:
    the caller runs the statement the usual way."""

    __slots__ = ("sql", "names", "prefix", "prepared", "formats")

    def __init__(self, sql: bytes, names: tuple[str, ...]) -> None:
        self.sql = sql
        self.names = names
        self.formats: list[Any] | None = None  # each parameter's dump format (text), made once
        self.prefix = f"_ref{next(_PG_NAMES)}_"
        # psycopg connection -> parameter types -> prepared statement name
        self.prepared: weakref.WeakKeyDictionary[Any, dict[tuple[int, ...], bytes]] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, compiled: Any, dialect: Any) -> _PgStatement | None:
        if dialect.name != "postgresql" or dialect.driver != "psycopg" or compiled.escaped_bind_names:
            return None
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        return cls(_PG_PARAM.sub(number, compiled.string).encode(), tuple(names))

    def run(self, dbapi: Any, params: dict[str, Any]) -> list[Any] | None:
        """The rows, through libpq's blocking calls; None outside the states named in the class."""
        pgconn = getattr(dbapi, "pgconn", None)
        if pgconn is None or getattr(dbapi, "_pipeline", None) is not None or pgconn.transaction_status != _PG_IDLE:
            return None
        steps = self._steps(dbapi, params, _PG_IDLE)
        try:
            step = next(steps)
            while True:
                result = pgconn.prepare(*step[1:]) if step[0] is _PREPARE else pgconn.exec_prepared(*step[1:])
                step = steps.send(result)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def run_async(self, dbapi: Any, params: dict[str, Any]) -> list[Any] | None:
        """``run`` on libpq's asynchronous calls, the event loop free while the server answers. Also
        inside a transaction: psycopg prepares no statement of its own on these connections
        (``prepare_threshold=None``), so it never deallocates them all after a ROLLBACK, and this
        module's statements stay prepared for the connection's life."""
        pgconn = getattr(dbapi, "pgconn", None)
        if pgconn is None or getattr(dbapi, "_pipeline", None) is not None or \
                getattr(dbapi, "prepare_threshold", 0) is not None:
            return None
        status = pgconn.transaction_status
        if status != _PG_IDLE and status != _PG_INTRANS:
            return None
        steps = self._steps(dbapi, params, status)
        try:
            step = next(steps)
            while True:
                if step[0] is _PREPARE:
                    pgconn.send_prepare(*step[1:])
                else:
                    pgconn.send_query_prepared(*step[1:])
                step = steps.send((await pg_results(pgconn))[-1])
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _steps(self, dbapi: Any, params: dict[str, Any], status: int) -> Generator[tuple[Any, ...], Any, list[Any] | None]:
        """What ``run`` and ``run_async`` both do, without the waiting: yields ``(_PREPARE, name, sql,
        types)`` or ``(_EXECUTE, name, values)``, is sent libpq's result of each, returns the rows
        (None past the connection's limit of prepared statements)."""
        psycopg = _psycopg()
        tx = psycopg.Transformer(_iso_context(dbapi))
        formats = self.formats
        if formats is None:
            formats = self.formats = [psycopg.PyFormat.TEXT] * len(self.names)
        values = tx.dump_sequence([params[n] for n in self.names], formats)
        types = tuple(tx.types or ())
        errors = psycopg.errors
        by_types = self.prepared.setdefault(dbapi, {})
        for attempt in (1, 2):
            name = by_types.get(types)
            if name is None:
                count = _PG_PREPARED.get(dbapi, 0)
                if count >= _PG_PREPARED_LIMIT:
                    return None
                _PG_PREPARED[dbapi] = count + 1
                name = f"{self.prefix}{len(by_types)}".encode()
                result = yield (_PREPARE, name, self.sql, types)
                if result.status != _PG_COMMAND_OK:
                    raise errors.error_from_result(result, dbapi.info.encoding)
                by_types[types] = name
            result = yield (_EXECUTE, name, values)
            if result.status == _PG_TUPLES_OK:
                tx.set_pgresult(result)
                return tx.load_rows(0, result.ntuples, tuple)  # type: ignore[no-any-return]
            error = errors.error_from_result(result, dbapi.info.encoding)
            # Missing only if something deallocated it (psycopg does after a ROLLBACK): prepared again
            # outside a transaction (inside, the failure has aborted it: the error is raised).
            if attempt == 2 or status != _PG_IDLE or not isinstance(error, errors.InvalidSqlStatementName):
                raise error
            by_types.clear()
        return None


def _iso_from_libpq(type_: Any) -> bool:
    """Whether values of this column type come out of ``_iso_context`` as entries show them."""
    return isinstance(type_, (sa.DateTime, sa.Date)) and not isinstance(type_, sa.Time)


class _IsoContext:
    """A psycopg adaptation context (the connection's, copied) that loads ``timestamp`` and ``date``
    values as Strapi's ISO text: no datetime built to be formatted again, most of the cost of a row."""

    __slots__ = ("adapters", "_connection", "__weakref__")

    def __init__(self, dbapi: Any) -> None:
        from psycopg.adapt import AdaptersMap, Loader

        class IsoTimestamp(Loader):
            # PostgreSQL writes ``2024-03-06 13:42:05.098123`` (fraction digits as needed, none for whole
            # seconds): sliced to ``2024-03-06T13:42:05.098Z``, milliseconds truncated as ``iso`` does.
            def load(self, data: Any) -> Any:
                text = bytes(data).decode()
                if 19 <= len(text) <= 26 and text[4] == "-" and text[10] == " " and (len(text) == 19 or text[19] == "."):
                    return f"{text[:10]}T{text[11:19]}.{text[20:23].ljust(3, '0')}Z"
                return iso(fallback_timestamp.load(data))  # years past 9999, BC, infinity: the long way

        class IsoDate(Loader):
            def load(self, data: Any) -> Any:
                text = bytes(data).decode()
                if len(text) == 10 and text[4] == "-":
                    return text
                return iso(fallback_date.load(data))

        # Nothing here holds the connection: it keys the weak cache of contexts.
        self._connection = weakref.ref(dbapi)
        self.adapters = AdaptersMap(dbapi.adapters)
        fallback_timestamp = dbapi.adapters.get_loader(_oid("timestamp"), 0)(_oid("timestamp"))  # type: ignore[misc]
        fallback_date = dbapi.adapters.get_loader(_oid("date"), 0)(_oid("date"))  # type: ignore[misc]
        self.adapters.register_loader("timestamp", IsoTimestamp)
        self.adapters.register_loader("date", IsoDate)

    @property
    def connection(self) -> Any:
        return self._connection()


def _oid(name: str) -> int:
    from psycopg import postgres

    info = postgres.types.get(name)
    assert info is not None
    return int(info.oid)


_ISO_CONTEXTS: weakref.WeakKeyDictionary[Any, _IsoContext] = weakref.WeakKeyDictionary()


def _iso_context(dbapi: Any) -> _IsoContext:
    context = _ISO_CONTEXTS.get(dbapi)
    if context is None:
        context = _ISO_CONTEXTS[dbapi] = _IsoContext(dbapi)
    return context


async def pg_results(pgconn: Any) -> list[Any]:
    """The results of what was sent on ``pgconn`` (libpq), waiting for the socket on the event loop."""
    gen = _psycopg().generators.execute(pgconn)
    try:
        ready = next(gen)
        loop = asyncio.get_running_loop()
        fileno = pgconn.socket
        while True:
            future = loop.create_future()

            def wake(state: int, future: asyncio.Future[int] = future) -> None:
                if not future.done():
                    future.set_result(state)

            reading, writing = ready & _WAIT_R, ready & _WAIT_W
            if reading:
                loop.add_reader(fileno, wake, _WAIT_R)
            if writing:
                loop.add_writer(fileno, wake, _WAIT_W)
            try:
                state = await future
            finally:
                if reading:
                    loop.remove_reader(fileno)
                if writing:
                    loop.remove_writer(fileno)
            ready = gen.send(state)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def pg_command(dbapi: Any, command: bytes) -> None:
    """A statement without parameters or rows (BEGIN, COMMIT) sent without blocking the event loop."""
    pgconn = dbapi.pgconn
    pgconn.send_query(command)
    result = (await pg_results(pgconn))[-1]
    if result.status != _PG_COMMAND_OK:
        raise _psycopg().errors.error_from_result(result, dbapi.info.encoding)


_PSYCOPG: Any = None


def _psycopg() -> Any:
    """psycopg's modules the libpq paths use, imported once (psycopg is an optional dependency)."""
    global _PSYCOPG
    if _PSYCOPG is None:
        import types

        from psycopg import errors, generators, pq
        from psycopg.adapt import PyFormat, Transformer

        _PSYCOPG = types.SimpleNamespace(errors=errors, generators=generators, pq=pq, PyFormat=PyFormat,
                                         Transformer=Transformer)
    return _PSYCOPG


def _result_processor(type_: Any, dialect: Any, coltype: Any) -> Callable[[Any], Any] | None:
    """A column's result processor that also gives the value as an entry shows it (``column_value``
    for dates, times and big integers), so that ``entries_of`` has nothing left to convert.

    SQLite DATETIME text (``2024-03-06 13:42:05.098123``, as SQLAlchemy stores every value) becomes
    Strapi's ISO text by slicing, without a datetime parsed to be formatted again: that was most of
    the cost of a list's rows. Any other text takes the long way."""
    parse = type_._cached_result_processor(dialect, coltype)
    if not isinstance(type_, (sa.DateTime, sa.Date, sa.Time, sa.BigInteger)):
        return parse  # type: ignore[no-any-return]
    if dialect.name == "sqlite" and isinstance(type_, sa.DateTime):

        def sqlite_datetime(value: Any) -> Any:
            if type(value) is str and len(value) == 26 and value[10] == " " and value[19] == ".":
                return f"{value[:10]}T{value[11:23]}Z"  # milliseconds truncated, as iso() does
            return column_value(parse(value) if parse is not None else value)

        return sqlite_datetime
    if parse is None:
        return column_value
    return lambda value: column_value(parse(value))


def _read_outside_transaction(dbapi: Any) -> bool:
    """On psycopg, a SELECT that would open the transaction runs in autocommit instead (returns True:
    the caller turns autocommit off again after it). BEGIN is then sent by the first write only, and
    a transaction that only read ends with no COMMIT (psycopg sends none for an idle connection):
    one round trip per read action instead of three. The answers are the same: at READ COMMITTED
    each statement takes its own snapshot inside a transaction or not, and SQLite (pysqlite) also
    begins its transactions at the first write."""
    info = getattr(dbapi, "info", None)
    if info is None or getattr(dbapi, "autocommit", True) or info.transaction_status != _PG_IDLE:
        return False
    dbapi.autocommit = True
    return True


def _slots(stmt: Any, dialect: Any, sentinels: list[Any]) -> tuple[tuple[str, int], ...] | None:
    """Bound parameter name → leaf index, or None when a sentinel did not reach SQL unchanged."""
    index = {id(s): i for i, s in enumerate(sentinels)}
    compiled = _compile(stmt, dialect)
    slots: list[tuple[str, int]] = []
    found: set[int] = set()
    for name, bind in compiled.binds.items():
        i = index.get(id(bind.value))
        if i is not None and bind.value is sentinels[i]:
            slots.append((name, i))
            found.add(i)
        elif _derived_from_sentinel(bind.value) or bind.callable is not None:
            return None
    return tuple(slots) if len(found) == len(sentinels) else None


def _json_loads(text: str | bytes) -> Any:
    """A JSON column's value; what orjson refuses (NaN, integers beyond 64 bits) the standard library reads."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def column_value(value: Any) -> Any:
    """A date/time or big-integer column's value as Strapi answers it: ISO text, or a big integer as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return iso(value)


def needs_conversion(column: sa.Column[Any]) -> bool:
    """Whether a column's values go through :func:`column_value`."""
    return _needs_iso(column)


def _needs_iso(column: sa.Column[Any]) -> bool:
    # Dates become ISO text; big integers become text too, as Strapi answers them (beyond 2^53 a
    # JavaScript number would lose digits).
    return isinstance(column.type, (sa.DateTime, sa.Date, sa.Time, sa.BigInteger))


SYNCHRONOUS_ENV = "REFERENCE_SQLITE_SYNCHRONOUS"
SQLITE_BUSY_TIMEOUT_S = 5.0
BUSY_TIMEOUT_ENV = "REFERENCE_SQLITE_BUSY_TIMEOUT_S"  # tests set it lower: a lock answered 503 sooner
SYNCHRONOUS_LEVELS = ("off", "normal", "full", "extra")


def sqlite_synchronous() -> str:
    """SQLite's ``synchronous`` level: ``normal`` by default (in WAL mode a commit survives a crash of
    the server but not, for the last commits, a power loss or an OS crash); ``full`` syncs the WAL
    at every commit, as durable as Strapi's own SQLite set-up (rollback journal, ``synchronous=FULL``)."""
    level = os.environ.get(SYNCHRONOUS_ENV, "normal").strip().lower()
    if level not in SYNCHRONOUS_LEVELS:
        raise ProjectError(f"{SYNCHRONOUS_ENV}={level!r}: expected one of {', '.join(SYNCHRONOUS_LEVELS)}")
    return level


def sqlite_busy_timeout() -> float:
    """Seconds a write waits for a lock held by another process: SQLITE_BUSY_TIMEOUT_S, or the
    environment's ``REFERENCE_SQLITE_BUSY_TIMEOUT_S``."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return SQLITE_BUSY_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise ProjectError(f"{BUSY_TIMEOUT_ENV}={raw!r}: expected a positive number of seconds")
    return value


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, synchronous: str = "normal") -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
    # LIKE must be case-sensitive so that $contains and $containsi differ, as documented.
    cur.execute("PRAGMA case_sensitive_like=ON")
    cur.close()


class Database:
    """``strapi.db``: the engine, the tables, lifecycles and transactions."""

    def __init__(self, url: str, types: dict[str, ContentType], components: dict[str, Component] | None = None) -> None:
        self.url = url
        self.types = types
        self.components: dict[str, Component] = components or {}
        self.metadata = sa.MetaData()
        i18n.prepare(types)
        build_tables(self.metadata, types)
        try:
            build_component_tables(self.metadata, types, self.components)
        except ValueError as exc:
            raise ProjectError(f"invalid schema: {exc}") from exc
        # pool_pre_ping: a connection the server dropped (PostgreSQL restarted) is replaced when it is
        # checked out, instead of failing a request; SQLite waits SQLITE_BUSY_TIMEOUT_S for a lock
        # held by another process (better-sqlite3's default, as Strapi's), then the write fails with 503.
        options: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"timeout": sqlite_busy_timeout()}
        elif sa.engine.make_url(url).get_driver_name() == "psycopg":
            # No statements prepared by psycopg itself: after a ROLLBACK it would deallocate every
            # prepared statement, this module's too (see _PgStatement.run_async).
            options["connect_args"] = {"prepare_threshold": None}
        self.engine = sa.create_engine(url, json_deserializer=_json_loads, **options)
        if self.engine.dialect.name == "sqlite":
            level = sqlite_synchronous()
            sa.event.listen(self.engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, level))
        elif self.engine.dialect.name == "postgresql":
            # Text compares and sorts by code point, as on SQLite, whatever the database's locale.
            for table in self.metadata.tables.values():
                for column in table.columns:
                    if isinstance(column.type, sa.String):
                        column.type.collation = "C"
        self.lifecycles = Lifecycles()
        self.where = WhereBuilder(types)
        self.where.components = self.components
        self._queries: dict[str, EntityQuery] = {}
        self._idle: list[Connection] = []
        # On psycopg, statements wait for the server without blocking the event loop (see pg_results).
        self.pg_async = self.engine.dialect.name == "postgresql" and self.engine.dialect.driver == "psycopg"
        self._limits: tuple[Any, asyncio.Semaphore] | None = None  # (event loop, its semaphore)
        # Shape key → CachedStatement, or None for a shape that cannot be cached (see _shape).
        self.statements: dict[Any, CachedStatement | None] = {}

    def cached(self, key: Any, leaves: list[Any] | None, build: Callable[[Any], Any]) -> tuple[Any, dict[str, Any] | None]:
        """The statement for ``key`` and its parameters; ``build(sentinels)`` makes one (``None``: from the real values).

        ``leaves`` is None when the params could not be shaped: built from the real values."""
        if leaves is None:
            return build(None), None
        entry = self.statements.get(key, _MISSING)
        if entry is _MISSING:
            sentinels: list[Any] = []
            entry = None
            try:
                stmt = build(sentinels)
                dialect = self.engine.dialect
                slots = _slots(stmt, dialect, sentinels)
                if slots is not None:
                    compiled = _compile(stmt, dialect)
                    direct = DirectSelect(compiled, dialect) if DirectSelect.eligible(stmt, compiled) else None
                    entry = CachedStatement(stmt, slots, direct)
            except Exception:  # noqa: BLE001 - the real values will raise it again, for real
                entry = None
            if len(self.statements) >= _CACHE_SIZE:
                self.statements.clear()
            self.statements[key] = entry
        if not isinstance(entry, CachedStatement):
            return build(None), None
        return entry, entry.params(leaves)

    @staticmethod
    def execute(conn: Connection, stmt: Any, bound: dict[str, Any] | None) -> Any:
        """Run what ``cached`` gave: a cached SELECT on the cursor itself, anything else through
        SQLAlchemy (which also reports a failing cached one, run again, with its own errors)."""
        if isinstance(stmt, CachedStatement):
            if stmt.direct is not None:
                try:
                    return stmt.direct.run(conn, bound)
                except Exception:  # noqa: BLE001 - SQLAlchemy runs it again and raises its own error
                    pass
            stmt = stmt.stmt
        return conn.execute(stmt, bound) if bound else conn.execute(stmt)

    async def execute_async(self, conn: Connection, stmt: Any, bound: dict[str, Any] | None) -> Any:
        """``execute``, not blocking the event loop for a cached SELECT on PostgreSQL in a transaction
        of ``transaction()`` (which bounds the connections held while waiting)."""
        if self.pg_async and isinstance(stmt, CachedStatement) and stmt.direct is not None \
                and _connection.get() is conn:
            try:
                return await stmt.direct.run_async(conn, bound)
            except Exception:  # noqa: BLE001 - SQLAlchemy runs it again and raises its own error
                return conn.execute(stmt.stmt, bound) if bound else conn.execute(stmt.stmt)
        return self.execute(conn, stmt, bound)

    def in_owners(self, column: Any) -> Any:
        """``column IN (:_owner_ids)``, the ids bound at execution. On PostgreSQL ``= ANY(array)``: the
        SQL does not change with the number of ids, so the statement is prepared once."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            return column == sa.any_(sa.bindparam("_owner_ids", type_=ARRAY(sa.Integer)))
        return column.in_(sa.bindparam("_owner_ids", expanding=True))

    def _limit(self) -> asyncio.Semaphore:
        """This event loop's bound on open transactions (an app may be driven by several loops in turn)."""
        loop = asyncio.get_running_loop()
        if self._limits is None or self._limits[0] is not loop:
            self._limits = (loop, asyncio.Semaphore(_PG_TRANSACTIONS))
        return self._limits[1]

    def create_schema(self) -> None:
        if self.engine.dialect.name != "postgresql":
            self.metadata.create_all(self.engine)
            return
        # Several servers may start on one PostgreSQL database at once (parallel test workers):
        # concurrent CREATE TABLEs race on the catalog, so take turns under an advisory lock.
        with self.engine.begin() as conn:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))
            self.metadata.create_all(conn)

    def query(self, uid: str) -> EntityQuery:
        q = self._queries.get(uid)
        if q is None:
            q = self._queries[uid] = EntityQuery(self, self.types[uid])
        return q

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """The current transaction's connection, or a short transaction of its own."""
        conn = _connection.get()
        if conn is not None:
            yield conn
            return
        with self.engine.begin() as conn:
            yield conn

    def transaction(self) -> Transaction:
        """A transaction shared by every query inside it; ``on_commit`` callbacks run after COMMIT.

        ``async with db.transaction(): ...``; inside another one it joins it."""
        return Transaction(self)

    def _checkout(self) -> Connection:
        return self._idle.pop() if self._idle else self.engine.connect()

    def _checkin(self, conn: Connection, reusable: bool) -> None:
        # A connection whose transaction committed is kept for the next one (the pool's checkout,
        # reset and checkin cost more than most queries); any other is closed.
        idle = _PG_TRANSACTIONS if self.pg_async else _IDLE_CONNECTIONS
        if reusable and len(self._idle) < idle and not conn.invalidated and not conn.closed:
            self._idle.append(conn)
            return
        if conn.invalidated:
            # A lost connection (server restarted, network cut): the idle ones went with it, and
            # the next transactions must not fail on them one by one. The pool pings what it hands out.
            while self._idle:
                self._idle.pop().close()
        conn.close()

    def on_commit(self, callback: Callable[[], Any]) -> None:
        callbacks = _on_commit.get()
        if callbacks is None:
            callback()
        else:
            callbacks.append(callback)

    def dispose(self) -> None:
        while self._idle:
            self._idle.pop().close()
        self.engine.dispose()


class Transaction:
    """``async with db.transaction()``: BEGIN on entry; COMMIT (then the ``on_commit`` callbacks) on
    a normal exit, ROLLBACK when an exception leaves it, which is re-raised."""

    __slots__ = ("db", "conn", "token", "cb_token", "callbacks", "limit")

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Connection | None = None
        self.callbacks: list[Callable[[], Any]] = []
        self.limit: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        if _connection.get() is not None:
            return None  # joins the transaction already open in this context
        if self.db.pg_async:
            self.limit = self.db._limit()
            await self.limit.acquire()
        try:
            conn = self.db._checkout()
            try:
                conn.begin()
            except BaseException:
                self.db._checkin(conn, False)
                raise
        except BaseException:
            if self.limit is not None:
                self.limit.release()
            raise
        self.conn = conn
        self.token = _connection.set(conn)
        self.cb_token = _on_commit.set(self.callbacks)
        return None

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        conn = self.conn
        if conn is None:
            return False
        self.conn = None
        committed = False
        try:
            if exc_type is None:
                try:
                    if self.db.pg_async:
                        await _pg_commit(conn)
                    conn.commit()
                    committed = True
                except BaseException:
                    conn.rollback()
                    raise
            else:
                try:
                    conn.rollback()
                except Exception:  # noqa: BLE001 - a lost connection: the original error says why
                    conn.invalidate()
        finally:
            _connection.reset(self.token)
            _on_commit.reset(self.cb_token)
            self.db._checkin(conn, committed)
            if self.limit is not None:
                self.limit.release()
        if committed:
            for callback in self.callbacks:
                callback()
        return False


async def _pg_commit(conn: Connection) -> None:
    """COMMIT an open psycopg transaction without blocking the event loop (SQLAlchemy's commit then
    finds the connection idle and sends nothing)."""
    dbapi = conn.connection.dbapi_connection
    pgconn = getattr(dbapi, "pgconn", None)
    if pgconn is not None and pgconn.transaction_status == _PG_INTRANS and getattr(dbapi, "_pipeline", None) is None:
        try:
            await pg_command(dbapi, b"COMMIT")
        except Exception as exc:
            raise _sqlalchemy_error(conn, exc, "COMMIT") from exc


def _sqlalchemy_error(conn: Connection, exc: Exception, statement: str) -> Exception:
    """A driver error of the libpq paths as SQLAlchemy would have raised it (a lost connection
    invalidated and flagged so), for the error middleware to tell an unavailable database (503)."""
    dialect = conn.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    if not isinstance(exc, dbapi_error):
        return exc
    disconnect = bool(dialect.is_disconnect(exc, conn.connection.dbapi_connection, None))
    if disconnect and not conn.invalidated:
        conn.invalidate(exc)
    return sa.exc.DBAPIError.instance(statement, None, exc, dbapi_error, connection_invalidated=disconnect,
                                      dialect=dialect)


def _empty_write(value: Any) -> bool:
    """A relation value that leaves a row without links unchanged (None, [], an empty RelationWrite)."""
    if isinstance(value, RelationWrite):
        return not value.set and not value.connect
    return value is None or value == []


class EntityQuery:
    """``strapi.db.query(uid)``: one content type's queries, each wrapped in its lifecycle hooks."""

    def __init__(self, db: Database, ct: ContentType) -> None:
        self.db = db
        self.ct = ct
        assert ct.table is not None
        self.table: sa.Table = ct.table
        self._attr_of_col = {col: attr for attr, col in ct.columns.items()}
        # Worked out once: only date and time columns need converting when a row becomes an entry.
        self._dated = frozenset(c.name for c in self.table.columns if _needs_iso(c))
        self._plans: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self._insert = sa.insert(self.table)
        self._direct_inserts: dict[tuple[str, ...], DirectSelect] = {}  # column set -> INSERT ... RETURNING id

    # -- public actions (hooked) -----------------------------------------------------------------
    async def findOne(self, params: dict[str, Any] | None = None) -> Any:  # noqa: N802 (Strapi's names)
        params = params if params is not None else {}
        return await self.db.lifecycles.run("findOne", self.ct, params, lambda: self._find(params, one=True))

    async def findMany(self, params: dict[str, Any] | None = None) -> Any:  # noqa: N802
        params = params if params is not None else {}
        return await self.db.lifecycles.run("findMany", self.ct, params, lambda: self._find(params, one=False))

    async def count(self, params: dict[str, Any] | None = None) -> Any:
        params = params if params is not None else {}
        return await self.db.lifecycles.run("count", self.ct, params, lambda: self._count(params))

    async def create(self, params: dict[str, Any]) -> Any:
        return await self.db.lifecycles.run("create", self.ct, params, lambda: self._create(params))

    async def update(self, params: dict[str, Any]) -> Any:
        return await self.db.lifecycles.run("update", self.ct, params, lambda: self._update(params), after_on_none=False)

    async def delete(self, params: dict[str, Any]) -> Any:
        return await self.db.lifecycles.run("delete", self.ct, params, lambda: self._delete(params), after_on_none=False)

    async def deleteMany(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return await self.db.lifecycles.run("deleteMany", self.ct, params, lambda: self._delete_many(params))

    # -- SQL ---------------------------------------------------------------------------------------
    def select_columns(self, select: Any) -> list[Any]:
        """The table's columns a ``fields`` selection reads (id and documentId always; all without one)."""
        if not select:
            return list(self.table.c)
        names = {"id", "documentId", *([select] if isinstance(select, str) else select)}
        return [self.table.c[self.ct.columns[n]] for n in self.ct.columns if n in names]

    def _order(self, order_by: Any) -> list[Any]:
        out = [ordered(self.table.c[self.ct.columns[name]], direction) for name, direction in order_items(order_by)]
        out.append(self.table.c.id.asc())
        return out

    def entries_of(self, result: Any) -> list[dict[str, Any]]:
        """Rows → entries keyed by attribute name, dates rendered as ISO strings."""
        keys = tuple(result.keys())
        plan = self._plans.get(keys)
        if plan is None:
            # Worked out once per column list: the entry keys and which values are dates.
            attrs = tuple(self._attr_of_col.get(k, k) for k in keys)
            dated = tuple(i for i, k in enumerate(keys) if k in self._dated)
            plan = self._plans[keys] = (attrs, dated)
        attrs, dated = plan
        rows = result.all()
        if not dated or getattr(result, "converted", False):
            return [dict(zip(attrs, row, strict=True)) for row in rows]
        entries = []
        for row in rows:
            values = list(row)
            for i in dated:
                if values[i] is not None:
                    values[i] = column_value(values[i])
            entries.append(dict(zip(attrs, values, strict=True)))
        return entries

    def _shape_key(self, kind: str, where: Any, *extra: Any) -> tuple[Any, list[Any] | None]:
        """The statement cache key of a query and its leaf values (None: not cacheable)."""
        leaves: list[Any] = []
        try:
            return (kind, self.ct.uid, _freeze(extra), _shape(where, leaves)), leaves
        except (_Unshapeable, TypeError):
            return None, None

    async def _find(self, params: dict[str, Any], one: bool) -> Any:
        select, where, order_by = params.get("select"), params.get("where"), params.get("orderBy")
        limit = 1 if one else (int(params["limit"]) if params.get("limit") is not None else None)
        offset = int(params["offset"]) if params.get("offset") else None

        def build(sentinels: list[Any] | None) -> Any:
            conditions = where if sentinels is None else _with_sentinels(where, sentinels)
            condition = self.db.where.build(self.ct, self.table, conditions)
            if is_deep(order_by):  # on a relation's or a component's field (order_by.py)
                stmt = deep_sorted(self.ct, self.table, self.select_columns(select), condition, order_by,
                                   self.db.types, self.db.components)
            else:
                stmt = sa.select(*self.select_columns(select)).where(condition).order_by(*self._order(order_by))
            if limit is not None:
                stmt = stmt.limit(limit)
            if offset:
                stmt = stmt.offset(offset)
            return stmt

        key, leaves = self._shape_key("find", where, select, order_by, limit, offset)
        stmt, bound = self.db.cached(key, leaves, build)
        with self.db.connection() as conn:
            rows = self.entries_of(await self.db.execute_async(conn, stmt, bound))
            if params.get("populate"):
                await self._populate(conn, self.ct, rows, params["populate"], params.get("status"))
        if one:
            return rows[0] if rows else None
        return rows

    async def _count(self, params: dict[str, Any]) -> int:
        where = params.get("where")

        def build(sentinels: list[Any] | None) -> Any:
            conditions = where if sentinels is None else _with_sentinels(where, sentinels)
            return sa.select(sa.func.count()).select_from(self.table).where(
                self.db.where.build(self.ct, self.table, conditions)
            )

        key, leaves = self._shape_key("count", where)
        stmt, bound = self.db.cached(key, leaves, build)
        with self.db.connection() as conn:
            return int((await self.db.execute_async(conn, stmt, bound)).all()[0][0])

    def _row_values(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Split input data into column values and relation values."""
        values: dict[str, Any] = {}
        relations: dict[str, Any] = {}
        for name, value in data.items():
            attr = self.ct.attributes.get(name)
            if attr is not None and attr.get("type") in RELATIONAL_TYPES:
                relations[name] = value
            elif name in self.ct.columns and name != "id":
                kind = attr["type"] if attr else ("string" if name == "documentId" else "datetime")
                if kind in ("json", "blocks"):
                    values[self.ct.columns[name]] = value
                elif kind in PARSERS and value is not None:
                    # Strapi's Query Engine parses dates and times itself, with its own messages.
                    values[self.ct.columns[name]] = PARSERS[kind](value)
                else:
                    cast = cast_value(kind, value)
                    if kind in ("integer", "biginteger") and isinstance(cast, float):
                        raise ValidationError(f"{name} must be an integer of at most 64 bits")
                    values[self.ct.columns[name]] = cast
        return values, relations

    def _component_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if self.ct.attributes.get(k, {}).get("type") in cmps.COMPONENT_TYPES}

    def _write_links(self, conn: Connection, row_id: int, values: dict[str, Any]) -> None:
        """Relation values: :class:`~.relations.RelationWrite` from the Document Service, or row ids
        (one, or a list) from internal copies, which set the relation."""
        for name, value in values.items():
            if not isinstance(value, RelationWrite):
                value = RelationWrite(set=[v for v in (value if isinstance(value, list) else [value]) if v is not None])
            apply_relation(conn, self.ct, name, row_id, value)

    async def _create(self, params: dict[str, Any]) -> Any:
        values, relations = self._row_values(params.get("data") or {})
        with self.db.connection() as conn:
            row_id = await self._insert_row(conn, values)
            # A new row has no links yet: an empty ``set``/``connect`` has nothing to write (no read either).
            self._write_links(conn, row_id, {k: v for k, v in relations.items() if not _empty_write(v)})
            cmps.write(conn, self.db, self.ct, row_id, self._component_values(params.get("data") or {}), creating=True)
        # Strapi's entity manager reads the row back: a nested findOne with its own hooks.
        return await self.findOne({"where": {"id": row_id}, "select": params.get("select"),
                                   "populate": params.get("populate"), "status": params.get("status")})

    async def _insert_row(self, conn: Connection, values: dict[str, Any]) -> Any:
        """INSERT one row; its id. On PostgreSQL in a transaction, ``INSERT ... RETURNING id`` on libpq's
        asynchronous calls (BEGIN first when the transaction has not begun on the server yet)."""
        if values and self.db.pg_async and _connection.get() is conn:
            keys = tuple(values)
            direct = self._direct_inserts.get(keys)
            if direct is None:
                dialect = self.db.engine.dialect
                compiled = self._insert.returning(self.table.c.id).compile(dialect=dialect, column_keys=list(keys))
                direct = self._direct_inserts[keys] = DirectSelect(compiled, dialect)
                direct.result_processors = ()  # the id, an integer, as it is
            if direct.pg is not None:
                dbapi: Any = conn.connection.dbapi_connection
                try:
                    if dbapi.pgconn.transaction_status == _PG_IDLE and getattr(dbapi, "_pipeline", None) is None \
                            and not dbapi.autocommit:
                        await pg_command(dbapi, b"BEGIN")
                    rows = await direct.pg.run_async(dbapi, direct._params(values))
                except Exception as exc:
                    raise _sqlalchemy_error(conn, exc, direct.sql) from exc
                if rows is not None:
                    return rows[0][0]
        # One INSERT statement per table, values bound at execution: compiled once per column set.
        result = conn.execute(self._insert, values) if values else conn.execute(sa.insert(self.table).values())
        inserted = result.inserted_primary_key
        assert inserted is not None
        return inserted[0]

    async def _update(self, params: dict[str, Any]) -> Any:
        existing = await self.findOne({"where": params.get("where"), "select": ["id"]})
        if existing is None:
            return None
        values, relations = self._row_values(params.get("data") or {})
        with self.db.connection() as conn:
            if values:
                conn.execute(sa.update(self.table).where(self.table.c.id == existing["id"]).values(**values))
            self._write_links(conn, existing["id"], relations)
            cmps.write(conn, self.db, self.ct, existing["id"], self._component_values(params.get("data") or {}))
        return await self.findOne({"where": {"id": existing["id"]}, "select": params.get("select"),
                                   "populate": params.get("populate"), "status": params.get("status")})

    async def _delete(self, params: dict[str, Any]) -> Any:
        existing = await self.findOne({"where": params.get("where"), "select": params.get("select"),
                                   "populate": params.get("populate"), "status": params.get("status")})
        if existing is None:
            return None
        with self.db.connection() as conn:
            self._delete_rows(conn, [existing["id"]])
        return existing

    async def _delete_many(self, params: dict[str, Any]) -> dict[str, int]:
        stmt = sa.select(self.table.c.id).where(self.db.where.build(self.ct, self.table, params.get("where")))
        with self.db.connection() as conn:
            ids = [r[0] for r in conn.execute(stmt)]
            self._delete_rows(conn, ids)
        return {"count": len(ids)}

    def _delete_rows(self, conn: Connection, ids: list[int]) -> None:
        if not ids:
            return
        for name in self.ct.relation_attributes():
            link = self.ct.links[name]
            own_col, _ = link_columns(self.ct, name)
            conn.execute(sa.delete(link).where(link.c[own_col].in_(ids)))
        cmps.delete(conn, self.db, self.ct, ids)
        conn.execute(sa.delete(self.table).where(self.table.c.id.in_(ids)))

    # -- populate ----------------------------------------------------------------------------------
    def _populate_count(self, conn: Connection, target: ContentType, rows: list[dict[str, Any]], name: str,
                        link: Any, own_col: str, target_col: str, where: Any) -> None:
        """``populate[name][count]=true``: each row's relation becomes ``{"count": n}`` (its filters apply)."""
        assert target.table is not None
        stmt = (
            sa.select(link.c[own_col], sa.func.count())
            .select_from(link.join(target.table, link.c[target_col] == target.table.c.id))
            .where(link.c[own_col].in_([r["id"] for r in rows]))
            .where(self.db.where.build(target, target.table, where))
            .group_by(link.c[own_col])
        )
        counts = {owner: int(n) for owner, n in conn.execute(stmt)}
        for row in rows:
            row[name] = {"count": counts.get(row["id"], 0)}

    async def _populate(self, conn: Connection, ct: ContentType, rows: list[dict[str, Any]], populate: Any,
                        status: Any) -> None:
        """Attach related entries to ``rows``; ``populate`` maps attribute → True or nested params."""
        if not rows:
            return
        ids = [r["id"] for r in rows]
        for name, sub in populate.items():
            attr = ct.attributes[name]
            if attr.get("type") in cmps.COMPONENT_TYPES:
                cmps.populate(conn, self.db, ct, rows, name, sub)
                continue
            if name == i18n.LOCALIZATIONS and i18n.is_localized(ct):
                i18n.populate_localizations(conn, self.db.query(ct.uid), rows, sub, status)
                continue
            target = self.db.types[attr["target"]]
            assert target.table is not None
            link = ct.links[name]
            own_col, target_col = link_columns(ct, name)
            sub = sub if isinstance(sub, dict) else {}
            query = self.db.query(target.uid)
            select = sub.get("select")
            where = sub.get("where")
            # populate[x][sort]: the related entries in that order, ties in the relation's own order.
            sort = [(n, d) for n, d in order_items(sub.get("orderBy")) if n in target.columns]
            if target.draft_and_publish and status in ("draft", "published"):
                # A document's draft and published rows are both linked: show the requested version only.
                version = {"publishedAt": {"$notNull": True} if status == "published" else {"$null": True}}
                where = {"$and": [where, version]} if where else version

            def build(sentinels: list[Any] | None, target: ContentType = target, link: Any = link,
                      own_col: str = own_col, target_col: str = target_col, query: EntityQuery = query,
                      select: Any = select, where: Any = where, sort: list[tuple[str, str]] = sort,
                      order_col: str = order_column(attr)) -> Any:
                assert target.table is not None
                conditions = where if sentinels is None else _with_sentinels(where, sentinels)
                return (
                    sa.select(link.c[own_col].label("_owner"), *query.select_columns(select))
                    .select_from(link.join(target.table, link.c[target_col] == target.table.c.id))
                    # The owners' ids are bound at execution, so the statement is reused.
                    .where(self.db.in_owners(link.c[own_col]))
                    .where(self.db.where.build(target, target.table, conditions))
                    .order_by(*[ordered(target.table.c[target.columns[n]], d) for n, d in sort],
                              link.c[order_col], link.c.id)
                )

            if sub.get("count"):
                self._populate_count(conn, target, rows, name, link, own_col, target_col, where)
                continue
            key, leaves = self._shape_key("populate", where, ct.uid, name, select, sort)
            stmt, bound = self.db.cached(key, leaves, build)
            grouped: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
            related: list[dict[str, Any]] = []
            for entry in query.entries_of(await self.db.execute_async(conn, stmt, {**(bound or {}), "_owner_ids": ids})):
                owner = entry.pop("_owner")
                grouped[owner].append(entry)
                related.append(entry)
            if sub.get("populate"):
                await self._populate(conn, target, related, sub["populate"], status)
            many = attr.get("relation", "").endswith("ToMany")
            for row in rows:
                found = grouped[row["id"]]
                row[name] = found if many else (found[0] if found else None)
