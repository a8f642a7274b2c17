"""The WeCom application's callback: checks, decryption, a staff command, the encrypted answer.

WeCom signs every callback with `msg_signature` over the token, timestamp, nonce and the encrypted
payload (or, to verify the URL, the encrypted `echostr`), and always encrypts (AES with the
EncodingAESKey). So the payload the signature covers is found in the UTF-8 body by a bounded pattern,
the signature and the timestamp's freshness are checked before any XML parser sees the body, the
envelope is then parsed by defusedxml (and must hold that same payload), and the decrypted message is
parsed by defusedxml before wechatpy sees it.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.replies import TextReply
from wechatpy.exceptions import InvalidSignatureException

from bot.channels.wechat.official_account import DecryptionFailed
from bot.channels.wechat.security import (
    BadSignature,
    MalformedXml,
    check_signature,
    fields_of,
    parse_xml,
    utf8_text,
)
from bot.channels.wecom.notifier import CHANNEL
from bot.office.staff_desk import StaffDesk
from storage.models import StaffAnswer

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 64
MAX_MESSAGE_ID_CHARS = 30
"""WeCom user ids have at most 64 characters and MsgIds about 20 digits: longer is refused as malformed, before
the answer is kept as `<sender>:<MsgId>` in 100 characters."""
ENCRYPTED_PAYLOAD = re.compile(r"<Encrypt>\s*(?:<!\[CDATA\[)?([A-Za-z0-9+/=]{1,65536})(?:\]\]>)?\s*</Encrypt>")
"""The base64 payload in the envelope, found without parsing it."""
NO_ANSWER = ""
"""WeCom's "no passive answer": an empty body (events such as entering the application)."""


@dataclass(frozen=True)
class WeComQuery:
    msg_signature: str
    timestamp: str
    nonce: str


@dataclass
class WeComCallback:
    token: str
    crypto: WeChatCrypto
    desk: StaffDesk

    def verify_url(self, query: WeComQuery, echostr: str) -> str:
        """The decrypted `echostr`, which WeCom expects back to accept the URL."""
        check_signature(self.token, query.msg_signature, query.timestamp, query.nonce, time.time(), echostr)
        try:
            return str(self.crypto.check_signature(query.msg_signature, query.timestamp, query.nonce, echostr))
        except InvalidSignatureException:
            raise BadSignature("msg_signature does not match") from None
        except Exception as error:  # any cipher, padding or corp id failure is the same to the sender
            log.warning("WeCom echostr could not be decrypted (%s)", type(error).__name__)
            raise DecryptionFailed("echostr could not be decrypted") from None

    async def receive(self, query: WeComQuery, body: bytes) -> str:
        """The HTTP answer to one callback: an encrypted XML reply, or empty. Raises CallbackRejected."""
        text = utf8_text(body)
        found = ENCRYPTED_PAYLOAD.search(text)
        if found is None:
            raise MalformedXml("no <Encrypt>: WeCom callbacks are always encrypted")
        encrypted = found.group(1)
        check_signature(self.token, query.msg_signature, query.timestamp, query.nonce, time.time(), encrypted)
        if fields_of(parse_xml(text)).get("Encrypt", "").strip() != encrypted:
            raise MalformedXml("the envelope's <Encrypt> is not the payload that was signed")
        xml = self._decrypt(query, encrypted)
        fields_of(parse_xml(xml))
        try:
            message = parse_message(xml)
        except (KeyError, TypeError, ValueError):
            raise MalformedXml("not a WeCom message") from None
        if message.type == "event":
            return NO_ANSWER
        sender = str(message.source or "")
        if not 0 < len(sender) <= MAX_SENDER_CHARS or len(str(message.id)) > MAX_MESSAGE_ID_CHARS:
            raise MalformedXml("a sender or message id longer than WeCom's")
        answer = await self._answer_once(sender, f"{sender}:{message.id}",
                                         str(message.content or "") if message.type == "text" else "")
        reply = TextReply(message=message, content=answer).render()
        return str(self.crypto.encrypt_message(reply, query.nonce, query.timestamp))

    async def _answer_once(self, sender: str, key: str, text: str) -> str:
        """The desk's answer, or, for a retry of a message already answered, the answer it got then."""
        async with self.desk.sessions() as session:
            seen = await session.get(StaffAnswer, (CHANNEL, key))
        if seen is not None:
            return seen.answer
        answer = await self.desk.answer(sender, text)
        async with self.desk.sessions() as session, session.begin():
            await session.merge(StaffAnswer(channel=CHANNEL, message_key=key, answer=answer,
                                            created_at=self.desk.clock()))
        return answer

    def _decrypt(self, query: WeComQuery, encrypted: str) -> str:
        try:
            return str(self.crypto.decrypt_message({"Encrypt": encrypted}, query.msg_signature, query.timestamp,
                                                   query.nonce))
        except InvalidSignatureException:
            raise BadSignature("msg_signature does not match") from None
        except Exception as error:  # any cipher, padding or corp id failure is the same to the sender
            log.warning("WeCom message could not be decrypted (%s); payload not logged", type(error).__name__)
            raise DecryptionFailed("message could not be decrypted") from None
