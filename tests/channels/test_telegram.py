"""Telegram through the real app and python-telegram-bot, against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from bot.conversation.pipeline import Pipeline
from bot.office.staff_links import issue_link_code
from bot.runtime import Runtime
from bot.settings import Settings
from storage.models import Attachment, ChannelIdentity, Ticket
from storage.profile import Profile
from tests.channels.wechat_server import serve_app
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update, location_update, message_update
from tests.fakes.telegram_updates import voice_update

TOKEN = "123456:TEST-frontdoor"
SECRET = "webhook-secret-1"
LIGHT = "3栋楼道灯坏了，晚上黑灯瞎火的"
SERVICE_TEAM = 700100110  # 雷建华, who handles lighting in 白杨社区
RESIDENT = 555001
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


def telegram_runtime(database_url: str, api: FakeTelegramAPI, profile: Profile, pipeline: Pipeline) -> Runtime:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                        telegram_token=TOKEN, telegram_webhook_secret=SECRET, telegram_api_base=api.base_url,
                        telegram_community="baiyang")
    return Runtime(settings, profile, pipeline.sessions.kw["bind"], pipeline.sessions, pipeline)


@pytest.fixture
async def app(database_url: str, api: FakeTelegramAPI, profile: Profile,
              pipeline: Pipeline) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(telegram_runtime(database_url, api, profile, pipeline)) as client:
        yield client


async def post(app: httpx.AsyncClient, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    """Posts as Telegram would: with the update id and the message dates Telegram fills in."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    for message in (update.get("message"), (update.get("callback_query") or {}).get("message")):
        if message is not None:
            message.setdefault("date", int(time.time()))
    return await app.post("/telegram/webhook", json={"update_id": next(_update_ids), **update}, headers=headers)


def say(chat: int, text: str) -> dict[str, Any]:
    return message_update(chat, chat, text, message_id=next(_message_ids))


def texts_to(api: FakeTelegramAPI, chat: int) -> list[str]:
    return [str(m["text"]) for m in api.sent_messages(chat)]


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_report_claim_close_and_the_satisfaction_question(app: httpx.AsyncClient, api: FakeTelegramAPI,
                                                                pipeline: Pipeline) -> None:
    assert (await post(app, say(RESIDENT, LIGHT))).status_code == 200
    [answer] = texts_to(api, RESIDENT)
    number = re.search(r"GD\d{8}-\d{4}", answer)
    assert number is not None

    await api.wait_for_async(lambda: len(api.sent_messages(SERVICE_TEAM)) == 1)
    [card] = api.sent_messages(SERVICE_TEAM)
    buttons = buttons_of(card)
    assert number.group() in card["text"]
    assert set(buttons) == {"认领", "办结", "转派", "暂停"}

    await post(app, callback_update(SERVICE_TEAM, SERVICE_TEAM, buttons["认领"], next(_message_ids)))
    await api.wait_for_async(lambda: len(api.sent_messages(RESIDENT)) == 2)
    await post(app, callback_update(SERVICE_TEAM, SERVICE_TEAM, buttons["办结"], next(_message_ids)))
    await api.wait_for_async(lambda: len(api.sent_messages(RESIDENT)) == 3)

    _, claimed, closed = api.sent_messages(RESIDENT)
    assert "雷建华接手" in claimed["text"]
    assert number.group() in closed["text"]
    assert set(buttons_of(closed)) == {"满意", "不满意"}
    staff_answers = texts_to(api, SERVICE_TEAM)[1:]
    assert any("认领" in t or "接手" in t for t in staff_answers)
    assert any("办结" in t for t in staff_answers)
    async with pipeline.sessions() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None
    assert ticket.status == "closed"

    await post(app, callback_update(RESIDENT, RESIDENT, buttons_of(closed)["满意"], next(_message_ids)))
    await api.wait_for_async(lambda: len(api.sent_messages(RESIDENT)) == 4)


async def test_a_resident_pressing_a_forwarded_staff_button_gets_nothing(app: httpx.AsyncClient,
                                                                         api: FakeTelegramAPI) -> None:
    await post(app, say(RESIDENT, LIGHT))
    await api.wait_for_async(lambda: len(api.sent_messages(SERVICE_TEAM)) == 1)
    claim = buttons_of(api.sent_messages(SERVICE_TEAM)[0])["认领"]

    response = await post(app, callback_update(RESIDENT, RESIDENT, claim, next(_message_ids)))

    assert response.status_code == 200
    assert len(api.sent_messages(RESIDENT)) == 1
    assert len(api.calls_of("answerCallbackQuery")) == 1


