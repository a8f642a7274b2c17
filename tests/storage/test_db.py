"""Engines: pooled connections outliving their server, and which failures are worth another try."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from storage.db import create_engine, is_transient, retry_transient
from tests.conftest import pg_admin


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite has no server to restart
async def test_a_pooled_connection_cut_by_the_server_is_replaced_not_failed(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # now pooled
        with pg_admin() as admin:  # what a restart does to every open connection, waiting until it is done
            admin.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (make_url(database_url).database,))

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT 2")) == 2
    finally:
        await engine.dispose()


def lost() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_outages_are_transient_and_mistakes_are_not() -> None:
    assert is_transient(lost())
    assert not is_transient(IntegrityError("INSERT", {}, ValueError("duplicate key")))
    assert not is_transient(ProgrammingError("SELEC", {}, ValueError("syntax error")))
    assert not is_transient(LookupError("no such handler"))


async def test_retry_goes_on_past_outages_and_stops_at_a_mistake_or_the_deadline() -> None:
    outcomes: list[Exception | str] = [lost(), lost(), "done"]

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert await retry_transient(flaky, "test", within_seconds=5, first_pause=0.01) == "done"

    outcomes[:] = [lost(), LookupError("a bug")]
    with pytest.raises(LookupError):
        await retry_transient(flaky, "test", within_seconds=5, first_pause=0.01)

    outcomes[:] = [lost()] * 100
    with pytest.raises(OperationalError):
        await retry_transient(flaky, "test", within_seconds=0.1, first_pause=0.02)
    assert outcomes, "gave up at the deadline, not after every attempt"
