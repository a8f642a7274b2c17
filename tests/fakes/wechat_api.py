"""A fake WeChat official-account and WeCom API server on 127.0.0.1.

It stands where api.weixin.qq.com and qyapi.weixin.qq.com would be, so the real wechatpy
clients talk to it over HTTP. Paths, query parameters and JSON shapes follow the real APIs;
every call is recorded, and errors, expired tokens and slow answers can be injected.

Run it for local use with ``python -m tests.fakes.wechat_api --port 8901``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any, Literal
from urllib.parse import SplitResult, parse_qsl

from tests.fakes.http_fake import LocalHTTPFake, RawAnswer, serve_until_interrupted

Realm = Literal["oa", "wecom"]
MessageKind = Literal["custom", "subscribe", "wecom"]
JSONObject = dict[str, Any]

OA_TOKEN = "/cgi-bin/token"
CUSTOM_SEND = "/cgi-bin/message/custom/send"
MENU_CREATE = "/cgi-bin/menu/create"
MENU_GET = "/cgi-bin/menu/get"
BIZSEND = "/cgi-bin/message/subscribe/bizsend"
WECOM_TOKEN = "/cgi-bin/gettoken"
WECOM_SEND = "/cgi-bin/message/send"
MEDIA_GET = "/cgi-bin/media/get"

HOLD_LIMIT_SECONDS = 30.0
"""A held call is answered after this long even if the test never releases it (a failed test must end)."""

_OA_PATHS = frozenset({OA_TOKEN, CUSTOM_SEND, MENU_CREATE, MENU_GET, BIZSEND, MEDIA_GET})
_WECOM_PATHS = frozenset({WECOM_TOKEN, WECOM_SEND})
_TOKEN_PATHS = {OA_TOKEN, WECOM_TOKEN}
_SEND_PATHS: dict[MessageKind, str] = {"custom": CUSTOM_SEND, "subscribe": BIZSEND, "wecom": WECOM_SEND}
# Required body fields per path and the errcode the real API answers when one is missing.
_REQUIRED: dict[str, tuple[tuple[str, int], ...]] = {
    CUSTOM_SEND: (("touser", 40003), ("msgtype", 40008)),
    BIZSEND: (("touser", 40003), ("template_id", 40037), ("data", 47003)),
    MENU_CREATE: (("button", 40016),),
    WECOM_SEND: (("agentid", 40056), ("msgtype", 40008)),
}
ERRMSGS: dict[int, str] = {
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40016: "invalid button size",
    40037: "invalid template_id",
    40056: "invalid agentid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    46003: "menu no exist",
    47001: "data format error",
    47003: "argument invalid!",
}


@dataclass(frozen=True)
class RecordedCall:
    """One request as the fake saw it; ``at`` is ``time.monotonic()`` on arrival.

    ``errcode`` is what the fake answered, or None for a path it does not serve (HTTP 404).
    """

    at: float
    path: str
    query: Mapping[str, str]
    body: JSONObject | None
    errcode: int | None


@dataclass
class _Fault:
    path: str
    errcode: int
    errmsg: str
    touser: str | None
    remaining: int

    def matches(self, path: str, body: JSONObject | None) -> bool:
        if path != self.path:
            return False
        # WeCom joins several recipients with "|".
        return self.touser is None or self.touser in str((body or {}).get("touser", "")).split("|")


def _error(errcode: int, errmsg: str | None = None) -> JSONObject:
    return {"errcode": errcode, "errmsg": errmsg or ERRMSGS.get(errcode, "injected error")}


class FakeWeChatAPI(LocalHTTPFake[RecordedCall]):
    """The fake server; thread-safe, started with ``start()`` or ``with FakeWeChatAPI() as api``."""

    thread_name = "fake-wechat-api"
    content_type = "application/json; charset=utf-8"

    def __init__(
        self,
        *,
        appid: str = "wx-fake-appid",
        secret: str = "fake-app-secret",
        corpid: str = "ww-fake-corpid",
        corpsecret: str = "fake-corp-secret",
        token_delay: float = 0.0,
        expires_in: int = 7200,
        port: int = 0,
        echo: bool = False,
    ) -> None:
        super().__init__(port=port, echo=echo)
        self.appid, self.secret, self.corpid, self.corpsecret = appid, secret, corpid, corpsecret
        self.expires_in = expires_in
        self._tokens: dict[str, tuple[Realm, float]] = {}  # token -> (realm, issued at)
        self._expired: set[str] = set()
        self._token_requests: dict[Realm, int] = {"oa": 0, "wecom": 0}
        self._delays: dict[str, float] = {OA_TOKEN: token_delay, WECOM_TOKEN: token_delay}
        self._faults: list[_Fault] = []
        self._menu: JSONObject | None = None
        self._media: dict[str, RawAnswer] = {}
        self._holds: dict[str, threading.Event] = {}
        self._arrivals: Counter[str] = Counter()

    # What happened

    @property
    def token_requests(self) -> int:
        with self._lock:
            return self._token_requests["oa"]

    @property
    def wecom_token_requests(self) -> int:
        with self._lock:
            return self._token_requests["wecom"]

    @property
    def menu(self) -> JSONObject | None:
        with self._lock:
            return self._menu

    def arrivals(self, path: str) -> int:
        """Calls to ``path`` that have arrived, answered or still held."""
        with self._lock:
            return self._arrivals[path]

    def sent_messages(self, kind: MessageKind) -> list[JSONObject]:
        """Bodies of the successful sends of one kind, in the order they were answered."""
        path = _SEND_PATHS[kind]
        return [c.body for c in self.calls if c.path == path and c.errcode == 0 and c.body is not None]

    # Injection

    def serve_media(self, media_id: str, content: bytes, content_type: str) -> None:
        """`media/get` answers `media_id` with these bytes, as WeChat serves a message's temporary media."""
        with self._lock:
            self._media[media_id] = RawAnswer(content, content_type)

    def fail_next(
        self, path: str, errcode: int, *, times: int = 1, touser: str | None = None, errmsg: str | None = None
    ) -> None:
        """Answer the next ``times`` matching calls to ``path`` (for ``touser`` only, if given) with ``errcode``."""
        _check_path(path)
        with self._lock:
            self._faults.append(_Fault(path, errcode, errmsg or ERRMSGS.get(errcode, "injected error"), touser, times))

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on; tokens fetched later are valid."""
        with self._lock:
            self._expired.update(self._tokens)

    def delay(self, path: str, seconds: float) -> None:
        """Sleep ``seconds`` before answering each call to ``path`` (token paths included)."""
        _check_path(path)
        with self._lock:
            self._delays[path] = seconds

    def hold(self, path: str) -> threading.Event:
        """Calls to ``path`` wait, once arrived, until the returned event is set: the moment a message is on the
        resident's phone while its sender has not yet heard back."""
        _check_path(path)
        with self._lock:
            return self._holds.setdefault(path, threading.Event())

    # Answering

    def respond(self, url: SplitResult, headers: Message, raw_body: bytes) -> tuple[int, JSONObject | RawAnswer]:
        query = dict(parse_qsl(url.query))
        if url.path == MEDIA_GET:
            return 200, self._media_file(query)
        return self.answer(url.path, query, raw_body)

    def _media_file(self, query: dict[str, str]) -> JSONObject | RawAnswer:
        with self._lock:
            errcode = self._check_token("oa", query.get("access_token"))
            found = None if errcode else self._media.get(query.get("media_id", ""))
            errcode = errcode or (0 if found else 40007)
            self._record(RecordedCall(time.monotonic(), MEDIA_GET, query, None, errcode))
        return found if found is not None else _error(errcode)

    def answer(self, path: str, query: dict[str, str], raw_body: bytes) -> tuple[int, JSONObject]:
        """Answer one request (called by the HTTP handler thread): HTTP status and JSON payload."""
        at = time.monotonic()
        realm: Realm = "wecom" if path in _WECOM_PATHS else "oa"
        if path not in _OA_PATHS | _WECOM_PATHS:
            self._record(RecordedCall(at, path, query, None, None))
            return 404, {"errmsg": f"{path} is not served by FakeWeChatAPI"}
        with self._lock:
            if path in _TOKEN_PATHS:
                self._token_requests[realm] += 1
            delay = self._delays.get(path, 0.0)
            held = self._holds.get(path)
            self._arrivals[path] += 1
            self._changed.notify_all()
        if delay:
            time.sleep(delay)
        if held is not None:
            held.wait(HOLD_LIMIT_SECONDS)
        body: JSONObject | None = None
        try:
            loaded = json.loads(raw_body) if raw_body else None
            body = loaded if isinstance(loaded, dict) else None
        except ValueError:
            pass
        with self._lock:
            payload = self._dispatch(realm, path, query, body, raw_body)
            self._record(RecordedCall(at, path, query, body, int(payload.get("errcode", 0))))
        return 200, payload

    def _dispatch(
        self, realm: Realm, path: str, query: dict[str, str], body: JSONObject | None, raw_body: bytes
    ) -> JSONObject:
        if path not in _TOKEN_PATHS and (errcode := self._check_token(realm, query.get("access_token"))):
            return _error(errcode)
        if raw_body and body is None:
            return _error(47001)
        fault = next((f for f in self._faults if f.matches(path, body)), None)
        if fault is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return _error(fault.errcode, fault.errmsg)
        if path == OA_TOKEN:
            return self._issue_oa_token(query)
        if path == WECOM_TOKEN:
            return self._issue_wecom_token(query)
        if path == MENU_GET:
            return {"menu": self._menu} if self._menu is not None else _error(46003)
        for field, errcode in _REQUIRED[path]:
            if body is None or not body.get(field):
                return _error(errcode)
        assert body is not None
        if path == MENU_CREATE:
            self._menu = body
        if path == WECOM_SEND:
            return {**_error(0), "invaliduser": "", "invalidparty": "", "invalidtag": "", "msgid": secrets.token_hex(8)}
        return _error(0)

    def _check_token(self, realm: Realm, token: str | None) -> int:
        if not token:
            return 41001
        issued = self._tokens.get(token)
        if issued is None or issued[0] != realm:
            return 40001
        if token in self._expired or time.monotonic() - issued[1] >= self.expires_in:
            return 42001
        return 0

    def _issue_oa_token(self, query: dict[str, str]) -> JSONObject:
        if query.get("grant_type") != "client_credential":
            return _error(40002)
        if query.get("appid") != self.appid:
            return _error(40013)
        if query.get("secret") != self.secret:
            return _error(40125)
        return {"access_token": self._new_token("oa"), "expires_in": self.expires_in}

    def _issue_wecom_token(self, query: dict[str, str]) -> JSONObject:
        if query.get("corpid") != self.corpid:
            return _error(40013, "invalid corpid")
        if query.get("corpsecret") != self.corpsecret:
            return _error(40001, "invalid credential")  # what WeCom answers for a wrong corpsecret
        return {**_error(0), "access_token": self._new_token("wecom"), "expires_in": self.expires_in}

    def _new_token(self, realm: Realm) -> str:
        token = f"fake-{realm}-{secrets.token_hex(12)}"
        self._tokens[token] = (realm, time.monotonic())
        return token

    def _record(self, call: RecordedCall) -> None:
        self._publish(call)
        if self._echo:
            body = json.dumps(call.body, ensure_ascii=False) if call.body is not None else ""
            print(f"{call.errcode} {call.path} {dict(call.query)} {body}", flush=True)


def _check_path(path: str) -> None:
    if path not in _OA_PATHS | _WECOM_PATHS:
        raise ValueError(f"FakeWeChatAPI does not serve {path!r}; known paths: {sorted(_OA_PATHS | _WECOM_PATHS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=8901)
    args = parser.parse_args()
    with FakeWeChatAPI(port=args.port, echo=True) as api:
        print(f"fake WeChat API listening on {api.base_url}", flush=True)
        print(f"appid={api.appid} secret={api.secret} corpid={api.corpid} corpsecret={api.corpsecret}", flush=True)
        serve_until_interrupted()


if __name__ == "__main__":
    main()
