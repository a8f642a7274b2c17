"""WeCom for staff assembled from settings and the running front door: the callback that takes
staff commands, and the notifier that delivers staff messages from the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.channels.wechat.tokens import wecom_client
from bot.channels.wecom.callback import WeComCallback
from bot.channels.wecom.notifier import CHANNEL, WeComNotifier
from bot.office.staff_desk import StaffDesk
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeCom:
    callback: WeComCallback
    """Serves `/wecom` (bot/channels/wecom/route.py reads it from `app.state.wecom_callback`)."""
    notifier: WeComNotifier
    """Delivers outbox messages addressed to staff (`OutboxDispatcher(staff=...)`)."""


def build_wecom(runtime: Runtime, token_engine: Engine) -> WeCom:
    settings = runtime.settings
    if settings.wecom_token is None or settings.wecom_aes_key is None:
        raise ValueError("FRONTDOOR_WECOM_TOKEN and FRONTDOOR_WECOM_AES_KEY must both be set: WeCom always encrypts")
    if not runtime.profile.staff_commands.claim:
        log.warning("the profile has no staff_commands.yaml: staff can read WeCom cards but not act from WeCom")
    token = settings.wecom_token.get_secret_value()
    crypto = WeChatCrypto(token, settings.wecom_aes_key.get_secret_value(), settings.wecom_corp_id)
    clock = runtime.clock
    desk = StaffDesk(runtime.sessions, runtime.profile, CHANNEL, clock)
    notifier = WeComNotifier(runtime.sessions, runtime.profile, wecom_client(settings, token_engine, clock),
                             settings.wecom_agent_id, settings.public_url, clock)
    return WeCom(WeComCallback(token, crypto, desk), notifier)
