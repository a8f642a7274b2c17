"""The official account's callback: checks, decryption, the resident's message, the XML answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply

from bot.channels.wechat.inbound import CHANNEL, Callback, read_callback
from bot.channels.wechat.responder import Responder
from bot.channels.wechat.security import (
    BadSignature,
    CallbackRejected,
    NonceLedger,
    check_signature,
    fields_of,
    parse_xml,
    utf8_text,
)
from bot.core.wording import Wording
from storage.profile import Profile
from storage.repositories import consents
from storage.repositories.residents import deactivate_identity

log = logging.getLogger(__name__)

NO_ANSWER = "success"
"""WeChat's word for "no passive answer": it stops waiting and does not retry."""


class DecryptionFailed(CallbackRejected):
    status = 400


class PlaintextRefused(CallbackRejected):
    """Safe mode is configured: a plaintext callback's signature does not cover its body."""

    status = 403


@dataclass(frozen=True)
class CallbackQuery:
    signature: str
    timestamp: str
    nonce: str
    encrypt_type: str = "raw"
    msg_signature: str | None = None

    @property
    def encrypted(self) -> bool:
        return self.encrypt_type == "aes"


@dataclass
class OfficialAccount:
    token: str
    app_id: str
    crypto: WeChatCrypto | None
    community_key: str | None
    profile: Profile
    sessions: async_sessionmaker[AsyncSession]
    responder: Responder
    click_payload: Callable[[str], str | None]
    nonces: NonceLedger = field(default_factory=NonceLedger)

    def verify_url(self, query: CallbackQuery, echostr: str) -> str:
        check_signature(self.token, query.signature, query.timestamp, query.nonce, time.time())
        return echostr

    async def receive(self, query: CallbackQuery, body: bytes) -> str:
        """The HTTP answer to one callback: XML, or `success`. Raises CallbackRejected."""
        now = time.time()
        check_signature(self.token, query.signature, query.timestamp, query.nonce, now)
        if self.crypto is not None and not query.encrypted:
            raise PlaintextRefused("a plaintext callback while safe mode (EncodingAESKey) is configured")
        self.nonces.check(query.timestamp, query.nonce, body, now)
        body_text = utf8_text(body)
        outer = parse_xml(body_text)
        xml = self._decrypt(query, fields_of(outer)) if query.encrypted else body_text
        fields_of(parse_xml(xml))
        callback = read_callback(xml, self.community_key, self.click_payload)
        # The timestamp is whole seconds: WeChat sent this try at least `now - (timestamp + 1)` seconds ago.
        text = await self._answer(callback, waited=max(0.0, time.time() - int(query.timestamp) - 1))
        if text is None:
            return NO_ANSWER
        reply = TextReply(source=callback.account, target=callback.openid, content=text).render()
        if query.encrypted and self.crypto is not None:
            return str(self.crypto.encrypt_message(reply, query.nonce, query.timestamp))
        return str(reply)

    def _decrypt(self, query: CallbackQuery, outer: dict[str, str]) -> str:
        if self.crypto is None:
            raise DecryptionFailed("an encrypted message came but no EncodingAESKey is configured")
        if "Encrypt" not in outer or not query.msg_signature:
            raise DecryptionFailed("encrypted mode without Encrypt or msg_signature")
        try:
            return str(self.crypto.decrypt_message({"Encrypt": outer["Encrypt"]}, query.msg_signature,
                                                   query.timestamp, query.nonce))
        except InvalidSignatureException:
            raise BadSignature("msg_signature does not match") from None
        except Exception as error:  # any cipher or padding failure is the same to the sender
            log.warning("WeChat message could not be decrypted (%s); payload not logged", type(error).__name__)
            raise DecryptionFailed("message could not be decrypted") from None

    async def _answer(self, callback: Callback, waited: float) -> str | None:
        """`waited`: seconds since WeChat sent this try (its signed timestamp), e.g. in a restarting server's
        socket queue; WeChat stops listening for an answer 5 s after it sent."""
        wording = Wording(self.profile, self.community_key)
        if callback.unsubscribed:
            async with self.sessions() as session, session.begin():
                await deactivate_identity(session, CHANNEL, callback.openid)
            return None
        if callback.consents:
            async with self.sessions() as session, session.begin():
                consents.grant(session, callback.openid, callback.consents, self.responder.clock())
            return None
        if callback.message is not None:
            return await self.responder.answer(callback.message, wording, waited)
        return wording.render(callback.reply_key) if callback.reply_key else None
