"""A fake Telegram Bot API server on 127.0.0.1.

It stands where api.telegram.org would be, so the real python-telegram-bot talks to it over HTTP:
``Bot(token, base_url=api.bot_base_url)``; PTB requests ``{base_url}{token}/{method}``. PTB posts
form-encoded bodies whose values are JSON-encoded (multipart when it uploads a file); JSON bodies
and GET query strings are accepted too. Every call is recorded; errors and slow answers can be
injected, and Telegram's flood limits can be enforced.

Run it for local use with ``python -m tests.fakes.telegram_api --port 8902 --token 123:TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

JSONObject = dict[str, Any]
ChatId = int | str
Outcome = Literal["ok", "timeout"] | int  # "ok", the HTTP error code answered, or "timeout"

SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})  # what Telegram's flood limits count
_EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup"})
_UPDATES_METHODS = frozenset({"setWebhook", "deleteWebhook", "getWebhookInfo", "getUpdates"})
_TRUE_METHODS = frozenset({"sendChatAction", "setMyCommands", "deleteMyCommands", "deleteMessage"})
METHODS = SEND_METHODS | _EDIT_METHODS | _UPDATES_METHODS | _TRUE_METHODS | {"getMe", "answerCallbackQuery"}
_CANONICAL = {m.lower(): m for m in METHODS}  # Telegram method names are case-insensitive
# Form values are JSON-encoded except these plain strings (so a text "123" stays a string).
_TEXT_FIELDS = frozenset(
    {"text", "caption", "data", "callback_query_id", "inline_message_id", "url", "photo", "parse_mode", "secret_token"}
)
_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}
_BOT_CAPABILITIES = {
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as it appears in ``RecordedCall.params``."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class RecordedCall:
    """One request as the fake saw it; ``at`` is ``time.monotonic()`` on arrival.

    ``held`` is how long an injected timeout kept the answer back from a call that still took effect.
    """

    at: float
    method: str
    params: JSONObject
    chat_id: ChatId | None
    outcome: Outcome
    held: float = 0.0


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits; a call over one of them is answered 429 with retry_after."""

    per_chat: int = 1
    chat_window: float = 1.0
    overall: int = 30
    overall_window: float = 1.0
    per_group: int = 20  # negative chat ids
    group_window: float = 60.0


@dataclass(frozen=True)
class RateReport:
    """Peaks of the successful sends (sendMessage and sendPhoto) over sliding windows."""

    messages: int
    max_per_chat_per_second: int
    max_overall_per_second: int
    max_per_group_per_minute: int
    span: float  # seconds from the first send to the last


@dataclass
class _Fault:
    method: str | None  # None: every method
    chat_id: ChatId | None
    code: int | None  # None: hold the answer back (a timeout)
    retry_after: int
    description: str | None
    remaining: int | None = None  # None: until the window closes
    until: float = math.inf
    hold: float = 0.0
    deliver: bool = False

    def matches(self, method: str, chat_id: ChatId | None) -> bool:
        return self.method in (None, method) and self.chat_id in (None, chat_id)

    def answer(self) -> JSONObject:
        assert self.code is not None
        return _error(self.code, self.retry_after, self.description)


def _error(code: int, retry_after: int = 1, description: str | None = None) -> JSONObject:
    if code == 429:
        payload: JSONObject = {"ok": False, "error_code": 429, "parameters": {"retry_after": retry_after}}
        return {**payload, "description": description or f"Too Many Requests: retry after {retry_after}"}
    return {"ok": False, "error_code": code, "description": description or DESCRIPTIONS.get(code, "Injected error")}


def _bad_request(description: str) -> tuple[int, JSONObject]:
    return 400, _error(400, description=f"Bad Request: {description}")


def _ok(result: Any) -> tuple[int, JSONObject]:
    return 200, {"ok": True, "result": result}


