"""WeCom for staff: ticket cards through the fake WeCom API, and staff commands as real
AES-encrypted WeCom XML through the real app over HTTP, judged on the stored rows, on both databases."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.wechat.tokens import token_engine
from bot.channels.wecom.notifier import DESCRIPTION_BYTES, card_description
from bot.channels.wecom.setup import WeCom, build_wecom
from bot.conversation.pipeline import Pipeline
from bot.office.staff_desk import StaffCommand, parse_command
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import OutboxMessage, Staff, Ticket, TicketEvent
from storage.profile import Profile, ProfileError, load_profile
from storage.profile.staff_commands import StaffAction
from tests.bot.transcript import Resident, play
from tests.channels.wecom_server import (
    AES_KEY,
    AGENT_ID,
    TOKEN,
    WeComCallbacks,
    serve_wecom,
    wecom_event_xml,
    wecom_text_xml,
)
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA
from tests.fakes.wechat_api import WECOM_SEND, FakeWeChatAPI

PUBLIC_URL = "https://frontdoor.example.cn"
LIGHT = "3栋楼道灯坏了，晚上黑灯瞎火的"  # lighting: the community's service team, 雷建华
DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"  # drain: building 3's 楼长, who has no WeCom
SERVICE_TEAM = "baiyang_by_svc_01"  # 雷建华, service team
AREA_ONE_LEAD = "baiyang_by_area_01"  # 黎德明, 片长 of 东一片 (buildings 1-17)
AREA_TWO_LEAD = "baiyang_by_area_02"  # 郭红梅, 片长 of 东二片
SECRETARY = "baiyang_by_sec_01"
OTHER_SECRETARY = "qingshui_qs_sec_01"
WINDOW = "baiyang_by_win_01"  # 叶艳


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


@pytest.fixture
def runtime(database_url: str, profile: Profile, pipeline: Pipeline) -> Runtime:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA])
    return Runtime(settings, profile, pipeline.sessions.kw["bind"], pipeline.sessions, pipeline)


@pytest.fixture
def wecom(runtime: Runtime, api: FakeWeChatAPI, database_url: str) -> Iterator[WeCom]:
    """WeCom built as the app will build it; the app under test itself is served without WeCom settings,
    so it mounts `/wecom` only the way `serve_wecom` does."""
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                        wecom_corp_id=api.corpid, wecom_secret=api.corpsecret, wecom_agent_id=AGENT_ID,
                        wecom_token=TOKEN, wecom_aes_key=AES_KEY, wecom_api_base=api.base_url, public_url=PUBLIC_URL)
    engine = token_engine(database_url)
    yield build_wecom(dataclasses.replace(runtime, settings=settings), engine)
    engine.dispose()


@pytest.fixture
async def staff(runtime: Runtime, wecom: WeCom, api: FakeWeChatAPI) -> AsyncIterator[WeComCallbacks]:
    async with serve_wecom(runtime, wecom.callback, api.corpid) as callbacks:
        yield callbacks


async def reported(pipeline: Pipeline, text: str, sender: str = "r-1") -> str:
    """A resident reports a problem in chat; the ticket's number."""
    resident = Resident(pipeline, sender)
    await play(resident, f"居民: {text}\n助手: 已登记")
    async with pipeline.sessions() as session:
        number = await session.scalar(select(Ticket.number).order_by(Ticket.id.desc()).limit(1))
    assert number is not None
    return number


async def ticket_of(sessions: async_sessionmaker[AsyncSession], number: str) -> tuple[Ticket, str, list[str]]:
    """The ticket, its assignee's staff key and its event kinds."""
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assignee = await session.get_one(Staff, ticket.assignee_id)
        kinds = (await session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)
                                       .order_by(TicketEvent.id))).all()
    return ticket, assignee.key, list(kinds)


