"""The official account assembled from settings and the running front door."""

from __future__ import annotations

from functools import partial

from sqlalchemy import Engine
from wechatpy.crypto import WeChatCrypto

from bot.channels.spool import Spool
from bot.channels.wechat.menu import payload_for_click
from bot.channels.wechat.official_account import OfficialAccount
from bot.channels.wechat.responder import Responder
from bot.channels.wechat.sender import WeChatSender
from bot.channels.wechat.tokens import official_account_client
from bot.runtime import Runtime


def build_official_account(runtime: Runtime, token_engine: Engine) -> OfficialAccount:
    settings = runtime.settings
    if settings.wechat_token is None:
        raise ValueError("FRONTDOOR_WECHAT_TOKEN is not set")
    token = settings.wechat_token.get_secret_value()
    aes_key = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
    crypto = WeChatCrypto(token, aes_key, settings.wechat_app_id) if aes_key else None
    clock = runtime.clock
    sender = WeChatSender(runtime.sessions, official_account_client(settings, token_engine, clock), runtime.profile,
                          settings.wechat_subscribe_template_id, clock=clock)
    responder = Responder(runtime.pipeline, runtime.sessions, sender, Spool(settings.spool_dir, settings.database_url),
                          settings.wechat_reply_budget_seconds, clock,
                          shutdown_grace_seconds=settings.wechat_shutdown_grace_seconds)
    return OfficialAccount(token, settings.wechat_app_id, crypto,
                           settings.wechat_community, runtime.profile, runtime.sessions, responder,
                           partial(payload_for_click, runtime.profile.wechat_menu))
