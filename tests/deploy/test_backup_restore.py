"""deploy/backup.sh and deploy/restore.sh on PostgreSQL: tickets made through the app survive a backup
and a restore into a new database, and the app served on the restored copy shows the same tickets;
restore refuses a database that is not empty."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.ticket_actions import close_ticket
from bot.settings import Settings
from storage.models import Staff, Ticket
from storage.profile import load_profile
from tests.conftest import DEMO_PROFILE, NLU_DATA, PG_URL, ROOT, pg_admin, pg_url
from tests.web.conftest import served
from tests.web.seeding import in_database

BACKUP, RESTORE = ROOT / "deploy" / "backup.sh", ROOT / "deploy" / "restore.sh"
REPORTS = {"r-drain": "3栋2单元501室的下水道堵了，臭了好几天", "r-light": "12栋楼道灯坏了，晚上黑灯瞎火的",
           "r-lift": "5栋的电梯坏了，老人上不了楼"}
TicketRow = tuple[str | None, str, datetime, datetime | None]


@pytest.fixture
def new_database(postgres_template: str) -> Iterator[Callable[[bool], str]]:
    """Makes databases named frontdoor_deploy_*: migrated (from the session's template) or empty;
    all are dropped at the end. Skips or fails like every PostgreSQL test when there is none."""
    made: list[str] = []

    def make(migrated: bool) -> str:
        name = f"frontdoor_deploy_{uuid.uuid4().hex[:10]}"
        with pg_admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"' if migrated
                          else f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    with pg_admin() as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(script: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """The script as an operator runs it, with no FRONTDOOR_ or PG variables but those given."""
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith(("FRONTDOOR_", "PG"))}
    return subprocess.run([str(script), *args], env={**clean, "FRONTDOOR_ENV_FILE": "/dev/null", **environment},
                          capture_output=True, text=True, timeout=120)


def app_settings(database: str, nlu_model: Path) -> Settings:
    return Settings(database_url=pg_url(database), profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                    nlu_model=nlu_model, in_app_worker=False)


def report_problems(base_url: str) -> list[str]:
    """Each resident reports in the chat; the ticket numbers the bot answers with."""
    numbers = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for sender, text in REPORTS.items():
            replies = client.post("/api/chat", json={"sender_id": sender, "text": text, "community": "baiyang"})
            assert replies.status_code == 200, replies.text
            numbers += [found for reply in replies.json() for found in re.findall(r"GD\d{8}-\d{4}", reply["text"])]
    assert len(numbers) == len(REPORTS), numbers
    return numbers


def close_first(database: str, number: str) -> None:
    async def work(session: AsyncSession) -> None:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, load_profile(DEMO_PROFILE), number, assignee.key, "已疏通", datetime.now(UTC))

    in_database(pg_url(database), work)


def published(base_url: str, numbers: list[str]) -> list[dict[str, Any]]:
    """The tickets as the Open311 API serves them."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        response = client.get("/open311/v2/requests.json", params={"service_request_id": ",".join(numbers)})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return sorted(items, key=lambda item: str(item["service_request_id"]))


def ticket_rows(database: str) -> list[TicketRow]:
    async def work(session: AsyncSession) -> list[TicketRow]:
        rows = await session.execute(select(Ticket.number, Ticket.status, Ticket.due_at, Ticket.closed_at)
                                     .order_by(Ticket.number))
        return [tuple(row) for row in rows]  # type: ignore[misc]

    return in_database(pg_url(database), work)


def test_a_restored_backup_serves_the_same_tickets(new_database: Callable[[bool], str], nlu_model: Path,
                                                  tmp_path: Path) -> None:
    original, restored = new_database(True), new_database(False)
    with served(app_settings(original, nlu_model)) as url:
        numbers = report_problems(url)
        close_first(original, numbers[0])
        before = published(url, numbers)
    dump = tmp_path / "frontdoor.dump"
    target = make_url(PG_URL)

    # The app's own URL form (driver, percent-encoded password) for the backup; the env file for the restore.
    backup = run_script(BACKUP, str(dump), FRONTDOOR_DATABASE_URL=pg_url(original).replace(
        "postgresql://", "postgresql+psycopg://").replace(f"{target.username}@", f"{target.username}:s%40cret@"))
    env_file = tmp_path / "frontdoor.env"
    env_file.write_text(f'FRONTDOOR_ENVIRONMENT=production\nFRONTDOOR_DATABASE_URL="{pg_url(restored)}"\n')
    restore = run_script(RESTORE, str(dump), FRONTDOOR_ENV_FILE=str(env_file))

    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_mode & 0o077 == 0  # residents' data: readable by its owner only
    assert restore.returncode == 0, restore.stderr
    assert ticket_rows(restored) == ticket_rows(original)
    with served(app_settings(restored, nlu_model)) as url:
        after = published(url, numbers)
    assert after == before
    assert [item["status"] for item in after] == ["closed", "open", "open"]
    assert all(item["expected_datetime"] for item in after)


def test_restore_refuses_a_database_that_is_not_empty(new_database: Callable[[bool], str], tmp_path: Path) -> None:
    source, occupied = new_database(True), new_database(True)
    dump = tmp_path / "frontdoor.dump"
    assert run_script(BACKUP, str(dump), FRONTDOOR_DATABASE_URL=pg_url(source)).returncode == 0
    target = make_url(PG_URL)

    refused = run_script(RESTORE, str(dump), PGHOST=str(target.host), PGPORT=str(target.port or 5432),
                         PGUSER=str(target.username), PGDATABASE=occupied)

    assert refused.returncode != 0
    assert f"database {occupied} is not empty" in refused.stderr
    assert "pg_restore" not in refused.stderr  # refused before anything was restored


def test_backup_refuses_a_sqlite_database_with_a_clear_message(tmp_path: Path) -> None:
    refused = run_script(BACKUP, str(tmp_path / "x.dump"), FRONTDOOR_DATABASE_URL="sqlite:///./frontdoor.db")

    assert refused.returncode != 0
    assert "not PostgreSQL (sqlite)" in refused.stderr
    assert not list(tmp_path.iterdir())