@pytest.mark.parametrize("secret", [None, "guess"], ids=["missing", "wrong"])
async def test_a_webhook_call_without_the_secret_is_refused(app: httpx.AsyncClient, api: FakeTelegramAPI,
                                                            secret: str | None) -> None:
    response = await post(app, say(RESIDENT, LIGHT), secret=secret)

    assert response.status_code == 403
    assert api.sent_messages() == []


async def test_choices_are_an_inline_keyboard_and_a_press_answers_them(app: httpx.AsyncClient,
                                                                       api: FakeTelegramAPI) -> None:
    await post(app, say(RESIDENT, "我想学点安全知识"))
    [menu] = api.sent_messages(RESIDENT)
    fire = buttons_of(menu)["火灾"]

    await post(app, callback_update(RESIDENT, RESIDENT, fire, next(_message_ids)))

    assert "【火灾安全提醒】" in texts_to(api, RESIDENT)[1]


async def test_commands_and_a_shared_location(app: httpx.AsyncClient, api: FakeTelegramAPI, profile: Profile,
                                              pipeline: Pipeline) -> None:
    latitude, longitude = profile.building_locations["baiyang"].buildings["7"]

    await post(app, say(RESIDENT, "/start"))
    await post(app, location_update(RESIDENT, RESIDENT, latitude, longitude, message_id=next(_message_ids)))

    greeting, located = texts_to(api, RESIDENT)
    assert "社区服务助手" in greeting
    assert "白杨社区7栋" in located
    async with pipeline.sessions() as session:
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == str(RESIDENT)))
    assert identity is not None
    assert identity.channel == "telegram"


LONE_SURROGATE = (b'{"update_id": 6, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, '
                  b'"from": {"id": 5, "is_bot": false, "first_name": "a"}, "text": "\\ud800 \xe6\xa5\xbc"}}')


NOT_UPDATES = [b"not json", b"[1, 2]", b'{"update_id": 5, "message": {"text": "x"}}', LONE_SURROGATE]


@pytest.mark.parametrize("body", NOT_UPDATES,
                         ids=["not-json", "a-list", "no-message-fields", "lone-surrogate"])
async def test_a_body_that_is_not_an_update_is_a_400(app: httpx.AsyncClient, body: bytes) -> None:
    response = await app.post("/telegram/webhook", content=body,
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

    assert response.status_code == 400


async def test_an_emoji_sent_as_an_escaped_surrogate_pair_is_ordinary_text(app: httpx.AsyncClient,
                                                                             api: FakeTelegramAPI) -> None:
    update = json.dumps({"update_id": next(_update_ids), "message": {
        "message_id": next(_message_ids), "date": int(time.time()), "chat": {"id": RESIDENT, "type": "private"},
        "from": {"id": RESIDENT, "is_bot": False, "first_name": "a"}, "text": "你好\U0001F600"}})
    assert "\\ud83d\\ude00" in update
    response = await app.post("/telegram/webhook", content=update.encode(),
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

    assert response.status_code == 200
    await api.wait_for_async(lambda: len(texts_to(api, RESIDENT)) == 1)


async def test_staff_commands_list_mine_overdue_and_one_ticket(app: httpx.AsyncClient, api: FakeTelegramAPI) -> None:
    await post(app, say(RESIDENT, LIGHT))
    number = re.search(r"GD\d{8}-\d{4}", texts_to(api, RESIDENT)[0])
    assert number is not None

    for command in ("/mine", "/overdue", f"/ticket {number.group()}", "/start"):
        await post(app, say(SERVICE_TEAM, command))

    answers = [str(m["text"]) for m in api.sent_messages(SERVICE_TEAM) if not m.get("reply_markup")]
    mine, overdue, shown, help_text = answers
    assert number.group() in mine
    assert "没有超时" in overdue
    assert number.group() in shown
    assert "楼道灯" in shown
    assert "/overdue" in help_text


async def test_a_one_time_code_links_a_new_staff_account(app: httpx.AsyncClient, api: FakeTelegramAPI,
                                                        pipeline: Pipeline) -> None:
    async with pipeline.sessions() as session, session.begin():
        code = await issue_link_code(session, "by-area-01", "telegram", pipeline.clock())
    newcomer = 424242

    linked = await post(app, say(newcomer, f"/link {code}"))
    again = await post(app, say(newcomer + 1, f"/link {code}"))
    await post(app, say(newcomer, "/mine"))

    first, second = texts_to(api, newcomer)[0], texts_to(api, newcomer + 1)[0]
    assert linked.status_code == again.status_code == 200
    assert "已绑定" in first
    assert "无效" in second
    assert "工单" in texts_to(api, newcomer)[1]


def test_long_polling_answers_what_is_waiting(tmp_path: Path, api: FakeTelegramAPI, nlu_model: Path,
                                              logging_restored: None) -> None:
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'poll.db'}",
           "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model), "FRONTDOOR_TELEGRAM_TOKEN": TOKEN,
           "FRONTDOOR_TELEGRAM_API_BASE": api.base_url, "FRONTDOOR_TELEGRAM_COMMUNITY": "baiyang"}
    api.push_update(message_update(RESIDENT, RESIDENT, LIGHT))

    for args in (("db", "upgrade"), ("telegram", "poll", "--once")):
        done = frontdoor(*args, env=env)
        assert done.returncode == 0, done.stderr

    [answer] = texts_to(api, RESIDENT)
    assert re.search(r"GD\d{8}-\d{4}", answer)
    assert [c.method for c in api.calls].count("deleteWebhook") == 1


