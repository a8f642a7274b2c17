"""The bench database: dropped, recreated and migrated for each part, the demo profile loaded and the
recipients seeded."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.profile import Profile
from storage.profile.sync import sync_profile
from tests.subscribers import seed_subscribers

ADMIN_URL = os.environ.get("FRONTDOOR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "bench_broadcast"
COMMUNITY, TOPIC, CHANNEL = "qingshui", "announcements", "telegram"
FIRST_CHAT = 5_000_000
Sessions = async_sessionmaker[AsyncSession]


def _connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.database, autocommit=True, connect_timeout=5)


def _admin() -> psycopg.Connection[tuple[Any, ...]]:
    return _connect(ADMIN_URL)


def database_url() -> str:
    return make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)


def drop_database() -> None:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def fresh_database() -> str:
    """`bench_broadcast` dropped, recreated and migrated; returns its URL."""
    drop_database()
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    url = database_url()
    upgrade(url)
    return url


def analyze(url: str) -> None:
    """Fresh statistics, as a live database has them, so the planner sees the seeded tables."""
    with _connect(url) as connection:
        connection.execute("ANALYZE")


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def seeded(profile: Profile, recipients: int) -> tuple[str, float]:
    """A fresh database holding the profile and `recipients` subscribers; returns its URL and the
    seconds seeding took (not part of any figure)."""
    url = fresh_database()
    started = time.perf_counter()
    async with opened(url) as sessions, sessions() as session, session.begin():
        await sync_profile(session, profile)
        await seed_subscribers(session, COMMUNITY, TOPIC, recipients, first_account=FIRST_CHAT)
    analyze(url)
    return url, time.perf_counter() - started
