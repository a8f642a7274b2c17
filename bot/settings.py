"""Settings from the environment (prefix FRONTDOOR_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from nlu.result import ConfidencePolicy
from storage.db import DEFAULT_DATABASE_URL

DEVELOPMENT_SECRET = "development-only-secret"
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})
"""Hosts a server listens on to take every address: a link to one of them reaches this machine at 127.0.0.1."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDOOR_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = 10
    """Database connections each process keeps open; a turn holds one from its first statement to its commit.
    More turns at once wait for one in the process (cheap) rather than open more: SQLAlchemy's default, 5 kept
    and 10 opened and closed again at a peak, spent more CPU opening PostgreSQL connections than answering and
    the load ramp collapsed at 60 msg/s. Every process's pool must fit in PostgreSQL's max_connections
    (deploy/README.md, Sizing)."""
    database_max_overflow: int = 0
    """Connections a process may open beyond `database_pool_size` at a peak, closed again when returned."""
    profile_dir: Path = Path("profiles/demo")
    nlu_data: list[Path] = [Path("nlu/data/nlu.yml")]
    nlu_model: Path | None = None
    nlu_backend: Literal["embedded", "rasa"] = "embedded"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 2.0
    fallback_threshold: float = 0.5
    ambiguity_margin: float = 0.1
    emergency_floor: float = 0.2
    policy_index: Path = Path("models/policy-index.pkl")
    """The policy texts' index (`frontdoor faq index`): read at start when built from the texts as they are,
    else rebuilt and written here (only passages that changed are embedded again)."""
    policy_dense: bool = True
    """Rank policy answers with sentence embeddings too; off, by words alone (no model loaded)."""
    sync_profile_on_start: bool = True
    """Mirror the profile into the database at start-up; `serve --workers N` does it once for all."""
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str = "127.0.0.1"
    """Addresses (comma-separated) whose X-Forwarded-For / X-Forwarded-Proto the server believes: the
    reverse proxy on this host (deploy/nginx). A client's address then reaches the app (sign-in throttling)."""
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    demo_pages: bool = True
    web_chat: bool = True
    """The residents' chat page (`/chat`): the H5 page a WeChat menu opens or a community site embeds. Each
    browser keeps an identity signed with `secret_key` and receives what the office sends while it is open."""
    web_chat_frame_ancestors: str = "*"
    """Which sites may embed the chat page in a frame (a CSP frame-ancestors list, e.g. `https://www.example.gov.cn`);
    every other page may be framed by none."""
    public_url: str = "http://127.0.0.1:8000"
    """Where residents and staff reach the app: form links in policy answers and console links in staff cards
    point here. Unset, `serve` takes where it listens (`serving_at`)."""

    wechat_token: SecretStr | None = None
    """The official account's server token: without it the /wechat endpoint is not mounted."""
    wechat_app_id: str = ""
    wechat_app_secret: SecretStr = SecretStr("")
    wechat_aes_key: SecretStr | None = None
    """The EncodingAESKey, for compatible and safe mode."""
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_community: str | None = None
    """The community this account belongs to; unset, residents are asked."""
    wechat_reply_budget_seconds: float = 4.0
    wechat_shutdown_grace_seconds: float = 5.0
    """At shutdown, how long messages still being handled are waited for before they are left to the spool."""
    spool_dir: Path = Path("var/spool")
    """Local disk where a WeChat message answered `success` is kept until it is handled (`bot.channels.spool`);
    each server process has a file of its own there, and takes over those of processes that died."""
    """How long a webhook waits for the pipeline before answering `success` and replying later."""
    wechat_subscribe_template_id: str | None = None
    """A subscribe-notification template for messages outside the 48-hour window."""

    telegram_token: SecretStr | None = None
    """The bot's token from @BotFather: without it Telegram is off."""
    telegram_webhook_secret: SecretStr | None = None
    """Checked on every webhook call (X-Telegram-Bot-Api-Secret-Token); set, `/telegram/webhook` is served."""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_community: str | None = None
    """The community residents writing to this bot belong to; unset, they are asked."""

    wecom_corp_id: str = ""
    wecom_secret: SecretStr = SecretStr("")
    wecom_agent_id: int = 0
    wecom_token: SecretStr | None = None
    """The WeCom application's callback token: without it the /wecom endpoint is not mounted."""
    wecom_aes_key: SecretStr | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com"

    in_app_worker: bool = True
    """The app delivers the outbox and runs scheduled jobs itself (one server, e.g. on SQLite); turn it
    off when `frontdoor worker` processes do it."""
    outbox_lease_seconds: float = Field(default=300.0, ge=15)
    """How long a worker holds messages it claimed; a dead worker's messages come due again after it."""
    worker_beat_seconds: float = Field(default=5.0, gt=0)
    telegram_per_second: int = Field(default=30, ge=1)
    """The bot's overall Telegram limit, shared evenly by the live workers."""

    def serving_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening at host:port: the links the bot gives (a guide's forms, the
        console in staff cards) point there, unless `public_url` was set to where residents and staff reach it."""
        if "public_url" in self.model_fields_set:
            return self
        shown = "127.0.0.1" if host in ANY_ADDRESS else f"[{host}]" if ":" in host else host
        return self.model_copy(update={"public_url": f"http://{shown}:{port}"})

    def database_pool(self) -> dict[str, Any]:
        """The engine's pool options on PostgreSQL; SQLite (one writer at a time, in-memory in tests) keeps its own."""
        if make_url(self.database_url).get_backend_name() != "postgresql":
            return {}
        return {"pool_size": self.database_pool_size, "max_overflow": self.database_max_overflow}

    def confidence_policy(self) -> ConfidencePolicy:
        return ConfidencePolicy(self.fallback_threshold, self.ambiguity_margin, (("emergency", self.emergency_floor),))

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("FRONTDOOR_SECRET_KEY must be set in production")
            if self.demo_pages:
                raise ValueError("FRONTDOOR_DEMO_PAGES shows every ticket without sign-in: turn it off in production")
        return self
