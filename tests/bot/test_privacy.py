"""Residents' data rights on both databases: a full export, an erasure that leaves no personal data in
any table and every dashboard figure as it was, the audit log, and the `frontdoor privacy` commands
(retention: tests/bot/test_retention.py)."""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.stats import Dashboard, compute_dashboard
from bot.conversation.pipeline import Pipeline
from bot.core.messages import Choice, InboundMessage, Reply, TextReply
from bot.office.handoffs import reply_to_resident
from bot.office.ticket_actions import close_ticket
from bot.privacy.residents import erase_resident, export_resident
from storage.models import (
    Base,
    CertificateRequest,
    ChannelIdentity,
    Clue,
    Community,
    OutboxMessage,
    Rating,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
)
from storage.profile import Profile
from storage.repositories.residents import identity_resident
from tests.bot.transcript import Resident as Chat
from tests.bot.transcript import play
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA

Sessions = async_sessionmaker[AsyncSession]
TELEGRAM_ID, WECHAT_ID = "987654321", "oPrivacyOpenid0001"
NAME, PHONE, ID_NUMBER, HOME, ROOM = "柳青禾", "13698765432", "110101199003074514", "3单元1702", "1702"
SECRETS = (NAME, PHONE, ID_NUMBER, HOME, ROOM, TELEGRAM_ID, WECHAT_ID)
REPORT = f"4栋{HOME}卫生间下水道堵了，臭了好几天，电话{PHONE}"
CLUE = "6栋地下室最近每天晚上很多陌生人进出，像是传销窝点"
ANONYMOUS_CLUE = "9栋楼顶最近常有人聚在一起吸毒，烟味很怪"
_ids = itertools.count()


@dataclass
class Account(Chat):
    """A resident writing from one platform account (message ids, unlike the sender, carry no account)."""

    channel: str = "telegram"

    async def say(self, text: str) -> list[Reply]:
        if text.startswith("[") and text.endswith("]"):
            text = next(c.payload for r in self.last for c in r.choices if c.label == text[1:-1])
        message = InboundMessage(self.channel, self.sender, f"m-{next(_ids)}", text, MONDAY_10AM, self.community)
        self.last = await self.pipeline.handle(message)
        return self.last


async def close_and_hear(sessions: Sessions, profile: Profile, resident: Chat, ticket_id: int) -> None:
    """The assignee closes the ticket; the resident sees the close notice with its 满意 / 不满意 buttons."""
    async with sessions() as session, session.begin():
        ticket = await session.get_one(Ticket, ticket_id)
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, profile, ticket.number or "", assignee.key, "已疏通下水道", MONDAY_10AM)
        notice = (await session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id,
                                                                    OutboxMessage.kind == "ticket_closed"))).one()
        resident.last = [TextReply(notice.payload["text"], tuple(Choice(label, payload)
                                                                 for label, payload in notice.payload["choices"]))]


async def a_resident_who_did_everything(pipeline: Pipeline, sessions: Sessions, profile: Profile) -> int:
    """Reported a problem on Telegram, then on WeChat asked for a certificate, booked (a home visit too),
    subscribed, left a clue with contact and one without; rated the closed problem 不满意 with a comment, then
    asked for a person, who answered by name."""
    telegram = Account(pipeline, TELEGRAM_ID)
    await play(telegram, f"""
        居民: {REPORT}
        助手: 编号
    """)
    async with sessions() as session, session.begin():
        resident_id = await identity_resident(session, "telegram", TELEGRAM_ID)
        assert resident_id is not None
        session.add(ChannelIdentity(resident_id=resident_id, channel="wechat", external_id=WECHAT_ID))
        (await session.get_one(Resident, resident_id)).display_name = NAME
    await play(Account(pipeline, WECHAT_ID, channel="wechat"), f"""
        居民: 帮我开个居住证明
        居民: [本人]
        居民: {ID_NUMBER}
        居民: 孩子上学要用
        居民: {PHONE}
        居民: [确认]
        助手: 已受理
        居民: 帮我约下周三上午的法律咨询，电话{PHONE}
        居民: [确认]
        助手: 预约成功
        居民: 我腿脚不好 想约上门办理 下周二下午三点 地址是4栋{HOME}
        居民: [确认]
        助手: 预约成功
        居民: 帮我订阅治安预报
        助手: 已订阅
        居民: {CLUE}
        居民: [留下联系方式]
        居民: {PHONE}
        助手: 民警可能会打电话
        居民: {ANONYMOUS_CLUE}
        居民: [保持匿名]
        助手: 保持匿名
    """)
    async with sessions() as session:
        report = (await session.scalars(select(Ticket).where(Ticket.category_key != "certificate"))).one()
    await close_and_hear(sessions, profile, telegram, report.id)
    await play(telegram, f"""
        居民: [不满意]
        助手: 还有什么问题没解决
        居民: {ROOM}门口还是堵，水下不去，还是臭
        助手: 已记下
        居民: 转人工
        助手: 已为您转人工
        居民: 我住{HOME}，身份证{ID_NUMBER}，老人补贴为啥停了
    """)
    async with sessions() as session, session.begin():
        handoff = (await session.scalars(select(Ticket).where(Ticket.category_key == "handoff"))).one()
        assignee = await session.get_one(Staff, handoff.assignee_id)
        await reply_to_resident(session, profile, handoff.number or "", assignee.key, f"{NAME}您好，我查一下",
                                MONDAY_10AM)
    return resident_id


