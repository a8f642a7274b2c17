"""The app every attack is made on: served once per database for the whole package, with every channel
on (WeChat, WeCom, Telegram's webhook, the demo), against the fake platform APIs, with uvicorn logging
as `frontdoor serve` sets it up (`log_config=None`). Tickets, a clue, a notice and signed-in staff are
seeded once; a test that changes something makes its own ticket, so the tests do not lean on each other.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.console.pages.deps import COOKIE
from bot.console.sessions import SESSION_LIFETIME, token_hash
from bot.settings import Settings
from storage.clock import Clock
from storage.models import Appointment, Community, Notice, Staff, StaffSession, Ticket
from storage.profile import Profile
from storage.repositories.api_keys import create_api_key
from storage.repositories.clues import add_clue
from tests.channels import wecom_server
from tests.channels.wechat_server import AES_KEY, TOKEN
from tests.conftest import DEMO_PROFILE, NLU_DATA
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.web.seeding import in_database
from tests.web.test_console_notices import ANNOUNCEMENT

TELEGRAM_TOKEN = "123456:TEST-attacks"
TELEGRAM_SECRET = "attacks-webhook-secret"
ADMIN = "admin-01"
STAFF = ("by-sec-01", "by-area-01", "by-area-06", "by-bld-01", "by-bld-06", "by-police-01", "by-win-01",
         "by-svc-01", "qs-sec-01", "qs-area-01", "qs-police-01", ADMIN)
"""Everyone with a console session for the package."""
SPARE_SESSIONS = ("by-sec-01#2", "by-win-01#sign-out")
"""Second sessions: another session's CSRF token, and one that a test may sign out."""
SEEDED = {
    "a1_drain": ("3栋2单元501室的下水道堵了，臭了好几天", None),  # 东一片 (by-area-01); building lead by-bld-01
    "a1_light": ("12栋楼道灯坏了，晚上黑灯瞎火的", None),  # 东一片; the service team; building lead by-bld-06
    "a6_drain": ("90栋3单元楼道里的下水道堵了，臭了好几天", None),  # 北片 (by-area-06)
    "qs_drain": ("5栋2单元楼道里的下水道堵了，臭了好几天", "qingshui"),  # 青水社区上片
}
TABLES = ("tickets", "residents", "staff", "staff_sessions", "sign_in_attempts", "notices", "clues", "audit_log",
          "processed_messages", "ticket_events", "communities", "buildings", "areas", "api_keys")
"""Counted before and after an attack. Not the outbox: an earlier test's late WeChat reply may land in it
at any moment (and whatever puts a message in it also leaves a ticket event or a notice)."""
NUMBER = re.compile(r"GD\d{8}-\d{4}")
BOOKING = re.compile(r"YY\d{8}-\d{4}")