class FakeTelegramAPI:
    """The fake server; thread-safe, started with ``start()`` or ``with FakeTelegramAPI() as api``."""

    def __init__(
        self,
        token: str = "123456:TEST-fake-telegram-token",
        *,
        bot_id: int | None = None,
        username: str = "frontdoor_test_bot",
        first_name: str = "Frontdoor",
        enforce_limits: bool | FloodLimits = False,
        port: int = 0,
        echo: bool = False,
    ) -> None:
        self.token = token
        prefix = token.partition(":")[0]
        self.bot_user: JSONObject = {
            "id": bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.limits = FloodLimits() if enforce_limits is True else enforce_limits or None
        self._port, self._echo = port, echo
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._calls: list[RecordedCall] = []
        self._faults: list[_Fault] = []
        self._updates: list[JSONObject] = []
        self._update_ids = itertools.count(100_001)
        self._message_ids: dict[ChatId, itertools.count[int]] = {}
        self._messages: dict[tuple[ChatId, int], JSONObject] = {}  # messages the bot sent, for edits
        self._chats: dict[ChatId, JSONObject] = {}
        self._sends: list[tuple[float, ChatId]] = []  # successful sends, for flood limits
        self._webhook: JSONObject = {"url": ""}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> Self:
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-telegram-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._changed:
            self._stopping.set()  # wakes long polls and held answers
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def bot_base_url(self) -> str:
        """What PTB takes as ``base_url``; it appends the token itself."""
        return f"{self.base_url}/bot"

    # What happened

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_of(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def sent_messages(self, chat_id: ChatId | None = None) -> list[JSONObject]:
        """Params of the successful sendMessage calls (to ``chat_id`` only, if given), in answer order."""
        return [c.params for c in self.calls_of("sendMessage") if c.outcome == "ok" and chat_id in (None, c.chat_id)]

    @property
    def webhook(self) -> JSONObject:
        """The parameters of the last setWebhook (url "" when none is set)."""
        with self._lock:
            return dict(self._webhook)

    def rate_report(self) -> RateReport:
        return measure_rates((c.at, c.chat_id) for c in self.calls if c.method in SEND_METHODS and c.outcome == "ok")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate()`` holds, re-checking after every call; raise TimeoutError otherwise."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError(f"condition not met within {timeout}s; calls: {self._calls}")

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Like ``wait_for`` but polls, so the event loop keeps running the code under test.

        The timeout is built in (rather than left to ``asyncio.timeout``) so a forgetful test fails, not hangs.
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; calls: {self.calls}")
            await asyncio.sleep(0.01)

    # Input

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates and return its update_id.

        A message without message_id or date gets the chat's next id and the current time; the message
        a callback query carries is the bot's, so it gets the bot as sender and can be edited.
        """
        queued: JSONObject = copy.deepcopy(dict(update))  # the caller may reuse its dict
        with self._changed:
            queued["update_id"] = next(self._update_ids)
            message = queued.get("message") or queued.get("callback_query", {}).get("message")
            if message is not None:
                chat_id = message["chat"]["id"]
                self._chats.setdefault(chat_id, message["chat"])
                message.setdefault("message_id", self._next_message_id(chat_id))
                message.setdefault("date", int(time.time()))
                if "callback_query" in queued:
                    message.setdefault("from", self.bot_user)
                    self._messages.setdefault((chat_id, message["message_id"]), message)
            self._updates.append(queued)
            self._changed.notify_all()
        return int(queued["update_id"])

    # Injection

    def fail(
        self,
        method: str,
        code: int,
        *,
        chat_id: ChatId | None = None,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) with HTTP ``code``."""
        _check_method(method)
        self._add(_Fault(method, chat_id, code, retry_after or 1, description, remaining=times))

    def fail_for(
        self,
        seconds: float,
        code: int,
        *,
        method: str | None = None,
        chat_id: ChatId | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer every matching call (any method, if none given) with ``code`` for the next ``seconds``."""
        if method is not None:
            _check_method(method)
        until = time.monotonic() + seconds
        self._add(_Fault(method, chat_id, code, retry_after or 1, description, until=until))

    def timeout(
        self, method: str, *, chat_id: ChatId | None = None, times: int = 1, seconds: float = 2.0, deliver: bool = False
    ) -> None:
        """Hold the answer to the next ``times`` matching calls for ``seconds``, past the client's read timeout.

        With ``deliver`` the call takes effect at once (the message is sent, only the answer is lost);
        without it the call is dropped and, should the client still be waiting, answered 504.
        """
        _check_method(method)
        self._add(_Fault(method, chat_id, None, 1, None, remaining=times, hold=seconds, deliver=deliver))

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    # Answering

    def answer(self, token: str, method_name: str, params: JSONObject) -> tuple[int, JSONObject]:
        """Answer one request (called by an HTTP handler thread): HTTP status and JSON payload."""
        method = _CANONICAL.get(method_name.lower(), method_name)
        chat_id = params.get("chat_id")
        chat_id = chat_id if isinstance(chat_id, int | str) else None
        with self._changed:
            at = time.monotonic()
            if token != self.token:
                return self._record(at, method, params, chat_id, 401, _error(401))
            fault = self._take_fault(method, chat_id, at)
            if fault is None:
                if method == "getUpdates" and not self._webhook["url"]:
                    self._long_poll(params)
                return self._record(at, method, params, chat_id, *self._dispatch(method, params, chat_id, at))
            if fault.code is not None:
                return self._record(at, method, params, chat_id, fault.code, fault.answer())
            if fault.deliver:
                status, payload = self._dispatch(method, params, chat_id, at)
                result = self._record(at, method, params, chat_id, status, payload, held=fault.hold)
            else:
                result = self._record(at, method, params, chat_id, 504, _error(504), outcome="timeout")
        self._stopping.wait(fault.hold)
        return result

    def _take_fault(self, method: str, chat_id: ChatId | None, at: float) -> _Fault | None:
        self._faults = [f for f in self._faults if f.until > at]
        fault = next((f for f in self._faults if f.matches(method, chat_id)), None)
        if fault is not None and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
        return fault

    def _long_poll(self, params: JSONObject) -> None:
        offset = int(params.get("offset") or 0)
        self._changed.wait_for(
            lambda: self._stopping.is_set() or any(u["update_id"] >= offset for u in self._updates),
            float(params.get("timeout") or 0),
        )

    def _dispatch(self, method: str, params: JSONObject, chat_id: ChatId | None, at: float) -> tuple[int, JSONObject]:
        if method not in METHODS:
            return 404, _error(404)
        if method in _TRUE_METHODS:
            return _ok(True)
        if method == "getMe":
            return _ok({**self.bot_user, **_BOT_CAPABILITIES})
        if method in _UPDATES_METHODS:
            return self._updates_method(method, params)
        if method == "answerCallbackQuery":
            return _ok(True) if params.get("callback_query_id") else _bad_request("query ID is invalid")
        if method in _EDIT_METHODS:
            return self._edit(method, params, chat_id)
        if chat_id is None:
            return _bad_request("chat_id is empty")
        if (problem := _check_send(method, params)) is not None:
            return _bad_request(problem)
        if self.limits is not None and (retry_after := self._flood_wait(chat_id, at)):
            return 429, _error(429, retry_after)
        return _ok(self._send(method, params, chat_id, at))

    def _updates_method(self, method: str, params: JSONObject) -> tuple[int, JSONObject]:
        if method == "setWebhook":
            self._webhook = {"url": params.get("url") or "", **{k: v for k, v in params.items() if k != "url"}}
        if method in {"setWebhook", "deleteWebhook"}:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            if method == "deleteWebhook":
                self._webhook = {"url": ""}
            return _ok(True)
        if method == "getWebhookInfo":
            info = {"url": self._webhook["url"], "has_custom_certificate": False}
            return _ok({**info, "pending_update_count": len(self._updates)})
        if self._webhook["url"]:
            return 409, _error(409, description=WEBHOOK_CONFLICT)
        offset = int(params.get("offset") or 0)
        if offset > 0:  # confirms every update before it, as Telegram forgets them
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        updates = self._updates[offset:] if offset < 0 else self._updates
        return _ok(updates[: int(params.get("limit") or 100)])

    def _edit(self, method: str, params: JSONObject, chat_id: ChatId | None) -> tuple[int, JSONObject]:
        if params.get("inline_message_id"):
            return _ok(True)
        message = self._messages.get((chat_id or 0, int(params.get("message_id") or 0)))
        if message is None:
            return _bad_request("message to edit not found")
        # Telegram drops an inline keyboard that an edit does not repeat.
        edited = {**message, "reply_markup": params.get("reply_markup")}
        if method == "editMessageText":
            if not params.get("text"):
                return _bad_request("message text is empty")
            edited["text"] = params["text"]
        if edited.get("text") == message.get("text") and edited["reply_markup"] == message.get("reply_markup"):
            return _bad_request(NOT_MODIFIED)
        if edited["reply_markup"] is None:
            del edited["reply_markup"]
        edited["edit_date"] = int(time.time())
        self._messages[(chat_id or 0, message["message_id"])] = edited
        return _ok(edited)

    def _flood_wait(self, chat_id: ChatId, at: float) -> int:
        """Seconds until a send to ``chat_id`` would respect the limits; 0 when it does now."""
        assert self.limits is not None
        lim = self.limits
        horizon = max(lim.chat_window, lim.overall_window, lim.group_window)
        self._sends = [(t, c) for t, c in self._sends if at - t < horizon]
        chat_times = [t for t, c in self._sends if c == chat_id]
        all_times = [t for t, _ in self._sends]
        windows = [(chat_times, lim.per_chat, lim.chat_window), (all_times, lim.overall, lim.overall_window)]
        if isinstance(chat_id, int) and chat_id < 0:
            windows.append((chat_times, lim.per_group, lim.group_window))
        wait = 0.0
        for times, limit, window in windows:
            recent = [t for t in times if at - t < window]
            if len(recent) >= limit:
                wait = max(wait, recent[-limit] + window - at)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def _send(self, method: str, params: JSONObject, chat_id: ChatId, at: float) -> JSONObject:
        self._sends.append((at, chat_id))
        chat = self._chats.get(chat_id) or _chat(chat_id)
        message_id = self._next_message_id(chat_id)
        message: JSONObject = {"message_id": message_id, "from": self.bot_user, "chat": chat, "date": int(time.time())}
        if method == "sendMessage":
            message["text"] = params["text"]
        else:
            photo = params["photo"]
            file_id = photo if isinstance(photo, str) and "://" not in photo else f"AgACAgFake{chat_id}x{message_id}"
            message["photo"] = [{"file_id": file_id, "file_unique_id": f"AQAD{message_id}", "width": 90, "height": 90}]
            if params.get("caption"):
                message["caption"] = params["caption"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = message
        return message

    def _next_message_id(self, chat_id: ChatId) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _record(
        self,
        at: float,
        method: str,
        params: JSONObject,
        chat_id: ChatId | None,
        status: int,
        payload: JSONObject,
        *,
        outcome: Outcome | None = None,
        held: float = 0.0,
    ) -> tuple[int, JSONObject]:
        call = RecordedCall(at, method, params, chat_id, outcome or ("ok" if status == 200 else status), held)
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        if self._echo:
            print(
                f"{call.outcome} {method} chat={chat_id} {json.dumps(params, ensure_ascii=False, default=repr)}",
                flush=True,
            )
        return status, payload


def _check_send(method: str, params: JSONObject) -> str | None:
    """Telegram's own refusals of a send, as the text after "Bad Request: "."""
    if method == "sendMessage":
        text = params.get("text")
        if not text:
            return "message text is empty"
        if len(str(text)) > 4096:
            return "message is too long"
    elif not params.get("photo"):
        return "there is no photo in the request"
    elif len(str(params.get("caption") or "")) > 1024:
        return "message caption is too long"
    markup = params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    if any(len(str(b.get("callback_data", "")).encode()) > 64 for row in rows for b in row):
        return "BUTTON_DATA_INVALID"
    return None


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"FakeTelegramAPI does not serve {method!r}; known methods: {sorted(METHODS)}")


def measure_rates(sends: Iterable[tuple[float, ChatId | None]]) -> RateReport:
    """Peak counts of (time, chat id) sends within any 1-second window (per chat, overall) and 60 s (per group)."""
    ordered = sorted(sends, key=lambda send: send[0])
    times = [t for t, _ in ordered]
    by_chat: dict[ChatId | None, list[float]] = {}
    for t, chat_id in ordered:
        by_chat.setdefault(chat_id, []).append(t)
    groups = [ts for chat_id, ts in by_chat.items() if isinstance(chat_id, int) and chat_id < 0]
    return RateReport(
        messages=len(times),
        max_per_chat_per_second=max((_peak(ts, 1.0) for ts in by_chat.values()), default=0),
        max_overall_per_second=_peak(times, 1.0),
        max_per_group_per_minute=max((_peak(ts, 60.0) for ts in groups), default=0),
        span=times[-1] - times[0] if times else 0.0,
    )


def _peak(times: list[float], window: float) -> int:
    """The most sorted ``times`` within any half-open window [t, t + window)."""
    peak, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


# Updates as Telegram delivers them; push_update fills in update_id, and message_id and date when left out.


_QUERY_IDS = itertools.count(4_398_046_511_001)  # every press gets a fresh id, as on Telegram


def _chat(chat_id: int | str, first_name: str = "Resident") -> JSONObject:
    if isinstance(chat_id, int) and chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    kind = "supergroup" if isinstance(chat_id, str) or chat_id < -1_000_000_000_000 else "group"
    return {"id": chat_id, "type": kind, "title": "Residents"}


def _user(user_id: int, first_name: str) -> JSONObject:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}


def _message(chat_id: int, user_id: int, message_id: int | None, first_name: str, **content: Any) -> JSONObject:
    message: JSONObject = {"from": _user(user_id, first_name), "chat": _chat(chat_id, first_name), **content}
    if message_id is not None:
        message["message_id"] = message_id
    return {"message": message}


def message_update(
    chat_id: int, user_id: int, text: str, *, message_id: int | None = None, first_name: str = "Resident"
) -> JSONObject:
    """A text message from a resident; a leading /command gets its bot_command entity, as PTB's filters expect."""
    content: JSONObject = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]
    return _message(chat_id, user_id, message_id, first_name, **content)


