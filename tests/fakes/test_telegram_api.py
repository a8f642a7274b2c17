"""The fake Telegram Bot API, driven by the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.conftest import ServeModule
from tests.fakes.telegram_api import (
    OUTAGE_PATH,
    REPORT_PATH,
    UNANSWERED_PATH,
    FakeTelegramAPI,
    FloodLimits,
    RateReport,
    UploadedFile,
    callback_update,
    location_update,
    measure_rates,
    message_update,
    photo_update,
)

TOKEN = "7001:fake-token"
RESIDENT = 42  # a private chat's id is the resident's user id
GROUP = -1001234567890
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("报修", callback_data="repair")]])


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when RetryAfter.retry_after is read as an int; opt in to the coming timedelta."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


class Seconds:
    """The fake's clock, moved by hand: windows and rates are then the test's, not the machine's pace."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def api(seconds: Seconds) -> Iterator[FakeTelegramAPI]:
    with FakeTelegramAPI(TOKEN, username="frontdoor_test_bot", clock=seconds) as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.bot_base_url) as client:  # initialising calls getMe
        yield client


async def test_get_me_answers_the_configured_bot(api: FakeTelegramAPI, bot: Bot) -> None:
    assert (bot.id, bot.username) == (7001, "frontdoor_test_bot")
    assert [(c.method, c.outcome) for c in api.calls] == [("getMe", "ok")]


async def test_send_message_records_text_and_inline_keyboard(api: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_message(RESIDENT, "您的报修单已受理", reply_markup=KEYBOARD)

    assert (sent.message_id, sent.chat.id, sent.text) == (1, RESIDENT, "您的报修单已受理")
    assert sent.reply_markup == KEYBOARD
    assert api.sent_messages(RESIDENT) == [
        {
            "chat_id": RESIDENT,
            "text": "您的报修单已受理",
            "reply_markup": {"inline_keyboard": [[{"text": "报修", "callback_data": "repair"}]]},
        }
    ]


async def test_message_ids_increase_per_chat(bot: Bot) -> None:
    ids = [(await bot.send_message(chat, "hi")).message_id for chat in (RESIDENT, RESIDENT, 43, RESIDENT)]

    assert ids == [1, 2, 1, 3]


async def test_pushed_message_comes_back_from_get_updates_once(api: FakeTelegramAPI, bot: Bot) -> None:
    update_id = api.push_update(message_update(RESIDENT, RESIDENT, "3栋电梯坏了"))

    [update] = await bot.get_updates(timeout=0)
    confirmed = await bot.get_updates(offset=update_id + 1, timeout=0)

    assert update.update_id == update_id
    assert update.message is not None
    assert update.message.text == "3栋电梯坏了"
    assert update.effective_user is not None
    assert update.effective_user.id == RESIDENT
    assert confirmed == ()


async def test_a_command_carries_its_bot_command_entity(api: FakeTelegramAPI, bot: Bot) -> None:
    api.push_update(message_update(RESIDENT, RESIDENT, "/start ref"))

    [update] = await bot.get_updates(timeout=0)

    assert update.message is not None
    assert update.message.parse_entities(["bot_command"]).popitem()[1] == "/start"


async def test_location_and_photo_updates_parse(api: FakeTelegramAPI, bot: Bot) -> None:
    api.push_update(location_update(RESIDENT, RESIDENT, 31.23, 121.47))
    api.push_update(photo_update(RESIDENT, RESIDENT, file_id="AgAC-leak", caption="漏水"))

    located, photographed = await bot.get_updates(timeout=0)

    assert located.message is not None
    assert located.message.location is not None
    assert located.message.location.latitude == 31.23
    assert photographed.message is not None
    assert photographed.message.caption == "漏水"
    assert photographed.message.photo[-1].file_id == "AgAC-leak"
    assert photographed.message.message_id == located.message.message_id + 1


async def test_application_polls_and_replies_through_the_fake(api: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("欢迎")

    app = ApplicationBuilder().token(TOKEN).base_url(api.bot_base_url).build()
    app.add_handler(CommandHandler("start", start))
    api.push_update(message_update(RESIDENT, RESIDENT, "/start"))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        await api.wait_for_async(lambda: len(api.sent_messages(RESIDENT)) == 1)
        await app.updater.stop()
        await app.stop()

    assert api.sent_messages(RESIDENT)[0]["text"] == "欢迎"
    assert api.calls_of("deleteWebhook")  # PTB's polling bootstrap


async def test_get_updates_long_polls_until_an_update_arrives(api: FakeTelegramAPI, bot: Bot) -> None:
    threading.Timer(0.1, api.push_update, args=(message_update(RESIDENT, RESIDENT, "在吗"),)).start()

    [update] = await bot.get_updates(timeout=5)  # an answer at once would be empty

    assert update.message is not None
    assert update.message.text == "在吗"


async def test_get_updates_answers_empty_once_its_timeout_passes_with_nothing(bot: Bot) -> None:
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=300)) == ()


