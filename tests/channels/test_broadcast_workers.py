"""Several `frontdoor worker` processes share one broadcast on PostgreSQL: each recipient gets the
notice exactly once, every worker takes part, and together they keep the bot's overall rate."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notices import sending
from bot.notices.compose import AnnouncementInput, compose_announcement
from storage.models import Community, OutboxMessage
from storage.profile import Profile
from storage.repositories import notices
from tests.conftest import DEMO_PROFILE, ROOT
from tests.fakes.remote import fake_in_process_of_its_own
from tests.fakes.telegram_api import REPORT_PATH, SENT_PATH
from tests.subscribers import seed_subscribers

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "123456:TEST-workers"
RECIPIENTS = 2_000
OVERALL_PER_SECOND = 200
"""Above Telegram's 30 so the test takes seconds; the fake enforces this limit instead, and the
workers are told it (FRONTDOOR_TELEGRAM_PER_SECOND) to share between them."""
FIRST_ACCOUNT = 7_000_000


async def broadcast(sessions: Sessions, profile: Profile) -> int:
    async with sessions() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", RECIPIENTS, first_account=FIRST_ACCOUNT)
        community = (await session.scalars(select(Community).where(Community.key == "qingshui"))).one()
        draft = compose_announcement(profile, "qingshui", AnnouncementInput.from_mapping(
            {"headline": "本周六上午消防演练", "body": "本周六9:00在中心广场举行消防演练，届时警报声请勿惊慌。"}))
        now = datetime.now(UTC)  # the workers are processes of their own, on the wall clock
        notice = sending.create_notice(session, profile, community, draft, None, now)
        await session.flush()
        assert await sending.start_sending(session, profile, notice, now) == RECIPIENTS
        return notice.id


def start_worker(name: str, database_url: str, api_base: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_TELEGRAM_TOKEN": TOKEN, "FRONTDOOR_TELEGRAM_API_BASE": api_base,
           "FRONTDOOR_TELEGRAM_PER_SECOND": str(OVERALL_PER_SECOND), "FRONTDOOR_WORKER_BEAT_SECONDS": "0.5"}
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--name", name], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


async def wait_until_delivered(sessions: Sessions, notice_id: int, seconds: float) -> notices.DeliveryReport:
    for _ in range(int(seconds / 0.25)):
        async with sessions() as session:
            report = await notices.delivery_report(session, notice_id)
        if not report.pending:
            return report
        await asyncio.sleep(0.25)
    return report


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_workers_share_a_broadcast_and_every_recipient_gets_it_once(
        sessions: Sessions, profile: Profile, database_url: str, tmp_path: Path) -> None:
    notice_id = await broadcast(sessions, profile)
    with fake_in_process_of_its_own("tests.fakes.telegram_api", "--token", TOKEN, "--enforce-limits", "--quiet",
                                    "--overall", str(OVERALL_PER_SECOND), log=tmp_path / "fake.log") as api_base:
        workers = [start_worker(name, database_url, api_base, tmp_path / f"{name}.log") for name in ("w1", "w2")]
        try:
            report = await wait_until_delivered(sessions, notice_id, seconds=90)
        finally:
            for process in workers:
                process.terminate()
            exits = [process.wait(timeout=30) for process in workers]
        async with httpx.AsyncClient() as client:
            received = (await client.get(f"{api_base}{SENT_PATH}")).json()["result"]
            rates = (await client.get(f"{api_base}{REPORT_PATH}")).json()["result"]
    async with sessions() as session:
        by_worker = dict((await session.execute(
            select(OutboxMessage.claimed_by, func.count()).where(OutboxMessage.notice_id == notice_id,
                                                                 OutboxMessage.delivered_at.is_not(None))
            .group_by(OutboxMessage.claimed_by))).all())

    logs = "\n".join((tmp_path / f"{name}.log").read_text()[-2000:] for name in ("w1", "w2"))
    assert (report.sent, report.pending, report.settled) == (RECIPIENTS, 0, {}), logs
    assert len(received) == RECIPIENTS
    assert set(received.values()) == {1}
    assert set(received) == {str(FIRST_ACCOUNT + i) for i in range(RECIPIENTS)}
    assert set(by_worker) == {"w1", "w2"}
    assert min(by_worker.values()) >= RECIPIENTS // 10, by_worker
    assert rates["answered_429"] == 0
    assert rates["max_overall_per_second"] <= OVERALL_PER_SECOND
    assert exits == [0, 0], logs