def location_update(
    chat_id: int,
    user_id: int,
    latitude: float,
    longitude: float,
    *,
    message_id: int | None = None,
    first_name: str = "Resident",
) -> JSONObject:
    location = {"latitude": latitude, "longitude": longitude}
    return _message(chat_id, user_id, message_id, first_name, location=location)


def photo_update(
    chat_id: int,
    user_id: int,
    *,
    file_id: str = "AgACAgResidentPhoto",
    caption: str | None = None,
    message_id: int | None = None,
    first_name: str = "Resident",
) -> JSONObject:
    sizes = [
        {"file_id": f"{file_id}-{w}", "file_unique_id": f"AQAD{w}", "width": w, "height": w * 3 // 4}
        for w in (90, 320, 1280)
    ]
    sizes[-1]["file_id"] = file_id  # the largest size is the one a handler downloads
    content: JSONObject = {"photo": sizes} | ({"caption": caption} if caption is not None else {})
    return _message(chat_id, user_id, message_id, first_name, **content)


def callback_update(
    chat_id: int,
    user_id: int,
    data: str,
    message_id: int,
    *,
    query_id: str | None = None,
    message_text: str = "…",
    first_name: str = "Resident",
) -> JSONObject:
    """A press on an inline button under the bot's message ``message_id``."""
    message: JSONObject = {"message_id": message_id, "chat": _chat(chat_id, first_name), "text": message_text}
    return {
        "callback_query": {
            "id": query_id or str(next(_QUERY_IDS)),
            "from": _user(user_id, first_name),
            "message": message,
            "chat_instance": f"-{abs(chat_id)}77",
            "data": data,
        }
    }


# HTTP


def parse_body(content_type: str, raw: bytes) -> JSONObject:
    """Params of a JSON, form-encoded or multipart body; form values are JSON-decoded as Telegram does."""
    kind = content_type.partition(";")[0].strip().lower()
    if not raw:
        return {}
    if kind == "application/json":
        loaded = json.loads(raw)
        if not isinstance(loaded, dict):
            raise ValueError("a JSON body must be an object")
        return loaded
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, raw)
    return _decode_form(parse_qsl(raw.decode(), keep_blank_values=True))