async def test_button_press_is_answered_and_its_message_edited(api: FakeTelegramAPI, bot: Bot) -> None:
    sent = await bot.send_message(RESIDENT, "选择类型", reply_markup=KEYBOARD)
    api.push_update(callback_update(RESIDENT, RESIDENT, "repair", sent.message_id, query_id="q-1"))

    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.data == "repair"
    assert await bot.answer_callback_query(update.callback_query.id, text="已选择")
    edited = await bot.edit_message_text("已选择：报修", chat_id=RESIDENT, message_id=sent.message_id)

    assert isinstance(edited, type(sent))
    assert (edited.text, edited.reply_markup) == ("已选择：报修", None)  # an edit drops an unrepeated keyboard
    assert [c.params for c in api.calls_of("answerCallbackQuery")] == [{"callback_query_id": "q-1", "text": "已选择"}]


async def test_edit_with_identical_content_is_refused_as_telegram_does(bot: Bot) -> None:
    sent = await bot.send_message(RESIDENT, "选择类型", reply_markup=KEYBOARD)

    # PTB strips Telegram's "Bad Request: " prefix and capitalises what remains.
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(RESIDENT, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=RESIDENT, message_id=99)


async def test_injected_429_raises_retry_after_once(api: FakeTelegramAPI, bot: Bot) -> None:
    api.fail("sendMessage", 429, retry_after=7)

    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(RESIDENT, "first")
    await bot.send_message(RESIDENT, "second")

    assert excinfo.value.retry_after == dtm.timedelta(seconds=7)
    assert [c.outcome for c in api.calls_of("sendMessage")] == [429, "ok"]


async def test_injected_403_fails_one_chat_only(api: FakeTelegramAPI, bot: Bot) -> None:
    api.fail("sendMessage", 403, chat_id=RESIDENT)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(RESIDENT, "hello")
    await bot.send_message(43, "hello")

    assert [c.chat_id for c in api.calls_of("sendMessage")] == [RESIDENT, 43]
    assert [m["chat_id"] for m in api.sent_messages()] == [43]


