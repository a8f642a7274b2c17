"""The staff card on Telegram, through the real app and python-telegram-bot against a fake Bot API: the resident's
words masked like the logs, the place, the deadline and the buttons, and a reopened ticket's card saying why."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.conversation.pipeline import Pipeline
from storage.profile import Profile
from tests.channels.test_telegram import (
    RESIDENT,
    SERVICE_TEAM,
    TOKEN,
    _message_ids,
    buttons_of,
    post,
    say,
    telegram_runtime,
)
from tests.channels.wechat_server import serve_app
from tests.fakes.telegram_api import FakeTelegramAPI, callback_update

PHONE = "13812345678"
STAFF_BUTTONS = {"认领", "办结", "转派", "暂停"}
DEADLINE = re.compile(r"请在\d+月\d+日 ?\d\d:\d\d前办结")


@pytest.fixture
def api() -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
async def app(database_url: str, api: FakeTelegramAPI, profile: Profile,
              pipeline: Pipeline) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(telegram_runtime(database_url, api, profile, pipeline)) as client:
        yield client


async def test_a_reopened_ticket_s_card_says_the_resident_was_not_satisfied_and_masks_what_they_said(
        app: httpx.AsyncClient, api: FakeTelegramAPI) -> None:
    await post(app, say(RESIDENT, f"3栋楼道灯坏了，晚上黑灯瞎火的，有事打我电话{PHONE}"))
    await api.wait_for_async(lambda: len(api.sent_messages(SERVICE_TEAM)) == 1)
    [new] = api.sent_messages(SERVICE_TEAM)
    number = re.search(r"GD\d{8}-\d{4}", new["text"])
    assert number is not None
    assert PHONE not in new["text"]
    assert "有事打我电话***" in new["text"]
    assert "地点：白杨社区3栋" in new["text"]
    assert DEADLINE.search(new["text"])
    assert set(buttons_of(new)) == STAFF_BUTTONS

    await post(app, callback_update(SERVICE_TEAM, SERVICE_TEAM, buttons_of(new)["办结"], next(_message_ids)))
    await api.wait_for_async(lambda: any(buttons_of(m) for m in api.sent_messages(RESIDENT)[1:]))
    closed = next(m for m in api.sent_messages(RESIDENT)[1:] if buttons_of(m))
    await post(app, callback_update(RESIDENT, RESIDENT, buttons_of(closed)["不满意"], next(_message_ids)))
    await api.wait_for_async(lambda: any("工单重开" in str(m["text"]) for m in api.sent_messages(SERVICE_TEAM)))
    await post(app, say(RESIDENT, f"灯还是一闪一闪的，师傅来之前先打{PHONE}"))
    await api.wait_for_async(lambda: any("居民补充" in str(m["text"]) for m in api.sent_messages(SERVICE_TEAM)))

    reopened = next(m for m in api.sent_messages(SERVICE_TEAM) if "工单重开】" in str(m["text"]))
    note = next(m for m in api.sent_messages(SERVICE_TEAM) if "居民补充" in str(m["text"]))
    assert number.group() in reopened["text"]
    assert "重开原因：居民对办理结果不满意" in reopened["text"]
    assert "地点：白杨社区3栋" in reopened["text"]
    assert DEADLINE.search(reopened["text"])
    assert PHONE not in reopened["text"]
    assert set(buttons_of(reopened)) == STAFF_BUTTONS
    assert "灯还是一闪一闪的" in note["text"]
    assert PHONE not in note["text"]