async def test_a_voice_note_goes_with_the_open_ticket_its_handler_is_told_and_the_audio_is_fetched(
        app: httpx.AsyncClient, api: FakeTelegramAPI, pipeline: Pipeline) -> None:
    audio = b"OggS" + bytes(range(256)) * 4
    api.serve_file("AwACAgVoiceNote1", audio)
    await post(app, say(RESIDENT, LIGHT))
    await post(app, voice_update(RESIDENT, RESIDENT, file_id="AwACAgVoiceNote1", message_id=next(_message_ids)))
    await api.wait_for_async(lambda: len(texts_to(api, RESIDENT)) == 2)
    await api.wait_for_async(lambda: any("【居民语音】" in text for text in texts_to(api, SERVICE_TEAM)), timeout=15)

    async def fetched() -> Attachment | None:
        async with pipeline.sessions() as session:
            return await session.scalar(select(Attachment).options(undefer(Attachment.content))
                                        .where(Attachment.content_type.is_not(None)))

    deadline = time.monotonic() + 15
    while (note := await fetched()) is None:
        assert time.monotonic() < deadline, "the voice note's audio never arrived"
        await asyncio.sleep(0.2)
    async with pipeline.sessions() as session:
        ticket = (await session.scalars(select(Ticket))).one()

    assert f"语音收到了，已附在您的事项 {ticket.number} 上，雷建华会听并回复您" in texts_to(api, RESIDENT)[1]
    assert (note.kind, note.ticket_id, note.content_type, note.content) == ("voice", ticket.id, "audio/ogg", audio)


async def test_a_callback_id_another_user_already_used_is_their_own_press(app: httpx.AsyncClient,
                                                                           api: FakeTelegramAPI) -> None:
    neighbour = RESIDENT + 7
    for chat in (RESIDENT, neighbour):
        await post(app, say(chat, "你好"))
    await api.wait_for_async(lambda: bool(texts_to(api, RESIDENT)) and bool(texts_to(api, neighbour)))
    menu = buttons_of(api.sent_messages(RESIDENT)[0])
    reused = "4398046519999"

    await post(app, callback_update(RESIDENT, RESIDENT, menu["反映问题"], next(_message_ids), query_id=reused))
    await post(app, callback_update(neighbour, neighbour, menu["开证明"], next(_message_ids), query_id=reused))
    await api.wait_for_async(lambda: len(texts_to(api, RESIDENT)) == 2 and len(texts_to(api, neighbour)) == 2)

    assert texts_to(api, RESIDENT)[1] != texts_to(api, neighbour)[1]
    assert "证明" in texts_to(api, neighbour)[1]
