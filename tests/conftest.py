"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL, each test in a database of its own: a copy
of a template that the real migrations built, or on PostgreSQL one such copy brought back to the template's rows
after an earlier test. The template holds no rows, or, for a test that uses `sessions`, the demo profile."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from nlu.embedded import EmbeddedClassifier
from nlu.rasa_data import load_training_data
from nlu.result import ConfidencePolicy
from nlu.safety import SafetyNet
from storage.clock import Clock
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.profile import Profile, load_profile
from storage.profile.sync import sync_profile

ROOT = Path(__file__).resolve().parent.parent
DEMO_PROFILE = ROOT / "profiles" / "demo"
NLU_DATA = ROOT / "nlu" / "data" / "nlu.yml"
POLICY_INDEX = ROOT / "models" / "policy-index.pkl"
"""The demo policy index `make test` builds first (`frontdoor faq index`); an app started anywhere reads it."""
PG_URL = os.environ.get("FRONTDOOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("FRONTDOOR_REQUIRE_POSTGRES") == "1"
SAFETY_NET = SafetyNet.from_training_data(load_training_data([NLU_DATA]))
# Monday 2026-11-23 10:00 in Asia/Shanghai: within office hours.
MONDAY_10AM = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    """The environment of every test process and of the processes tests start. pytest-xdist hands its workers the
    terminal's size (COLUMNS=80); Rich fixes a console's width from it when the console is made, at import, so
    the CLI run in-process would wrap at 80 whatever a test sets."""
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
    os.environ["FRONTDOOR_SPOOL_DIR"] = tempfile.mkdtemp(prefix="frontdoor-spool-")
    # No test reaches the internet, so none trusts a public certificate authority: httpx loaded the whole bundle
    # for every client made (30 ms of CPU each, thousands of clients a run); from an empty folder it loads
    # nothing. A test of TLS brings its own authority (tests/deploy).
    os.environ.pop("SSL_CERT_FILE", None)
    os.environ["SSL_CERT_DIR"] = tempfile.mkdtemp(prefix="frontdoor-no-public-authorities-")


FILE_SECONDS = ROOT / "tests" / "file_seconds.json"
"""How long each test file took in a whole run (`make test-file-seconds` writes it again)."""
FILE_SECONDS_OUT = os.environ.get("FRONTDOOR_TEST_FILE_SECONDS_OUT")
"""Where this run writes how long each file took, if anywhere."""
_seconds_taken: dict[str, float] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first. pytest-xdist hands each worker a whole file at a time (`--dist loadfile`); its own
    order, most tests first, left files of one long test (two broadcast workers, a restart during an outage, a
    terminal chat) to the end, when the other workers had run out of files and waited on them."""
    known = json.loads(FILE_SECONDS.read_text()) if FILE_SECONDS.exists() else {}
    items.sort(key=lambda item: -known.get(item.nodeid.split("::")[0], 0.0))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if FILE_SECONDS_OUT:
        file = report.nodeid.split("::")[0]
        _seconds_taken[file] = _seconds_taken.get(file, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if FILE_SECONDS_OUT and _seconds_taken and not hasattr(session.config, "workerinput"):
        ranked = dict(sorted(((file, round(seconds, 1)) for file, seconds in _seconds_taken.items()),
                             key=lambda pair: -pair[1]))
        Path(FILE_SECONDS_OUT).write_text(json.dumps(ranked, indent=1) + "\n")


@pytest.fixture(autouse=True)
def spool_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test's servers spool to a directory of the test's own (`bot.channels.spool`): a message one test
    leaves unfinished is never taken over by the next test's server on the same database."""
    monkeypatch.setenv("FRONTDOOR_SPOOL_DIR", str(tmp_path / "spool"))


def pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    url = make_url(PG_URL)
    return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                           dbname=url.database, autocommit=True, connect_timeout=5)


def pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_profile_template(sqlite_template: Path, profile: Profile, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "profile.sqlite"
    shutil.copy(sqlite_template, path)
    sync_demo_profile(f"sqlite:///{path}", profile)
    return path


def sync_demo_profile(database_url: str, profile: Profile) -> None:
    """Mirror the profile into a template database, as `frontdoor profile load` would (its rows carry no time)."""
    async def sync() -> None:
        engine = create_engine(database_url, HandClock(MONDAY_10AM))
        async with create_sessionmaker(engine)() as session, session.begin():
            await sync_profile(session, profile)
        await engine.dispose()
    asyncio.run(sync())


@pytest.fixture(scope="module")
def sqlite_template_module(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database shared by one test module (for long parametrized runs)."""
    path = tmp_path_factory.mktemp("module") / "module.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    try:
        admin = pg_admin()
    except psycopg.OperationalError as error:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (FRONTDOOR_REQUIRE_POSTGRES=1) but not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}; set FRONTDOOR_REQUIRE_POSTGRES=1 to fail instead")
    name = f"frontdoor_template_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        upgrade(pg_url(name))
        yield name
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_profile_template(postgres_template: str, profile: Profile) -> Iterator[str]:
    name = f"frontdoor_template_{uuid.uuid4().hex[:10]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
        sync_demo_profile(pg_url(name), profile)
        yield name
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_connect(database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(pg_url(database), autocommit=True, connect_timeout=5)


SCHEMA_SHAPE = ("SELECT count(*), sum(relnatts), (SELECT string_agg(version_num, ',') FROM alembic_version) "
                "FROM pg_class WHERE relnamespace = 'public'::regnamespace")
"""What a test could change of a database's schema: its relations, their columns, the migration it is at."""


class PostgresDatabases:
    """Migrated PostgreSQL databases for the tests of one process, each test's database holding the rows the
    template holds. Making one from the template and dropping it cost PostgreSQL 0.34 s of CPU a test (a copy of
    every catalog and table file, written through the WAL and synced), over 700 tests a run; a database a test is
    done with is brought back instead (every row deleted, the template's rows copied in again, every sequence set
    where the template's stands: 5-10 ms) and handed to the next test. One whose schema a test changed, or that
    cannot be brought back, is dropped and never handed on."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.free: list[str] = []
        self.made: list[str] = []
        with pg_connect(template) as connection:
            self.shape = connection.execute(SCHEMA_SHAPE).fetchone()
            tables = [str(row[0]) for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            sequences = connection.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'").fetchall()
            self.rows = {table: rows for table in tables if (rows := table_rows(connection, table))}
        # Rows go in any order with foreign keys unenforced for the emptying session (its replication role).
        self.emptying = "; ".join([
            "SET session_replication_role = replica",
            *(f'DELETE FROM "{table}"' for table in tables),
            *(f"SELECT setval('\"{sequence}\"', {last or 1}, {last is not None})" for sequence, last in sequences),
        ])

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"frontdoor_test_{uuid.uuid4().hex[:10]}"
        with pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        if self._emptied(name):
            self.free.append(name)
        else:
            self.drop(name)

    def _emptied(self, name: str) -> bool:
        try:
            with pg_connect(name) as connection:
                connection.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                if connection.execute(SCHEMA_SHAPE).fetchone() != self.shape:
                    return False
                connection.execute("SET lock_timeout = '5s'")
                with connection.transaction():
                    connection.execute(self.emptying.encode())
                    for table, rows in self.rows.items():
                        with connection.cursor().copy(f'COPY "{table}" FROM STDIN') as copy:
                            copy.write(rows)
        except psycopg.Error:
            return False
        return True

    def drop(self, name: str) -> None:
        with pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(self.made):
            self.drop(name)


def table_rows(connection: psycopg.Connection[tuple[object, ...]], table: str) -> bytes:
    """A table's rows in COPY's text form, to be copied back exactly as they are."""
    with connection.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
        return b"".join(bytes(block) for block in copy)


@pytest.fixture(scope="session")
def postgres_databases(postgres_template: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_template)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_profile_databases(postgres_profile_template: str) -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(postgres_profile_template)
    yield databases
    databases.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of the given kind for one test (PostgreSQL's are brought back and reused:
    `PostgresDatabases`). It holds no rows, or the demo profile for a test that uses `sessions`: mirroring the
    profile cost 0.06-0.09 s of CPU a test, over 1,200 tests a run, so it is done once into a template."""
    with_profile = "sessions" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_profile_template" if with_profile else "sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    databases: PostgresDatabases = request.getfixturevalue(
        "postgres_profile_databases" if with_profile else "postgres_databases")
    name = databases.take()
    yield pg_url(name)
    databases.give_back(name)


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile(DEMO_PROFILE)


@pytest.fixture(scope="session")
def classifier() -> EmbeddedClassifier:
    return EmbeddedClassifier.train(load_training_data([NLU_DATA]))


@pytest.fixture(scope="session")
def nlu_model(classifier: EmbeddedClassifier, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's trained classifier on disk, so each app a test serves loads it instead of training."""
    path = tmp_path_factory.mktemp("nlu") / "model.pkl"
    classifier.save(path)
    return path


class HandClock:
    """A clock that shows the moment it was last set to, for a test's engine and services alike."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


def running_from(moment: datetime) -> Clock:
    """A clock that starts at `moment` and goes on at the pace of time, for code that waits for it to move
    (leases, retries, pacing)."""
    started = time.monotonic()
    return lambda: moment + timedelta(seconds=time.monotonic() - started)


@pytest.fixture
def clock() -> HandClock:
    """The test's clock, at MONDAY_10AM until the test sets it."""
    return HandClock(MONDAY_10AM)


@pytest.fixture
async def sessions(database_url: str, clock: HandClock) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh database holding the demo profile (`database_url` copied it in), whose rows are stamped
    on the test's clock."""
    engine = create_engine(database_url, clock)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def pipeline(sessions: async_sessionmaker[AsyncSession], profile: Profile, classifier: EmbeddedClassifier,
             clock: HandClock) -> Pipeline:
    return Pipeline(sessions, profile, classifier, ConfidencePolicy(), SAFETY_NET, clock=clock)


CONFIGURED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine", "aiosqlite")
"""The loggers `bot.privacy.log_masking.configure_logging` changes."""


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """For a test that runs a command in-process which sets up logging (`serve`, `worker`): the loggers
    and the record factory as they were afterwards, so no handler is left writing to the test's streams."""
    loggers = [logging.getLogger(name) for name in CONFIGURED_LOGGERS]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
