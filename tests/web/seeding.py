"""Writing to and reading from a test's database beside the running app, one transaction a call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from storage.clock import Clock, system_clock
from storage.db import create_engine, create_sessionmaker

T = TypeVar("T")


def in_database(database_url: str, work: Callable[[AsyncSession], Awaitable[T]], clock: Clock = system_clock) -> T:
    """Run `work` in one committed transaction on the database (rows stamped on `clock`, the app's) and
    return what it returns."""
    async def run() -> T:
        engine = create_engine(database_url, clock)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())
