"""A fake Telegram Bot API server on 127.0.0.1.

It stands where api.telegram.org would be, so the real python-telegram-bot talks to it over HTTP:
``Bot(token, base_url=api.bot_base_url)``; PTB requests ``{base_url}{token}/{method}``. PTB posts
form-encoded bodies whose values are JSON-encoded (multipart when it uploads a file); JSON bodies
and GET query strings are accepted too. Every call is recorded; errors and slow answers can be
injected, and Telegram's flood limits can be enforced. An outage (every call answered 429, or held
past the client's timeout, with or without taking effect) can be started for a while, from a test, by
``POST /_fake/outage`` or with ``--outage-kind`` on the command line.

Run it for local use with ``python -m tests.fakes.telegram_api --port 8902 --token 123:TOKEN``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any, Literal, Self
from urllib.parse import SplitResult, unquote

from tests.fakes.http_fake import LocalHTTPFake, RawAnswer, serve_until_interrupted

# The update builders and body parsing live in telegram_updates; tests import them from here too.
from tests.fakes.telegram_updates import JSONObject as JSONObject
from tests.fakes.telegram_updates import UploadedFile as UploadedFile
from tests.fakes.telegram_updates import callback_update as callback_update
from tests.fakes.telegram_updates import chat_object, parse_query
from tests.fakes.telegram_updates import location_update as location_update
from tests.fakes.telegram_updates import message_update as message_update
from tests.fakes.telegram_updates import parse_body as parse_body
from tests.fakes.telegram_updates import photo_update as photo_update

ChatId = int | str
Outcome = Literal["ok", "timeout"] | int  # "ok", the HTTP error code answered, or "timeout"
OutageKind = Literal["429", "timeout", "accepted-timeout", "mixed"]
OUTAGE_KINDS: tuple[OutageKind, ...] = ("429", "timeout", "accepted-timeout", "mixed")

SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})  # what Telegram's flood limits count
_EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup"})
_UPDATES_METHODS = frozenset({"setWebhook", "deleteWebhook", "getWebhookInfo", "getUpdates"})
_TRUE_METHODS = frozenset({"sendChatAction", "setMyCommands", "deleteMyCommands", "deleteMessage"})
METHODS = SEND_METHODS | _EDIT_METHODS | _UPDATES_METHODS | _TRUE_METHODS | {"getMe", "answerCallbackQuery", "getFile"}
_CANONICAL = {m.lower(): m for m in METHODS}  # Telegram method names are case-insensitive
_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
_FILE_PATH = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")
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


REPORT_PATH = "/_fake/report"
"""GET: the rate report of the successful sends so far, and how many calls were answered 429."""
SENT_PATH = "/_fake/sent"
"""GET: how many messages each chat received (chat id -> count)."""
ACCEPTED_PATH = "/_fake/accepted"
"""GET: the successful sendMessage calls in the order they were taken, as [chat id, wall-clock time]
(``time.time()`` seconds), for comparing with times another process wrote down."""
UNANSWERED_PATH = "/_fake/unanswered"
"""GET: the chats of sendMessage calls that took effect but whose answer was held back (an injected
timeout with ``deliver``), one entry per call: the client could not know they were sent."""
OUTAGE_PATH = "/_fake/outage"
"""POST ``?kind=429|timeout|accepted-timeout|mixed&seconds=60`` (optionally ``retry_after``, ``hold``):
an outage of every method, starting now (`FakeTelegramAPI.outage`)."""


@dataclass(frozen=True)
class RecordedCall:
    """One request as the fake saw it; ``at`` is the fake's clock (``time.monotonic()`` unless a test
    gave it another) on arrival, ``wall`` the same moment as ``time.time()``.

    ``held`` is how long an injected timeout kept the answer back from a call that still took effect.
    """

    at: float
    method: str
    params: JSONObject
    chat_id: ChatId | None
    outcome: Outcome
    held: float = 0.0
    wall: float = 0.0


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


@dataclass
class _Outage:
    """Every call fails until ``until``; "mixed" takes turns: 429, timeout, accepted timeout."""

    kind: OutageKind
    until: float
    retry_after: int
    hold: float
    turns: itertools.count[int] = dataclasses.field(default_factory=itertools.count)

    def fault(self) -> _Fault:
        kind = self.kind if self.kind != "mixed" else OUTAGE_KINDS[next(self.turns) % 3]
        if kind == "429":
            return _Fault(None, None, 429, self.retry_after, None)
        return _Fault(None, None, None, 1, None, hold=self.hold, deliver=kind == "accepted-timeout")


def _error(code: int, retry_after: int = 1, description: str | None = None) -> JSONObject:
    if code == 429:
        payload: JSONObject = {"ok": False, "error_code": 429, "parameters": {"retry_after": retry_after}}
        return {**payload, "description": description or f"Too Many Requests: retry after {retry_after}"}
    return {"ok": False, "error_code": code, "description": description or DESCRIPTIONS.get(code, "Injected error")}


def _bad_request(description: str) -> tuple[int, JSONObject]:
    return 400, _error(400, description=f"Bad Request: {description}")


def _ok(result: Any) -> tuple[int, JSONObject]:
    return 200, {"ok": True, "result": result}


class FakeTelegramAPI(LocalHTTPFake[RecordedCall]):
    """The fake server; thread-safe, started with ``start()`` or ``with FakeTelegramAPI() as api``."""

    thread_name = "fake-telegram-api"

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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` gives the seconds that arrivals, flood limits and failure windows are reckoned in;
        a test hands in its own to make them independent of how busy the machine is. Held answers
        (timeouts) always wait in real time, since a real client is timing them."""
        super().__init__(port=port, echo=echo)
        self.clock = clock
        self.token = token
        prefix = token.partition(":")[0]
        self.bot_user: JSONObject = {
            "id": bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.limits = FloodLimits() if enforce_limits is True else enforce_limits or None
        self._stopping = threading.Event()
        self._faults: list[_Fault] = []
        self._outage: _Outage | None = None
        self._updates: list[JSONObject] = []
        self._update_ids = itertools.count(100_001)
        self._message_ids: dict[ChatId, itertools.count[int]] = {}
        self._messages: dict[tuple[ChatId, int], JSONObject] = {}  # messages the bot sent, for edits
        self._chats: dict[ChatId, JSONObject] = {}
        self._sends: list[tuple[float, ChatId]] = []  # successful sends, for flood limits
        self._webhook: JSONObject = {"url": ""}
        self._files: dict[str, bytes] = {}

    # Lifecycle

    def start(self) -> Self:
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        with self._changed:
            self._stopping.set()  # wakes long polls and held answers
            self._changed.notify_all()
        super().stop()

    @property
    def bot_base_url(self) -> str:
        """What PTB takes as ``base_url``; it appends the token itself."""
        return f"{self.base_url}/bot"

    # What happened

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
        until = self.clock() + seconds
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

    def outage(self, seconds: float, kind: OutageKind = "mixed", *, retry_after: int = 5, hold: float = 15.0) -> None:
        """For the next ``seconds`` fail every call, whatever its method and chat: "429" answers
        Too Many Requests with ``retry_after``; "timeout" holds the answer ``hold`` seconds (past the
        client's read timeout) and drops the call; "accepted-timeout" holds it too but the call takes
        effect (the classic source of a repeat: the client cannot tell it was sent); "mixed" takes turns."""
        if kind not in OUTAGE_KINDS:
            raise ValueError(f"unknown outage kind {kind!r}; known: {', '.join(OUTAGE_KINDS)}")
        with self._lock:
            self._outage = _Outage(kind, self.clock() + seconds, retry_after, hold)

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    # Answering

    def serve_file(self, file_id: str, content: bytes) -> None:
        """`getFile` knows `file_id` and the file URL it names serves these bytes (a resident's voice note)."""
        with self._lock:
            self._files[file_id] = content

    def respond(self, url: SplitResult, headers: Message, raw_body: bytes) -> tuple[int, JSONObject | RawAnswer]:
        if (download := _FILE_PATH.fullmatch(url.path)) is not None:
            with self._lock:
                found = self._files.get(unquote(download["path"]).removeprefix("voice/")) \
                    if unquote(download["token"]) == self.token else None
            return (200, RawAnswer(found, "application/octet-stream")) if found is not None else (404, _error(404))
        if url.path == SENT_PATH:  # how many messages each chat received
            counts: dict[str, int] = {}
            for call in self.calls_of("sendMessage"):
                if call.outcome == "ok":
                    counts[str(call.chat_id)] = counts.get(str(call.chat_id), 0) + 1
            return 200, {"ok": True, "result": counts}
        if url.path == ACCEPTED_PATH:
            accepted = [[c.chat_id, c.wall] for c in self.calls_of("sendMessage") if c.outcome == "ok"]
            return 200, {"ok": True, "result": accepted}
        if url.path == UNANSWERED_PATH:
            held = [c.chat_id for c in self.calls_of("sendMessage") if c.outcome == "ok" and c.held > 0]
            return 200, {"ok": True, "result": held}
        if url.path == REPORT_PATH:  # for a fake in its own process: what it saw, as JSON
            return 200, {"ok": True, "result": {**dataclasses.asdict(self.rate_report()), **self._outcomes()}}
        if url.path == OUTAGE_PATH:
            return self._start_outage(parse_query(url.query) | parse_body(headers.get("Content-Type", ""), raw_body))
        match = _PATH.fullmatch(url.path)
        if match is None:
            return 404, _error(404)
        try:
            params = parse_query(url.query) | parse_body(headers.get("Content-Type", ""), raw_body)
        except ValueError:
            return _bad_request("can't parse request body")
        return self.answer(match["token"], match["method"], params)

    def answer(self, token: str, method_name: str, params: JSONObject) -> tuple[int, JSONObject]:
        """Answer one request (called by an HTTP handler thread): HTTP status and JSON payload."""
        method = _CANONICAL.get(method_name.lower(), method_name)
        chat_id = params.get("chat_id")
        chat_id = chat_id if isinstance(chat_id, int | str) else None
        with self._changed:
            at = self.clock()
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

    def _outcomes(self) -> JSONObject:
        """How many calls were answered 429, held and dropped, or held after taking effect."""
        calls = self.calls
        return {"answered_429": sum(1 for c in calls if c.outcome == 429),
                "timed_out": sum(1 for c in calls if c.outcome == "timeout"),
                "accepted_unanswered": sum(1 for c in calls if c.outcome == "ok" and c.held > 0)}

    def _start_outage(self, params: JSONObject) -> tuple[int, JSONObject]:
        asked = str(params.get("kind", "mixed"))  # a form value "429" arrives as a number
        kind = next((k for k in OUTAGE_KINDS if k == asked), None)
        if kind is None:
            return _bad_request(f"unknown outage kind {asked!r}; known: {', '.join(OUTAGE_KINDS)}")
        try:
            self.outage(float(params.get("seconds", 60)), kind, retry_after=int(params.get("retry_after", 5)),
                        hold=float(params.get("hold", 15)))
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return _ok(True)

    def _take_fault(self, method: str, chat_id: ChatId | None, at: float) -> _Fault | None:
        if self._outage is not None:
            if at < self._outage.until:
                return self._outage.fault()
            self._outage = None
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
        if method == "getFile":
            file_id = str(params.get("file_id") or "")
            if file_id not in self._files:
                return _bad_request("invalid file_id")
            return _ok({"file_id": file_id, "file_unique_id": f"u{file_id[-8:]}",
                        "file_size": len(self._files[file_id]), "file_path": f"voice/{file_id}"})
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
        chat = self._chats.get(chat_id) or chat_object(chat_id)
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
        wall = time.time() - (self.clock() - at)  # the arrival, on the wall clock
        call = RecordedCall(at, method, params, chat_id, outcome or ("ok" if status == 200 else status), held, wall)
        self._publish(call)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8902)
    parser.add_argument("--token", default="123456:TEST-fake-telegram-token")
    parser.add_argument("--enforce-limits", action="store_true", help="answer 429 over Telegram's flood limits")
    parser.add_argument("--overall", type=int, default=FloodLimits.overall,
                        help="messages a second over all chats before 429 (with --enforce-limits)")
    parser.add_argument("--quiet", action="store_true", help="do not print every call")
    parser.add_argument("--outage-kind", choices=OUTAGE_KINDS,
                        help=f"an outage of every method (or start one later with POST {OUTAGE_PATH})")
    parser.add_argument("--outage-seconds", type=float, default=60.0, help="how long the outage lasts")
    parser.add_argument("--outage-after", type=float, default=0.0, help="seconds from the start to the outage")
    parser.add_argument("--outage-retry-after", type=int, default=5, help="retry_after of the outage's 429s")
    parser.add_argument("--outage-hold", type=float, default=15.0, help="how long the outage holds an answer")
    args = parser.parse_args()
    limits = FloodLimits(overall=args.overall) if args.enforce_limits else False
    with FakeTelegramAPI(args.token, port=args.port, enforce_limits=limits, echo=not args.quiet) as api:
        if args.outage_kind is not None:
            threading.Timer(args.outage_after, api.outage, (args.outage_seconds, args.outage_kind),
                            {"retry_after": args.outage_retry_after, "hold": args.outage_hold}).start()
        print(f"fake Telegram Bot API listening on {api.base_url}", flush=True)
        print(f"base_url={api.bot_base_url} token={api.token}", flush=True)
        serve_until_interrupted()


if __name__ == "__main__":
    main()