async def outbox_rows(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list((await session.scalars(query)).all())


async def outbox_row(sessions: async_sessionmaker[AsyncSession], outbox_id: int) -> OutboxMessage:
    async with sessions() as session:
        return await session.get_one(OutboxMessage, outbox_id)


# --- notifications: outbox -> WeCom text card


async def test_a_new_ticket_reaches_its_assignee_as_a_wecom_card(pipeline: Pipeline, wecom: WeCom,
                                                                 api: FakeWeChatAPI) -> None:
    number = await reported(pipeline, LIGHT)
    [row] = await outbox_rows(pipeline.sessions, "ticket_assigned")

    await wecom.notifier.deliver(row.id)
    await wecom.notifier.deliver(row.id)  # already delivered: not sent again

    [sent] = api.sent_messages("wecom")
    assert (sent["touser"], sent["msgtype"], sent["agentid"]) == (SERVICE_TEAM, "textcard", AGENT_ID)
    card = sent["textcard"]
    assert card["title"] == f"新工单 {number}"
    assert card["description"] == card_description(row.payload["text"])
    assert card["description"].startswith(f"【新工单】{number}<br>类别：楼道照明")
    assert card["url"] == f"{PUBLIC_URL}/console/tickets/{number}"
    assert card["btntxt"] == "查看"
    assert (await outbox_row(pipeline.sessions, row.id)).delivered_at == MONDAY_10AM


async def test_a_home_visit_booked_reaches_the_window_as_a_card_to_the_days_bookings(
        pipeline: Pipeline, wecom: WeCom, api: FakeWeChatAPI) -> None:
    await play(Resident(pipeline, "r-visit"), """
        居民: 我腿脚不好 想约上门办理 下周二下午三点 电话13912345678 我住3栋2单元501
        居民: [确认]
        助手: 预约成功
    """)
    rows = await outbox_rows(pipeline.sessions, "home_visit_booked")

    for row in rows:
        await wecom.notifier.deliver(row.id)

    sent = api.sent_messages("wecom")
    assert sorted(message["touser"] for message in sent) == ["baiyang_by_win_01", "baiyang_by_win_02"]
    assert {message["textcard"]["title"] for message in sent} == {"新的上门办理预约"}
    assert {message["textcard"]["url"] for message in sent} == {f"{PUBLIC_URL}/console/appointments?day=2026-12-01"}
    assert all("13912345678" not in message["textcard"]["description"] and "501" not in
               message["textcard"]["description"] for message in sent)


async def test_a_staff_member_without_wecom_is_settled_not_sent(pipeline: Pipeline, wecom: WeCom,
                                                                api: FakeWeChatAPI) -> None:
    await reported(pipeline, DRAIN)
    [row] = await outbox_rows(pipeline.sessions, "ticket_assigned")

    await wecom.notifier.deliver(row.id)

    stored = await outbox_row(pipeline.sessions, row.id)
    assert (stored.delivered_at, stored.undeliverable_reason) == (None, "staff_has_no_wecom")
    assert api.sent_messages("wecom") == []


async def test_a_platform_error_leaves_the_card_to_be_retried(pipeline: Pipeline, wecom: WeCom,
                                                              api: FakeWeChatAPI) -> None:
    await reported(pipeline, LIGHT)
    [row] = await outbox_rows(pipeline.sessions, "ticket_assigned")
    api.fail_next(WECOM_SEND, 45009)

    await wecom.notifier.deliver(row.id)

    failed = await outbox_row(pipeline.sessions, row.id)
    assert (failed.delivered_at, failed.undeliverable_reason, failed.attempts) == (None, None, 1)
    assert str(failed.last_error).startswith("45009")
    assert failed.available_at > MONDAY_10AM

    await wecom.notifier.deliver(row.id)

    assert (await outbox_row(pipeline.sessions, row.id)).delivered_at == MONDAY_10AM
    assert len(api.sent_messages("wecom")) == 1


def test_a_long_description_is_cut_to_whole_characters_within_512_bytes() -> None:
    text = "【新工单】GD20261123-0001\n" + "楼道里<很>吵&" * 100

    description = card_description(text)

    assert len(description.encode()) <= DESCRIPTION_BYTES
    assert description.startswith("【新工单】GD20261123-0001<br>楼道里&lt;很&gt;吵&amp;")
    assert description.endswith("\u2026")
    assert card_description("短\n句") == "短<br>句"


# --- staff commands over the WeCom callback


async def test_wecom_close_from_the_assignee_closes_and_asks_the_resident(
        pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    answer = await staff.say(SERVICE_TEAM, f"办结 {number} 已更换灯泡")

    assert f"工单 {number} 已办结" in answer
    ticket, _, kinds = await ticket_of(pipeline.sessions, number)
    assert ticket.status == "closed"
    assert kinds == ["created", "assigned", "closed"]
    [notice] = await outbox_rows(pipeline.sessions, "ticket_closed")
    assert notice.resident_id == ticket.resident_id
    assert "办理结果：已更换灯泡" in notice.payload["text"]
    assert [label for label, _ in notice.payload["choices"]] == ["满意", "不满意"]


async def test_a_retried_close_gets_the_answer_the_first_try_got_and_acts_once(
        pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)
    callback = wecom_text_xml(staff.corp_id, SERVICE_TEAM, f"办结 {number} 已更换灯泡")

    answers = [staff.decrypt_reply((await staff.post(callback)).text)["Content"] for _ in range(2)]
    other = await staff.say(SERVICE_TEAM, f"办结 {number} 又换了一次")

    assert answers[0] == answers[1]
    assert f"工单 {number} 已办结" in answers[0]
    assert f"工单 {number} 已办结" not in other
    assert len(await outbox_rows(pipeline.sessions, "ticket_closed")) == 1


async def test_the_area_lead_closes_a_ticket_in_their_area(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, DRAIN)

    answer = await staff.say(AREA_ONE_LEAD, f"办结{number}：已疏通")

    assert "已办结" in answer
    assert (await ticket_of(pipeline.sessions, number))[0].status == "closed"
    [notice] = await outbox_rows(pipeline.sessions, "ticket_closed")
    assert "已疏通" in notice.payload["text"]


@pytest.mark.parametrize(("sender", "refusal"), [
    ("somebody-not-on-the-roster", "不在社区工作人员名单"),
    (AREA_TWO_LEAD, "不能处理这件工单"),
    (OTHER_SECRETARY, "不能处理这件工单"),
])
async def test_close_from_anyone_else_is_refused_and_the_ticket_stays_open(
        pipeline: Pipeline, staff: WeComCallbacks, sender: str, refusal: str) -> None:
    number = await reported(pipeline, DRAIN)

    answer = await staff.say(sender, f"办结 {number} 已疏通")

    assert refusal in answer
    ticket, assignee, kinds = await ticket_of(pipeline.sessions, number)
    assert (ticket.status, ticket.closed_at, assignee) == ("open", None, "by-bld-01")
    assert kinds == ["created", "assigned"]
    assert await outbox_rows(pipeline.sessions, "ticket_closed") == []


async def test_close_without_a_result_asks_for_one(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    answer = await staff.say(SERVICE_TEAM, f"办结 {number}")

    assert "请写上办理结果" in answer
    assert (await ticket_of(pipeline.sessions, number))[0].status == "open"


async def test_claim_marks_the_ticket_claimed_once(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    first = await staff.say(SERVICE_TEAM, f"认领 {number}")
    again = await staff.say(SERVICE_TEAM, f"认领 {number.lower()}")

    assert f"已认领工单 {number}（楼道照明）" in first
    assert "处理中" in again
    ticket, assignee, kinds = await ticket_of(pipeline.sessions, number)
    assert (ticket.status, assignee) == ("claimed", "by-svc-01")
    assert kinds == ["created", "assigned", "claimed"]


async def test_the_secretary_claiming_takes_the_ticket_over(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    await staff.say(SECRETARY, f"认领 {number}")

    ticket, assignee, kinds = await ticket_of(pipeline.sessions, number)
    assert (ticket.status, assignee) == ("claimed", "by-sec-01")
    assert kinds == ["created", "assigned", "assigned", "claimed"]


async def test_the_area_lead_hands_a_ticket_on_and_the_new_assignee_gets_a_card(
        pipeline: Pipeline, staff: WeComCallbacks, wecom: WeCom, api: FakeWeChatAPI) -> None:
    number = await reported(pipeline, LIGHT)
    await staff.say(SERVICE_TEAM, f"认领 {number}")

    refused = await staff.say(SERVICE_TEAM, f"转 {number} 叶艳")
    unknown = await staff.say(AREA_ONE_LEAD, f"转 {number} 查无此人")
    moved = await staff.say(AREA_ONE_LEAD, f"转交 {number} 叶艳")

    assert "只有所在片区的片长或社区书记能转派" in refused
    assert "没有叫“查无此人”" in unknown
    assert f"工单 {number} 已转给叶艳" in moved
    ticket, assignee, kinds = await ticket_of(pipeline.sessions, number)
    assert (ticket.status, assignee) == ("open", "by-win-01")
    assert kinds == ["created", "assigned", "claimed", "assigned"]
    [row] = await outbox_rows(pipeline.sessions, "ticket_reassigned")
    assert "黎德明把这件工单转给您承办" in row.payload["text"]

    await wecom.notifier.deliver(row.id)

    [sent] = [m for m in api.sent_messages("wecom") if m["touser"] == WINDOW]
    assert sent["textcard"]["title"] == f"转派工单 {number}"


async def test_mine_lists_a_staff_member_s_open_tickets(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    mine = await staff.say(SERVICE_TEAM, "我的")
    nothing = await staff.say(WINDOW, "我的工单")

    assert "您手上有1件未办结的工单" in mine
    assert f"{number} 楼道照明：待处理" in mine
    assert "没有未办结的工单" in nothing


async def test_anything_else_gets_the_command_help(staff: WeComCallbacks) -> None:
    answer = await staff.say(SERVICE_TEAM, "你好")

    assert "办结 GD20261123-0001 已疏通" in answer
    assert "认领 工单号" in answer


async def test_an_event_gets_an_empty_answer(staff: WeComCallbacks) -> None:
    response = await staff.post(wecom_event_xml(staff.corp_id, SERVICE_TEAM, "enter_agent"))

    assert (response.status_code, response.text) == (200, "")


# --- the callback's checks: refused before anything is read or changed


async def test_url_verification_answers_the_decrypted_echostr(staff: WeComCallbacks) -> None:
    echostr = staff.encrypt("5927782489442352469")

    good = await staff.client.get("/wecom", params={**staff.signed(echostr), "echostr": echostr})
    forged = await staff.client.get("/wecom", params={**staff.signed(echostr, token="guess"), "echostr": echostr})

    assert (good.status_code, good.text) == (200, "5927782489442352469")
    assert forged.status_code == 403


async def test_a_forged_signature_is_refused_and_nothing_changes(pipeline: Pipeline,
                                                                 staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    response = await staff.post(wecom_text_xml(staff.corp_id, SERVICE_TEAM, f"办结 {number} 已修好"),
                                token="not-the-token")

    assert response.status_code == 403
    assert (await ticket_of(pipeline.sessions, number))[0].status == "open"


async def test_an_old_timestamp_is_a_replay_and_refused(pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    response = await staff.post(wecom_text_xml(staff.corp_id, SERVICE_TEAM, f"办结 {number} 已修好"),
                                timestamp=int(time.time()) - 600)

    assert response.status_code == 403
    assert (await ticket_of(pipeline.sessions, number))[0].status == "open"


@pytest.mark.parametrize("body", [
    "<xml><Encrypt>abc</Encrypt>", "not xml at all", "<other><Encrypt>abc</Encrypt></other>",
    "<xml><ToUserName>ww</ToUserName></xml>",
])
async def test_malformed_xml_is_a_400(staff: WeComCallbacks, body: str) -> None:
    response = await staff.client.post("/wecom", params=staff.signed("abc"), content=body)

    assert response.status_code == 400


async def test_a_dtd_is_refused_before_anything_is_expanded(staff: WeComCallbacks) -> None:
    body = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            "<xml><Encrypt>&lol2;</Encrypt></xml>")

    response = await staff.client.post("/wecom", params=staff.signed("lollollol"), content=body)

    assert response.status_code == 400


@pytest.mark.parametrize("encoding", ["GBK", "Shift_JIS", "latin-1", "UTF-16"])
async def test_a_body_in_another_encoding_is_a_400_before_its_signature_is_checked(staff: WeComCallbacks,
                                                                                   encoding: str) -> None:
    envelope = staff.envelope(staff.encrypt(wecom_text_xml(staff.corp_id, SERVICE_TEAM, "我的")))
    body = f'<?xml version="1.0" encoding="{encoding}"?>{envelope}'.encode(encoding.replace("_", "-"))

    response = await staff.client.post("/wecom", params=staff.signed("unsigned"), content=body)

    assert response.status_code == 400


async def test_the_signature_is_checked_before_the_envelope_is_parsed(staff: WeComCallbacks) -> None:
    payload = staff.encrypt(wecom_text_xml(staff.corp_id, SERVICE_TEAM, "我的"))
    unparsable = f"<!DOCTYPE xml [<!ENTITY a \"b\">]><xml><Encrypt>{payload}</Encrypt>&a;"

    forged = await staff.client.post("/wecom", params=staff.signed(payload, token="guess"), content=unparsable)
    signed = await staff.client.post("/wecom", params=staff.signed(payload), content=unparsable)

    assert (forged.status_code, signed.status_code) == (403, 400)


async def test_a_signed_payload_that_does_not_decrypt_is_a_400(staff: WeComCallbacks) -> None:
    garbage = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA=="

    response = await staff.client.post("/wecom", params=staff.signed(garbage), content=staff.envelope(garbage))

    assert response.status_code == 400


# --- reading commands, and the command words in the profile


@pytest.mark.parametrize(("text", "command"), [
    ("认领 GD20261123-0001", StaffCommand(StaffAction.CLAIM, "GD20261123-0001")),
    ("办结 GD20261123-0001 已疏通，已回访", StaffCommand(StaffAction.CLOSE, "GD20261123-0001", "已疏通，已回访")),
    ("办结gd20261123-0001：已疏通", StaffCommand(StaffAction.CLOSE, "GD20261123-0001", "已疏通")),
    ("转交 GD20261123-0012 叶艳", StaffCommand(StaffAction.TRANSFER, "GD20261123-0012", "叶艳")),
    ("  我的 ", StaffCommand(StaffAction.MINE)),
    ("认领 0001", StaffCommand(StaffAction.CLAIM, None, "0001")),
    ("你好", None),
])
def test_commands_are_read_with_the_profile_s_words(profile: Profile, text: str,
                                                    command: StaffCommand | None) -> None:
    assert parse_command(text, profile.staff_commands, profile.district.ticket_prefix) == command


def test_a_word_used_by_two_commands_names_file_and_field(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    words = root / "staff_commands.yaml"
    words.write_text(words.read_text(encoding="utf-8").replace("close: [办结, 结单]", "close: [办结, 认领]"),
                     encoding="utf-8")

    with pytest.raises(ProfileError, match=r"staff_commands.yaml: close\[1\]: '认领' is already a claim word"):
        load_profile(root)


async def test_the_assignee_pauses_a_ticket_from_wecom_and_the_resident_is_told_what_is_needed(
        pipeline: Pipeline, staff: WeComCallbacks) -> None:
    number = await reported(pipeline, LIGHT)

    asked = await staff.say(SERVICE_TEAM, f"暂停 {number}")
    paused = await staff.say(SERVICE_TEAM, f"暂停 {number} 部门 等供电所换线")
    resumed = await staff.say(SERVICE_TEAM, f"恢复 {number}")

    assert "等待其他部门答复" in asked
    assert "部门" in asked
    assert f"工单 {number} 已暂停计时（等待其他部门答复）" in paused
    assert f"工单 {number} 已恢复计时" in resumed
    ticket, _, kinds = await ticket_of(pipeline.sessions, number)
    assert ticket.paused_at is None
    assert kinds == ["created", "assigned", "paused", "resumed"]
    [told] = await outbox_rows(pipeline.sessions, "ticket_paused")
    assert told.resident_id == ticket.resident_id
    assert "等供电所换线" in told.payload["text"]