def _decode_form(pairs: Iterable[tuple[str, str]]) -> JSONObject:
    params: JSONObject = {}
    for name, value in pairs:
        params[name] = value
        if name not in _TEXT_FIELDS:
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params


def _parse_multipart(content_type: str, raw: bytes) -> JSONObject:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: list[tuple[str, str]] = []
    files: JSONObject = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if (filename := part.get_filename()) is not None:
            files[name] = UploadedFile(filename, part.get_content_type(), payload)
        else:
            fields.append((name, payload.decode()))
    return _decode_form(fields) | files


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many concurrent senders must queue, not be reset
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: FakeTelegramAPI) -> None:
        self.api = api
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._handle(self._read_chunked())
        else:
            self._handle(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    def _handle(self, raw_body: bytes) -> None:
        assert isinstance(self.server, _Server)
        url = urlsplit(self.path)
        match = _PATH.fullmatch(url.path)
        if match is None:
            status, payload = 404, _error(404)
        else:
            try:
                params = _decode_form(parse_qsl(url.query)) | parse_body(self.headers.get("Content-Type", ""), raw_body)
            except ValueError:
                status, payload = _bad_request("can't parse request body")
            else:
                status, payload = self.server.api.answer(match["token"], match["method"], params)
        data = json.dumps(payload, ensure_ascii=False).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out has gone
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: calls are recorded (and echoed when asked) instead."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8902)
    parser.add_argument("--token", default="123456:TEST-fake-telegram-token")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 over Telegram's flood limits")
    args = parser.parse_args()
    with FakeTelegramAPI(args.token, port=args.port, enforce_limits=args.enforce_limits, echo=True) as api:
        print(f"fake Telegram Bot API listening on {api.base_url}", flush=True)
        print(f"base_url={api.bot_base_url} token={api.token}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