@dataclass
class Arena:
    url: str
    database_url: str
    app: FastAPI
    settings: Settings
    db: Engine
    """A plain (blocking) engine on the arena's database, for the tests' own reads."""
    telegram_api: FakeTelegramAPI
    clock: Clock
    """The app's clock, which the arena's own writes use too."""
    tickets: dict[str, str] = field(default_factory=dict)
    """Seeded tickets by name (SEEDED)."""
    clue_text: str = "12栋地下室每晚有人聚众赌博"
    notice_id: int = 0
    """A draft announcement of 白杨社区."""
    sessions: dict[str, httpx.Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def staff(self, key: str) -> httpx.Client:
        """The signed-in client of a staff member (or of a spare session)."""
        return self.sessions[key]

    def csrf(self, key: str) -> str:
        return self.tokens[key]

    def anonymous(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15)

    def open_ticket(self, text: str, sender: str, community: str | None = None) -> str:
        """A resident reports in the demo chat; the new ticket's number."""
        body = {"sender_id": sender, "text": text, "community": community or "baiyang"}
        with self.anonymous() as client:
            replies = client.post("/api/chat", json=body)
        assert replies.status_code == 200, replies.text
        found = NUMBER.search(replies.json()[0]["text"])
        assert found is not None, replies.text
        return found.group(0)

    def table_counts(self) -> dict[str, int]:
        """Rows per table, in one query; a dropped table fails it."""
        counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in TABLES)
        with self.db.connect() as connection:
            row = connection.execute(text(f"SELECT {counts}")).one()
        return dict(zip(TABLES, map(int, row), strict=True))

    def ticket_state(self, number: str) -> tuple[str, int]:
        """A ticket's status and assignee id."""
        with Session(self.db) as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
            return ticket.status, ticket.assignee_id

    def book(self, sender: str, *texts: str) -> str:
        """A resident books in the demo chat, saying yes to the summary; the booking's number."""
        with self.anonymous() as client:
            for text in (*texts, "确认"):
                replies = client.post("/api/chat", json={"sender_id": sender, "text": text, "community": "baiyang"})
                assert replies.status_code == 200, replies.text
        found = BOOKING.search(replies.json()[0]["text"])
        assert found is not None, replies.text
        return found.group(0)

    def booking_status(self, number: str) -> str:
        with Session(self.db) as session:
            return session.scalars(select(Appointment.status).where(Appointment.number == number)).one()

    def notice_stage(self, notice_id: int) -> str:
        with Session(self.db) as session:
            return str(session.get_one(Notice, notice_id).stage)

    def open311_key(self) -> str:
        """A new Open311 API key, in plain text."""
        async def create(session: AsyncSession) -> str:
            return (await create_api_key(session, "attack tool", None, self.clock()))[1]

        return in_database(self.database_url, create, self.clock)

    def ticket_count(self) -> int:
        with Session(self.db) as session:
            return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def every_channel(database_url: str, nlu_model: Path, wechat_api: FakeWeChatAPI,
                  telegram_api: FakeTelegramAPI) -> Settings:
    """Settings that mount every route the app has."""
    return Settings(
        database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA], nlu_model=nlu_model,
        wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_app_id=wechat_api.appid,
        wechat_app_secret=wechat_api.secret, wechat_api_base=wechat_api.base_url, wechat_community="baiyang",
        wecom_corp_id=wechat_api.corpid, wecom_secret=wechat_api.corpsecret, wecom_agent_id=wecom_server.AGENT_ID,
        wecom_token=wecom_server.TOKEN, wecom_aes_key=wecom_server.AES_KEY, wecom_api_base=wechat_api.base_url,
        telegram_token=TELEGRAM_TOKEN, telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_api_base=telegram_api.base_url, telegram_community="baiyang")


def seed_staff_and_clue(database_url: str, profile: Profile, clock: Clock) -> None:
    """An admin account, and a clue for 白杨社区's police."""
    async def seed(session: AsyncSession) -> None:
        session.add(Staff(key=ADMIN, name="系统管理员", role="admin", active=True, source="console"))
        baiyang = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        await add_clue(session, community_id=baiyang.id, text=Arena.clue_text, category="gambling", prefix="XS",
                       timezone=profile.timezone, now=clock())

    in_database(database_url, seed, clock)


def open_sessions(arena: Arena) -> None:
    """A console session for each of STAFF and SPARE_SESSIONS, written as signing in writes it (argon2
    is slow on purpose, and signing in is tested in tests/web/test_console.py)."""
    async def write(session: AsyncSession) -> dict[str, tuple[str, str]]:
        made = {}
        now = arena.clock()
        for key in (*STAFF, *SPARE_SESSIONS):
            staff = (await session.scalars(select(Staff).where(Staff.key == key.partition("#")[0]))).one()
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session.add(StaffSession(token_hash=token_hash(token), staff_id=staff.id, csrf_token=csrf,
                                     created_at=now, expires_at=now + SESSION_LIFETIME))
            made[key] = token, csrf
        return made

    for key, (token, csrf) in in_database(arena.database_url, write, arena.clock).items():
        client = httpx.Client(base_url=arena.url, timeout=15)
        client.cookies.set(COOKIE, token, domain="127.0.0.1", path="/console")
        arena.sessions[key], arena.tokens[key] = client, csrf


def draft_notice(arena: Arena) -> int:
    """A draft announcement of 白杨社区, written by its secretary in the console."""
    created = arena.staff("by-sec-01").post("/console/notices", data={**ANNOUNCEMENT,
                                                                      "csrf_token": arena.csrf("by-sec-01")})
    assert created.status_code == 303, created.text
    return int(created.headers["location"].rpartition("/")[2])
