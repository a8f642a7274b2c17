"""A bench database of its own on the PostgreSQL server of FRONTDOOR_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres): `bench_load_<random>`, migrated, the demo profile
loaded; dropped at the end, however the run ends. Plus the counts read from it while the run goes on."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.broadcast.database import opened
from storage.migrate import upgrade
from storage.profile import Profile
from storage.profile.sync import sync_profile

ADMIN_URL = os.environ.get("FRONTDOOR_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PREFIX = "bench_load_"


def connect(url: str, timeout: int = 5) -> psycopg.Connection[tuple[Any, ...]]:
    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                           password=parsed.password, dbname=parsed.database, autocommit=True, connect_timeout=timeout)


def libpq_url(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def bench_database(profile: Profile, name: str | None = None) -> Iterator[str]:
    """A fresh, migrated database holding the profile; yields its URL and drops it on the way out."""
    name = name or f"{PREFIX}{uuid.uuid4().hex[:8]}"
    with connect(ADMIN_URL) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        asyncio.run(_load_profile(url, profile))
        yield url
    finally:
        with connect(ADMIN_URL, timeout=30) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _load_profile(url: str, profile: Profile) -> None:
    async with opened(url) as sessions, sessions() as session, session.begin():
        await sync_profile(session, profile)


def database_name(url: str) -> str:
    return str(make_url(url).database)


def connections(admin: psycopg.Connection[tuple[Any, ...]], url: str) -> int:
    """Server connections open to the bench database (pg_stat_activity), the sampler's own not counted."""
    row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (database_name(url),)).fetchone()
    return int(row[0]) if row else 0
