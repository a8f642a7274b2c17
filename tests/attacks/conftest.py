"""One arena (the app with every channel, seeded) per database for the whole package: starting the app
costs about a second and a half, so the attacks share it (tests/attacks/arena.py)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.app import create_app
from storage.db import sync_url
from storage.profile import Profile
from tests.attacks.arena import (
    SEEDED,
    TELEGRAM_TOKEN,
    Arena,
    draft_notice,
    every_channel,
    open_sessions,
    seed_staff_and_clue,
)
from tests.conftest import MONDAY_10AM, pg_admin, pg_url, running_from
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.web.conftest import served_app


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def arena_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of each kind, for the package (tests/conftest.py makes them per test)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("arena") / "arena.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"frontdoor_attacks_{uuid.uuid4().hex[:10]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield pg_url(name)
    with pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="package")
def wechat_api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


@pytest.fixture(scope="package")
def telegram_api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture(scope="package")
def arena(arena_database: str, nlu_model: Path, profile: Profile, wechat_api: FakeWeChatAPI,
          telegram_api: FakeTelegramAPI) -> Iterator[Arena]:
    settings = every_channel(arena_database, nlu_model, wechat_api, telegram_api)
    clock = running_from(MONDAY_10AM)
    app = create_app(settings, clock=clock)
    db = create_engine(sync_url(arena_database))
    with served_app(app, log_config=None) as url:  # logging as `frontdoor serve` has it
        place = Arena(url, arena_database, app, settings, db, telegram_api, clock)
        seed_staff_and_clue(arena_database, profile, clock)
        for name, (text, community) in SEEDED.items():
            place.tickets[name] = place.open_ticket(text, f"seed-{name}", community)
        open_sessions(place)
        place.notice_id = draft_notice(place)
        yield place
        for client in place.sessions.values():
            client.close()
    db.dispose()