async def test_held_answer_times_out_the_client(api: FakeTelegramAPI) -> None:
    api.timeout("sendMessage", seconds=1.0)
    async with Bot(TOKEN, base_url=api.bot_base_url, request=HTTPXRequest(read_timeout=0.2)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(RESIDENT, "hello")

    assert [c.outcome for c in api.calls_of("sendMessage")] == ["timeout"]
    assert api.sent_messages() == []


async def test_delivered_timeout_sends_the_message_but_loses_the_answer(api: FakeTelegramAPI) -> None:
    api.timeout("sendMessage", seconds=1.0, deliver=True)
    async with Bot(TOKEN, base_url=api.bot_base_url, request=HTTPXRequest(read_timeout=0.2)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(RESIDENT, "hello")

    [call] = api.calls_of("sendMessage")
    assert (call.outcome, call.held) == ("ok", 1.0)
    assert len(api.sent_messages(RESIDENT)) == 1


async def test_wrong_token_is_rejected(api: FakeTelegramAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("7001:not-the-token", base_url=api.bot_base_url):
            pass

    assert [(c.method, c.outcome) for c in api.calls] == [("getMe", 401)]


async def test_failure_window_fails_every_call_until_it_closes(
        api: FakeTelegramAPI, bot: Bot, seconds: Seconds) -> None:
    api.fail_for(0.5, 502)

    for chat in (RESIDENT, 43):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(chat, "hello")
    seconds.now += 0.25
    with pytest.raises(NetworkError):
        await bot.get_me()
    seconds.now += 0.25
    await bot.send_message(RESIDENT, "hello")

    assert [c.outcome for c in api.calls[1:]] == [502, 502, 502, "ok"]


async def test_enforced_limits_refuse_a_second_message_to_a_chat_within_a_second(seconds: Seconds) -> None:
    with FakeTelegramAPI(TOKEN, enforce_limits=True, clock=seconds) as api:
        async with Bot(TOKEN, base_url=api.bot_base_url) as bot:
            await bot.send_message(RESIDENT, "one")
            await bot.send_message(43, "another chat is fine")
            seconds.now += 0.75
            with pytest.raises(RetryAfter) as excinfo:
                await bot.send_message(RESIDENT, "two")
            seconds.now += 0.25
            await bot.send_message(RESIDENT, "two, a second after one")

        assert excinfo.value.retry_after == dtm.timedelta(seconds=1)
        assert api.rate_report().max_per_chat_per_second == 1
        assert [m["chat_id"] for m in api.sent_messages()] == [RESIDENT, 43, RESIDENT]


async def test_enforced_limits_count_all_chats_and_groups(seconds: Seconds) -> None:
    limits = FloodLimits(per_chat=100, overall=3, per_group=2)
    with FakeTelegramAPI(TOKEN, enforce_limits=limits, clock=seconds) as api:
        async with Bot(TOKEN, base_url=api.bot_base_url) as bot:
            await bot.send_message(GROUP, "停水通知")
            await bot.send_message(GROUP, "停电通知")
            with pytest.raises(RetryAfter) as in_group:
                await bot.send_message(GROUP, "third to the group")
            await bot.send_message(RESIDENT, "third overall")
            with pytest.raises(RetryAfter):
                await bot.send_message(43, "fourth overall")

        assert in_group.value.retry_after.total_seconds() > 50  # type: ignore[union-attr]
        assert api.rate_report().max_overall_per_second == 3


def test_rate_figures_of_a_known_sequence() -> None:
    sends = [(10.0, 1), (10.5, 1), (10.6, 2), (11.2, 1), (12.0, GROUP), (40.0, GROUP), (70.0, GROUP)]

    assert measure_rates(sends) == RateReport(
        messages=7,
        max_per_chat_per_second=2,  # 10.0 and 10.5; 11.2 is a second after 10.0 but not 10.5
        max_overall_per_second=3,  # 10.0, 10.5, 10.6
        max_per_group_per_minute=3,  # 12.0, 40.0, 70.0
        span=60.0,
    )
    assert measure_rates([]) == RateReport(0, 0, 0, 0, 0.0)


async def test_rate_report_reads_the_recorded_sends(api: FakeTelegramAPI, bot: Bot, seconds: Seconds) -> None:
    for chat in (RESIDENT, 43, RESIDENT, 43):
        await bot.send_message(chat, "hi")
        seconds.now += 0.375

    report = api.rate_report()

    assert (report.messages, report.max_per_chat_per_second, report.max_overall_per_second) == (4, 2, 3)
    assert report.span == 1.125


async def test_send_photo_by_file_id_and_by_upload(api: FakeTelegramAPI, bot: Bot) -> None:
    by_id = await bot.send_photo(RESIDENT, "AgAC-known", caption="平面图")
    uploaded = await bot.send_photo(RESIDENT, b"\x89PNG fake bytes", filename="map.png")

    assert by_id.photo[-1].file_id == "AgAC-known"
    assert uploaded.photo
    first, second = (c.params for c in api.calls_of("sendPhoto"))
    assert first == {"chat_id": RESIDENT, "photo": "AgAC-known", "caption": "平面图"}
    assert second["chat_id"] == RESIDENT
    assert second["photo"] == UploadedFile("map.png", "image/png", b"\x89PNG fake bytes")


async def test_webhook_is_set_reported_and_blocks_get_updates(api: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_webhook("https://frontdoor.example/telegram", secret_token="s3cret")
    api.push_update(message_update(RESIDENT, RESIDENT, "hi"))

    info = await bot.get_webhook_info()
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook(drop_pending_updates=True)

    assert (info.url, info.pending_update_count) == ("https://frontdoor.example/telegram", 1)
    assert api.webhook == {"url": ""}
    assert api.calls_of("setWebhook")[0].params["secret_token"] == "s3cret"
    assert await bot.get_updates(timeout=0) == ()


def test_json_bodies_are_accepted_too(api: FakeTelegramAPI) -> None:
    body = json.dumps({"chat_id": RESIDENT, "text": "123"}).encode()
    request = urllib.request.Request(
        f"{api.bot_base_url}{TOKEN}/sendMessage", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as res:
        assert json.load(res)["result"]["text"] == "123"

    assert api.sent_messages() == [{"chat_id": RESIDENT, "text": "123"}]


def test_wait_for_sees_a_call_from_another_thread(api: FakeTelegramAPI) -> None:
    url = f"{api.bot_base_url}{TOKEN}/getMe"
    threading.Timer(0.05, lambda: urllib.request.urlopen(url).close()).start()

    api.wait_for(lambda: len(api.calls_of("getMe")) == 1, timeout=5)
    with pytest.raises(TimeoutError):
        api.wait_for(lambda: len(api.calls_of("getMe")) == 2, timeout=0.05)


async def test_wait_for_async_lets_the_event_loop_run(api: FakeTelegramAPI, bot: Bot) -> None:
    asyncio.get_running_loop().call_later(0.05, asyncio.ensure_future, bot.send_message(RESIDENT, "later"))

    await api.wait_for_async(lambda: len(api.sent_messages()) == 1, timeout=5)


async def test_mixed_outage_takes_turns_then_ends(api: FakeTelegramAPI, seconds: Seconds) -> None:
    async with Bot(TOKEN, base_url=api.bot_base_url, request=HTTPXRequest(read_timeout=0.2)) as bot:
        api.outage(1.0, "mixed", retry_after=3, hold=0.4)
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(RESIDENT, "one")
        with pytest.raises(TimedOut):
            await bot.send_message(43, "two")
        seconds.now += 0.75
        with pytest.raises(TimedOut):
            await bot.send_message(44, "three")
        seconds.now += 0.25
        await bot.send_message(45, "after")

    assert refused.value.retry_after == dtm.timedelta(seconds=3)
    assert [c.outcome for c in api.calls_of("sendMessage")] == [429, "timeout", "ok", "ok"]
    assert [m["chat_id"] for m in api.sent_messages()] == [44, 45], "the accepted timeout took effect"


def test_outage_started_over_http_is_reported_with_the_unanswered_sends(api: FakeTelegramAPI) -> None:
    def get(path: str) -> Any:
        with urllib.request.urlopen(f"{api.base_url}{path}", timeout=5) as res:
            return json.load(res)["result"]

    def send(chat: int) -> None:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{api.bot_base_url}{TOKEN}/sendMessage?chat_id={chat}&text=hi", timeout=0.2)

    request = urllib.request.Request(f"{api.base_url}{OUTAGE_PATH}?kind=accepted-timeout&seconds=5&hold=0.3",
                                     method="POST")
    urllib.request.urlopen(request).close()
    send(RESIDENT)
    send(43)

    assert get(UNANSWERED_PATH) == [RESIDENT, 43]
    assert {k: get(REPORT_PATH)[k] for k in ("messages", "answered_429", "timed_out", "accepted_unanswered")} == {
        "messages": 2, "answered_429": 0, "timed_out": 0, "accepted_unanswered": 2}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{api.base_url}{OUTAGE_PATH}?kind=flood", data=b"")
    assert refused.value.code == 400


def test_injecting_into_an_unknown_method_is_refused(api: FakeTelegramAPI) -> None:
    with pytest.raises(ValueError, match="does not serve"):
        api.fail("sendMesage", 429)


def test_module_runs_as_a_local_server_and_prints_calls(serve_module: ServeModule) -> None:
    base_url, output = serve_module("tests.fakes.telegram_api", "--token", TOKEN)
    output.readline()  # base_url and token
    urllib.request.urlopen(f"{base_url}/bot{TOKEN}/getMe").close()
    assert output.readline().startswith("ok getMe")
