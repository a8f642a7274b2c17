"""The staff card on WeCom, through the real notifier and a fake WeCom API: a ticket reopened by a staff member or
by a 回访 on the phone reaches its assignee as a card that says why, with the place, the new deadline and what was
said masked like the logs, all within the 512 bytes WeCom shows; a ticket handed on and a repeated emergency
alert carry the resident's words masked too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.wechat.tokens import token_engine
from bot.channels.wecom.notifier import DESCRIPTION_BYTES
from bot.channels.wecom.setup import WeCom, build_wecom
from bot.conversation.pipeline import Pipeline
from bot.office.follow_ups import record_phone_follow_up
from bot.office.ticket_actions import close_ticket, reassign_ticket, reopen_by_staff
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import Staff, Ticket
from storage.profile import Profile
from tests.bot.transcript import Resident, play
from tests.channels.test_wecom import LIGHT, PUBLIC_URL, SERVICE_TEAM, WINDOW, outbox_rows, reported
from tests.channels.wecom_server import AES_KEY, AGENT_ID, TOKEN
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA
from tests.fakes.wechat_api import FakeWeChatAPI

PHONE = "13812345678"
SECRETARY = "by-sec-01"
LONG_WORDS = "三楼到六楼的灯都不亮，晚上老人上下楼只能摸黑，" * 12
DEADLINE = re.compile(r"请在\d+月\d+日 ?\d\d:\d\d前办结")


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


@pytest.fixture
def wecom(database_url: str, profile: Profile, pipeline: Pipeline, api: FakeWeChatAPI) -> Iterator[WeCom]:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                        wecom_corp_id=api.corpid, wecom_secret=api.corpsecret, wecom_agent_id=AGENT_ID,
                        wecom_token=TOKEN, wecom_aes_key=AES_KEY, wecom_api_base=api.base_url, public_url=PUBLIC_URL)
    engine = token_engine(database_url)
    yield build_wecom(Runtime(settings, profile, pipeline.sessions.kw["bind"], pipeline.sessions, pipeline), engine)
    engine.dispose()


async def closed_light(pipeline: Pipeline) -> Ticket:
    """A resident's lighting report, closed by its assignee (the service team, who has WeCom)."""
    number = await reported(pipeline, LIGHT)
    async with pipeline.sessions() as session, session.begin():
        ticket = (await session.scalars(select(Ticket).where(Ticket.number == number))).one()
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, pipeline.profile, number, assignee.key, "已更换灯泡", MONDAY_10AM)
    return ticket


async def delivered_cards(pipeline: Pipeline, wecom: WeCom, api: FakeWeChatAPI) -> list[dict[str, str]]:
    """The WeCom cards of the reopened tickets, sent to the service team."""
    for row in await outbox_rows(pipeline.sessions, "ticket_reopened"):
        await wecom.notifier.deliver(row.id)
    return [sent["textcard"] for sent in api.sent_messages("wecom") if sent["touser"] == SERVICE_TEAM]


async def test_a_ticket_reopened_by_the_secretary_tells_its_assignee_who_reopened_it_and_why(
        pipeline: Pipeline, wecom: WeCom, api: FakeWeChatAPI) -> None:
    ticket = await closed_light(pipeline)
    async with pipeline.sessions() as session, session.begin():
        await reopen_by_staff(session, pipeline.profile, ticket.number or "", SECRETARY,
                              f"居民来电说又不亮了，电话{PHONE}", MONDAY_10AM + timedelta(hours=1))
        secretary = (await session.scalars(select(Staff).where(Staff.key == SECRETARY))).one()

    [card] = await delivered_cards(pipeline, wecom, api)

    assert card["title"] == f"工单重开 {ticket.number}"
    assert f"重开原因：{secretary.name}重新打开了工单" in card["description"]
    assert "居民来电说又不亮了" in card["description"]
    assert PHONE not in card["description"]
    assert "不满意" not in card["description"]
    assert "地点：白杨社区3栋" in card["description"]
    assert DEADLINE.search(card["description"])
    assert card["url"] == f"{PUBLIC_URL}/console/tickets/{ticket.number}"


async def test_a_phone_follow_up_that_finds_it_broken_again_says_so_and_keeps_place_and_deadline_in_the_card(
        pipeline: Pipeline, wecom: WeCom, api: FakeWeChatAPI) -> None:
    ticket = await closed_light(pipeline)
    async with pipeline.sessions() as session, session.begin():
        await record_phone_follow_up(session, pipeline.profile, ticket.number or "", SECRETARY, False, False,
                                     LONG_WORDS + PHONE, MONDAY_10AM + timedelta(days=3))
        secretary = (await session.scalars(select(Staff).where(Staff.key == SECRETARY))).one()

    [card] = await delivered_cards(pipeline, wecom, api)

    assert f"重开原因：{secretary.name}电话回访时，居民说问题又出现了" in card["description"]
    assert "地点：白杨社区3栋" in card["description"]
    assert DEADLINE.search(card["description"])
    assert "三楼到六楼的灯都不亮" in card["description"]
    assert PHONE not in card["description"]
    assert len(card["description"].encode()) <= DESCRIPTION_BYTES


async def test_a_ticket_handed_on_reaches_its_new_assignee_with_the_words_masked_after_the_deadline(
        pipeline: Pipeline, wecom: WeCom, api: FakeWeChatAPI) -> None:
    number = await reported(pipeline, f"3栋楼道灯坏了，晚上黑灯瞎火的，有事打我电话{PHONE}")
    async with pipeline.sessions() as session, session.begin():
        target = (await session.scalars(select(Staff).where(Staff.key == "by-win-01"))).one()
        await reassign_ticket(session, pipeline.profile, number, SECRETARY, target, MONDAY_10AM)
    [row] = await outbox_rows(pipeline.sessions, "ticket_reassigned")

    await wecom.notifier.deliver(row.id)

    [card] = [sent["textcard"] for sent in api.sent_messages("wecom") if sent["touser"] == WINDOW]
    assert "有事打我电话" in card["description"]
    assert PHONE not in card["description"]
    deadline = DEADLINE.search(card["description"])
    assert deadline is not None
    assert deadline.start() < card["description"].index("有事打我电话")


async def test_a_repeated_emergency_alert_masks_what_the_resident_wrote_again(pipeline: Pipeline) -> None:
    resident = Resident(pipeline, "r-scammed")
    await play(resident, "居民: 我刚被骗转了两万，对方说是公安局的")
    await play(resident, f"居民: 救命，他们还在打电话让我继续转账，我电话{PHONE}")

    alerts = await outbox_rows(pipeline.sessions, "emergency_alert")

    assert len(alerts) == 2
    assert "继续转账" in alerts[1].payload["text"]
    assert PHONE not in alerts[1].payload["text"]
