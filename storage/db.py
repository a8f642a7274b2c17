"""Engines and sessions. A plain URL (sqlite:///..., postgresql://...) is given once; the async
driver for the app and the sync driver for migrations are derived from it. Also what counts as a
passing database failure, and trying again after one."""

from __future__ import annotations

import asyncio
import logging
import random
import select
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.clock import CLOCK_OPTION, Clock, system_clock

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_DATABASE_URL = "sqlite:///./frontdoor.db"
"""The embedded default: a SQLite file in the working folder."""
DATABASE_URL_VARIABLE = "FRONTDOOR_DATABASE_URL"

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str | URL, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database '{backend}': use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str | URL) -> URL:
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str | URL) -> URL:
    return _with_driver(url, _SYNC_DRIVERS)


def create_engine(url: str | URL, clock: Clock = system_clock, **options: Any) -> AsyncEngine:
    """An engine whose inserts stamp their "now" columns with `clock`."""
    target = async_url(url)
    options["execution_options"] = {**options.get("execution_options", {}), CLOCK_OPTION: clock}
    if target.get_backend_name() == "sqlite":
        # A busy SQLite file waits for the writer instead of failing at once.
        options.setdefault("connect_args", {"timeout": 30})
    engine = create_async_engine(target, **options)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    elif not options.get("pool_pre_ping"):
        event.listen(engine.sync_engine.pool, "checkout", _replace_if_hung_up)
    return engine


def _replace_if_hung_up(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A pooled connection may have died with its server (a restart, a failover): on checkout, one the server
    has hung up on is replaced instead of failing the first statement of every pooled one. An idle connection
    has nothing to read; a readable socket means the server said goodbye (or, rarely, sent a notice: replacing
    the connection then costs a connect). SQLAlchemy's `pool_pre_ping` asks the server instead: a round trip
    on every checkout, two of a WeChat message's sixteen."""
    connection = record.driver_connection
    if connection.closed:
        raise DisconnectionError("the pooled connection is closed")
    waiting = select.poll()
    waiting.register(connection.pgconn.socket, select.POLLIN)
    if waiting.poll(0):
        raise DisconnectionError("the server hung up on the pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(session: AsyncSession) -> Any:
    """The `insert` of the session's database (PostgreSQL's or SQLite's), for `ON CONFLICT` clauses."""
    return _INSERTS[session.get_bind().dialect.name]


def built_per_dialect(build: Callable[[Any], Executable]) -> Callable[[AsyncSession], Executable]:
    """An `ON CONFLICT` statement built once for each database's `insert` and then reused with bound parameters:
    on every message's path, building such a statement costs more than running it."""
    built: dict[str, Executable] = {}

    def statement(session: AsyncSession) -> Executable:
        dialect = session.get_bind().dialect.name
        if dialect not in built:
            built[dialect] = build(_INSERTS[dialect])
        return built[dialect]

    return statement


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def autocommit_sessionmaker(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Sessions on the same pool whose statements each commit by themselves: for work that is one statement,
    one round trip to the database instead of three (BEGIN, the statement, COMMIT)."""
    engine: AsyncEngine = sessions.kw["bind"]
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def is_transient(error: BaseException) -> bool:
    """A failure the same work gets past by trying again: the server restarting or unreachable, a
    connection cut, no pooled connection free, a serialization conflict or a deadlock (PostgreSQL's
    are OperationalErrors), a locked SQLite file. A wrong statement or a broken constraint is not."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return isinstance(error, PoolTimeoutError)


async def retry_transient(operation: Callable[[], Awaitable[T]], what: str, within_seconds: float,
                          first_pause: float = 0.2, longest_pause: float = 5.0) -> T:
    """`operation()`, tried again after transient failures with growing pauses for up to
    `within_seconds`; any other failure, or one past that time, is raised. Each attempt must be a
    transaction of its own, so that a failed one left nothing behind."""
    deadline = time.monotonic() + within_seconds
    pause, failures = first_pause, 0
    while True:
        try:
            result = await operation()
        except Exception as error:
            if not is_transient(error) or time.monotonic() + pause > deadline:
                raise
            failures += 1
            log.log(logging.WARNING if failures == 1 else logging.DEBUG,
                    "%s: database unavailable (%s); trying again", what, type(error).__name__)
            await asyncio.sleep(pause * random.uniform(0.5, 1.0))  # spread the retries of many tasks
            pause = min(pause * 2, longest_pause)
            continue
        if failures:
            log.info("%s: done after %d failed attempts", what, failures)
        return result
