"""A fresh PostgreSQL database `bench_fault_<name>` per fault run: created, migrated, the demo profile
loaded, and dropped again however the run ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from bench.broadcast.database import ADMIN_URL, COMMUNITY, FIRST_CHAT, TOPIC, analyze, opened
from storage.migrate import upgrade
from storage.profile import Profile
from storage.profile.sync import sync_profile
from tests.subscribers import seed_subscribers

PREFIX = "bench_fault_"


def _admin(sql: str) -> None:
    admin = make_url(ADMIN_URL)
    with psycopg.connect(host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
                         dbname=admin.database, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


@contextmanager
def fault_database(name: str) -> Iterator[str]:
    """`bench_fault_<name>` dropped if left over, created and migrated; yields its URL; dropped at the end."""
    database = f"{PREFIX}{name}"
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}"')
    try:
        url = make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        _drop(database)


def _drop(database: str, within: float = 60.0) -> None:
    """Dropped, waiting a while for a server that is restarting (as fault-postgres makes it)."""
    deadline = time.monotonic() + within
    while True:
        try:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


async def load_profile_into(url: str, profile: Profile, recipients: int = 0) -> None:
    """The profile, and `recipients` Telegram subscribers to qingshui's announcements as the broadcast
    benchmark seeds them (chats counting up from `FIRST_CHAT`)."""
    async with opened(url) as sessions, sessions() as session, session.begin():
        await sync_profile(session, profile)
        if recipients:
            await seed_subscribers(session, COMMUNITY, TOPIC, recipients, first_account=FIRST_CHAT)
    analyze(url)
