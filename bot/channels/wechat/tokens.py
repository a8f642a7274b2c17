"""WeChat and WeCom API clients whose access token lives in the database, shared by every process.

wechatpy keeps the token in a `SessionStorage` and fetches a new one when it is missing or when
an API call answers 40001/40014/42001. Left alone, twenty threads that meet an expired token
make twenty token requests, and each new token invalidates the one before it. Here a refresh
takes a lock first (a process-wide one, then the token's row `FOR UPDATE` on PostgreSQL), and
after getting it looks again: if another thread or process already stored a token newer than the
one that failed, that token is used and no request is made.
"""

from __future__ import annotations

import threading
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wechatpy import WeChatClient
from wechatpy.enterprise import WeChatClient as WeComClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from bot.settings import Settings
from storage.clock import Clock, system_clock
from storage.db import sync_url
from storage.models import AccessToken

EXPIRY_MARGIN = timedelta(seconds=120)
"""A token this close to its end is refreshed before use rather than failing mid-call."""

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _process_lock(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


class DatabaseTokenStorage(SessionStorage):  # type: ignore[misc]
    """wechatpy's session storage, holding only access tokens, in the `access_tokens` table."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine, self.clock = engine, clock

    def get(self, key: str, default: Any = None) -> Any:
        with Session(self.engine) as session:
            row = session.get(AccessToken, key)
            if row is None or row.expires_at - EXPIRY_MARGIN <= self.clock():
                return default
            return row.token

    def set(self, key: str, value: str, ttl: int | None = None) -> None:
        expires_at = self.clock() + timedelta(seconds=ttl or 7200)
        with Session(self.engine) as session, session.begin():
            row = session.get(AccessToken, key, with_for_update=True)
            if row is None:
                session.add(AccessToken(key=key, token=value, expires_at=expires_at))
            else:
                row.token, row.expires_at = value, expires_at

    def delete(self, key: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(AccessToken, key)
            if row is not None:
                session.delete(row)


def token_engine(database_url: str) -> Engine:
    """A small synchronous engine: wechatpy's clients are synchronous and run in worker threads."""
    return create_engine(sync_url(database_url), pool_size=2, max_overflow=8, pool_pre_ping=True)


def opened_token_engine(database_url: str, stack: AsyncExitStack) -> Engine:
    """A token engine disposed of when `stack` closes."""
    engine = token_engine(database_url)
    stack.callback(engine.dispose)
    return engine


class SharedTokenRefresh:
    """Mixed into a wechatpy client: refresh under a lock, and only if nobody else already did."""

    _local: threading.local
    _http: Any
    session: DatabaseTokenStorage
    access_token_key: str
    timeout: float

    def _remember(self, token: str | None) -> str | None:
        self._local.last_used = token
        return token

    @property
    def access_token(self) -> str | None:
        token = self.session.get(self.access_token_key)
        if token is None:
            self.fetch_access_token()
            token = self.session.get(self.access_token_key)
        return self._remember(token)

    def fetch_access_token(self) -> dict[str, Any]:
        failed = getattr(self._local, "last_used", None)
        self._ensure_row()
        with _process_lock(self.access_token_key), Session(self.session.engine) as db, db.begin():
            # The row stays locked (PostgreSQL) while fetching: other processes wait, then reuse.
            stored = db.scalars(select(AccessToken).where(AccessToken.key == self.access_token_key)
                                .with_for_update()).one()
            if stored.expires_at - EXPIRY_MARGIN > self.session.clock() and stored.token != failed:
                self._remember(stored.token)
                return {"access_token": stored.token}
            result = self._request_token()
            stored.token = result["access_token"]
            stored.expires_at = self.session.clock() + timedelta(seconds=int(result.get("expires_in", 7200)))
        self._remember(result["access_token"])
        return result

    def _ensure_row(self) -> None:
        """An expired placeholder, so that even the very first refresh has a row to lock."""
        with Session(self.session.engine) as db:
            if db.get(AccessToken, self.access_token_key) is None:
                db.add(AccessToken(key=self.access_token_key, token="", expires_at=datetime.fromtimestamp(0, UTC)))
                try:
                    db.commit()
                except IntegrityError:
                    db.rollback()

    def _request_token(self) -> dict[str, Any]:
        """The platform's token answer; raises wechatpy's WeChatClientException on an error code."""
        url, params = self._token_request()
        response = self._http.get(url, params=params, timeout=self.timeout)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                        request=response.request, response=response)
        return result

    def _token_request(self) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def _point_at(self, api_base: str, token_path: str) -> None:
        """wechatpy reads every URL but the token's from API_BASE_URL; the token URL is ours to build."""
        self._local = threading.local()
        self._token_url = f"{api_base.rstrip('/')}/cgi-bin/{token_path}"
        self.API_BASE_URL = f"{api_base.rstrip('/')}/cgi-bin/"


class OfficialAccountClient(SharedTokenRefresh, WeChatClient):  # type: ignore[misc]
    def __init__(self, api_base: str, app_id: str, secret: str, storage: DatabaseTokenStorage,
                 timeout: float = 5.0) -> None:
        super().__init__(app_id, secret, session=storage, timeout=timeout)
        self._point_at(api_base, "token")

    def _token_request(self) -> tuple[str, dict[str, str]]:
        return self._token_url, {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}


class WeComApiClient(SharedTokenRefresh, WeComClient):  # type: ignore[misc]
    def __init__(self, api_base: str, corp_id: str, secret: str, storage: DatabaseTokenStorage,
                 timeout: float = 5.0) -> None:
        super().__init__(corp_id, secret, session=storage, timeout=timeout)
        self._point_at(api_base, "gettoken")

    def _token_request(self) -> tuple[str, dict[str, str]]:
        return self._token_url, {"corpid": self.corp_id, "corpsecret": self.secret}


def official_account_client(settings: Settings, engine: Engine, clock: Clock = system_clock) -> OfficialAccountClient:
    return OfficialAccountClient(settings.wechat_api_base, settings.wechat_app_id,
                                 settings.wechat_app_secret.get_secret_value(), DatabaseTokenStorage(engine, clock))


def wecom_client(settings: Settings, engine: Engine, clock: Clock = system_clock) -> WeComApiClient:
    return WeComApiClient(settings.wecom_api_base, settings.wecom_corp_id, settings.wecom_secret.get_secret_value(),
                          DatabaseTokenStorage(engine, clock))
