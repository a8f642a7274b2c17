"""A fresh PostgreSQL database per fault run, `bench_fault_<name>_<pid>_<random>`: created, migrated, the demo
profile loaded, and dropped again however the run ends. Two runs at once (even of the same script) each have
their own; a run that was killed leaves its database behind, and the next run drops it once the process named
in it is gone, never one whose process still runs."""

from __future__ import annotations

import os
import re
import secrets
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
OWNED = re.compile(rf"^{PREFIX}[a-z]+_(\d+)_[0-9a-f]+$")


def admin(sql: str) -> list[tuple[object, ...]]:
    url = make_url(ADMIN_URL)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True, connect_timeout=5) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def left_over() -> list[str]:
    """Fault databases whose run is gone (the process named in them no longer exists)."""
    names = [str(row[0]) for row in admin(f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")]
    return [name for name in names if (owner := OWNED.match(name)) and not _alive(int(owner.group(1)))]


@contextmanager
def fault_database(name: str) -> Iterator[str]:
    """A database of this run's own, created and migrated; yields its URL; dropped at the end. Those of runs
    that died are dropped first."""
    for database in left_over():
        _drop(database)
    database = f"{PREFIX}{name}_{os.getpid()}_{secrets.token_hex(3)}"
    admin(f'CREATE DATABASE "{database}"')
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
            admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
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