async def dashboard(sessions: Sessions, profile: Profile) -> Dashboard:
    async with sessions() as session:
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        return await compute_dashboard(session, profile, community.id, MONDAY_10AM - timedelta(days=7),
                                       MONDAY_10AM + timedelta(days=30), now=MONDAY_10AM + timedelta(hours=1))


DIGEST = re.compile(r"[0-9a-f]{64}")
"""A seal (`bot.core.seal`: a sealed retry key, a clue's contact offer) is a keyed digest: it holds no personal data,
but its hex digits hold a number like ROOM's by chance (one run in a few hundred: 「…81702d…」)."""


async def rows_holding(sessions: Sessions, secrets: tuple[str, ...]) -> list[str]:
    """Every text or JSON value in every table that contains one of `secrets`, as "table.column: value"; seals
    (`DIGEST`) are not read for them."""
    found = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
            for row in (await session.execute(select(*columns))).all() if columns else []:
                for column, value in zip(columns, row, strict=True):
                    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
                    if DIGEST.fullmatch(text):
                        continue
                    found += [f"{table.name}.{column.name}: {text}" for secret in secrets if secret in text]
    return found


async def test_export_holds_everything_about_the_resident_and_no_anonymous_clue(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    resident_id = await a_resident_who_did_everything(pipeline, sessions, profile)

    async with sessions() as session:
        exported = await export_resident(session, resident_id)
    text = json.dumps(exported, ensure_ascii=False)

    assert (exported["resident"]["display_name"], exported["resident"]["phone"]) == (NAME, PHONE)
    assert {(i["channel"], i["external_id"]) for i in exported["channel_identities"]} == {
        ("telegram", TELEGRAM_ID), ("wechat", WECHAT_ID)}
    tickets = {t["category_key"]: t for t in exported["tickets"]}
    assert (tickets["certificate"]["certificate_request"]["id_number"], tickets["certificate"]["certificate_request"]
            ["phone"]) == (ID_NUMBER, PHONE)
    [report] = [t for key, t in tickets.items() if key not in {"certificate", "handoff"}]
    assert (report["unit"], report["room"], report["description"]) == ("3", ROOM, REPORT)
    assert [r["satisfied"] for r in report["ratings"]] == [False]
    assert any(ROOM in (e["note"] or "") for e in report["events"])
    assert [(a["phone"], a["address"]) for a in exported["appointments"]] == [(PHONE, None), (PHONE, f"4栋{HOME}室")]
    assert exported["appointments"][0]["slot"]["starts_at"].startswith("2026-12-02T01:00:00")
    assert [(c["text"], c["contact"]) for c in exported["clues"]] == [(CLUE, PHONE)]
    assert ANONYMOUS_CLUE not in text
    assert [s["topic"] for s in exported["subscriptions"]] == ["security_forecast"]
    assert exported["processed_messages"]
    assert exported["conversation"] is not None
    assert "ticket_closed" in {m["kind"] for m in exported["outbox"]}
    assert exported["resident"]["created_at"].endswith("+00:00")


async def test_erasure_leaves_no_personal_data_anywhere_and_every_figure_unchanged(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    resident_id = await a_resident_who_did_everything(pipeline, sessions, profile)
    before = await dashboard(sessions, profile)
    async with sessions() as session:
        tickets_before = {t.id: (t.category_key, t.building_id, t.status, t.assignee_id, t.created_at)
                          for t in await session.scalars(select(Ticket))}
        events_before = len((await session.scalars(select(TicketEvent))).all())
    held = {found.partition(":")[0] for found in await rows_holding(sessions, SECRETS)}
    assert held >= {"residents.phone", "channel_identities.external_id", "tickets.description", "tickets.room",
                    "ticket_events.note", "ratings.comment", "certificate_requests.id_number", "appointments.phone",
                    "appointments.address", "clues.contact", "processed_messages.replies", "outbox.payload"}

    async with sessions() as session, session.begin():
        report = await erase_resident(session, profile, resident_id, MONDAY_10AM + timedelta(days=1))

    assert report.counts["channel_identities"] == 2
    assert report.counts["tickets"] == 3
    assert await rows_holding(sessions, SECRETS) == []
    assert await dashboard(sessions, profile) == before
    async with sessions() as session:
        tickets = list(await session.scalars(select(Ticket)))
        assert {t.id: (t.category_key, t.building_id, t.status, t.assignee_id, t.created_at)
                for t in tickets} == tickets_before
        assert {t.description for t in tickets} == {"（内容已按居民要求删除）"}
        assert all(t.purged_at == MONDAY_10AM + timedelta(days=1) for t in tickets)
        assert len((await session.scalars(select(TicketEvent))).all()) == events_before
        assert [r.satisfied for r in await session.scalars(select(Rating))] == [False]
        [request] = (await session.scalars(select(CertificateRequest))).all()
        assert request.certificate_key == "residence"
        clues = {c.text: c for c in await session.scalars(select(Clue))}
        assert (clues[CLUE].resident_id, clues[CLUE].contact) == (None, None)
        assert ANONYMOUS_CLUE in clues
        assert (await session.get_one(Resident, resident_id)).erased_at is not None


async def test_the_same_account_writing_after_erasure_is_a_new_resident(
        pipeline: Pipeline, sessions: Sessions, profile: Profile) -> None:
    resident_id = await a_resident_who_did_everything(pipeline, sessions, profile)
    async with sessions() as session, session.begin():
        await erase_resident(session, profile, resident_id, MONDAY_10AM)

    await play(Account(pipeline, TELEGRAM_ID), """
        居民: 我反映的问题处理得怎么样了
        助手: 没有正在办理的事项
    """)

    async with sessions() as session:
        again = await identity_resident(session, "telegram", TELEGRAM_ID)
        erased = await session.get_one(Resident, resident_id)
    assert again not in {None, resident_id}
    assert (erased.phone, erased.erased_at) == (None, MONDAY_10AM)


def cli_env(database: Path) -> dict[str, str]:
    return {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{database}", "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
            "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "COLUMNS": "200"}


def test_cli_exports_erases_and_logs_both(tmp_path: Path, nlu_model: Path) -> None:
    database = tmp_path / "privacy.db"
    env = cli_env(database) | {"FRONTDOOR_NLU_MODEL": str(nlu_model)}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0
    chat = frontdoor("chat", "--as", "t-privacy", "--community", "baiyang", env=env,
                     stdin=f"3栋{HOME}的下水道堵了，臭了好几天\n")
    assert "编号 GD" in chat.stdout, chat.stderr

    exported = frontdoor("privacy", "export", "terminal:t-privacy", "-o", str(tmp_path / "out.json"), env=env)
    refused = frontdoor("privacy", "erase", "1", env=env, stdin="n\n")
    erased = frontdoor("privacy", "erase", "terminal:t-privacy", "--yes", "--staff", "by-sec-01", env=env)
    purged = frontdoor("privacy", "purge", env=env)
    listed = frontdoor("audit", "list", env=env)

    assert exported.returncode == 0, exported.stderr
    data: dict[str, Any] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [t["room"] for t in data["tickets"]] == [ROOM]
    assert (tmp_path / "out.json").stat().st_mode & 0o077 == 0
    assert refused.returncode != 0
    assert erased.returncode == 0, erased.stderr
    assert "tickets" in erased.stdout
    assert "0 tickets purged" in purged.stdout, purged.stderr
    assert {"operator", "by-sec-01"} <= set(listed.stdout.split())
    with sqlite3.connect(database) as db:
        entries = db.execute("SELECT a.action, a.subject, s.key FROM audit_log a LEFT JOIN staff s "
                             "ON s.id = a.staff_id ORDER BY a.id").fetchall()
        rooms = db.execute("SELECT room, description FROM tickets").fetchall()
    assert entries == [("export_resident", "resident:1", None), ("erase_resident", "resident:1", "by-sec-01")]
    assert rooms == [(None, "（内容已按居民要求删除）")]
    unknown = frontdoor("privacy", "export", "telegram:555", env=env)
    assert (unknown.returncode, unknown.stderr.split(":")[0]) == (1, "resident_not_found")
