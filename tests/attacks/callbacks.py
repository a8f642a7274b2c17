"""WeChat's, WeCom's and Telegram's side of the arena's webhooks, over a plain (blocking) HTTP client:
real XML signed and encrypted with wechatpy's crypto, the way tests/channels/wechat_server.py and
wecom_server.py do it for an app served in the test's own event loop."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from tests.attacks.arena import TELEGRAM_SECRET, Arena
from tests.channels import wecom_server
from tests.channels.wechat_server import AES_KEY, TOKEN, reply_fields, sign

_msg_ids = itertools.count(7_300_000_000_000_000_001)
_telegram_ids = itertools.count(900_001)


def new_msg_id() -> int:
    return next(_msg_ids)


def signed_query(token: str = TOKEN, timestamp: int | str | None = None, *payload: str) -> dict[str, str]:
    """`signature` (or, over a payload, `msg_signature`) with its timestamp and nonce."""
    ts, nonce = str(int(time.time()) if timestamp is None else timestamp), uuid.uuid4().hex[:10]
    name = "msg_signature" if payload else "signature"
    return {name: sign(token, ts, nonce, *payload), "timestamp": ts, "nonce": nonce}


@dataclass
class WeChat:
    client: httpx.Client
    crypto: WeChatCrypto

    @classmethod
    def of(cls, arena: Arena, client: httpx.Client) -> WeChat:
        return cls(client, WeChatCrypto(TOKEN, AES_KEY, arena.settings.wechat_app_id))

    def post_plain(self, xml: str, query: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post("/wechat", params=query or signed_query(), content=xml.encode())

    def aes_request(self, xml: str, timestamp: int | None = None) -> tuple[dict[str, str], str]:
        """The query and body WeChat sends for `xml` in safe mode."""
        query = signed_query(TOKEN, timestamp)
        envelope = reply_fields(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))
        params = {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        return params, f"<xml><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"

    def post_aes(self, params: dict[str, str], body: str) -> httpx.Response:
        return self.client.post("/wechat", params=params, content=body.encode())

    def decrypt(self, body: str) -> dict[str, str]:
        fields = reply_fields(body)
        return reply_fields(self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"],
                                                        fields["Nonce"]))


@dataclass
class WeCom:
    client: httpx.Client
    corp_id: str
    crypto: WeComCrypto

    @classmethod
    def of(cls, arena: Arena, client: httpx.Client) -> WeCom:
        corp_id = arena.settings.wecom_corp_id
        return cls(client, corp_id, WeComCrypto(wecom_server.TOKEN, wecom_server.AES_KEY, corp_id))

    def encrypt(self, xml: str) -> str:
        return str(PrpCrypto(self.crypto.key).encrypt(xml, self.corp_id).decode())

    def envelope(self, encrypted: str) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<AgentID>{wecom_server.AGENT_ID}</AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")

    def request(self, xml: str, timestamp: int | None = None, token: str = wecom_server.TOKEN
                ) -> tuple[dict[str, str], str]:
        encrypted = self.encrypt(xml)
        return signed_query(token, timestamp, encrypted), self.envelope(encrypted)

    def post(self, params: dict[str, str], body: str) -> httpx.Response:
        return self.client.post("/wecom", params=params, content=body.encode())

    def decrypt(self, body: str) -> dict[str, str]:
        fields = reply_fields(body)
        return reply_fields(self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"],
                                                        fields["Nonce"]))


def telegram_update(chat: int, text: str, message_id: int | None = None) -> dict[str, Any]:
    """An update as Telegram posts it for a resident's text message."""
    user = {"id": chat, "is_bot": False, "first_name": "Resident"}
    return {"update_id": next(_telegram_ids), "message": {
        "message_id": message_id or next(_telegram_ids), "date": int(time.time()), "from": user,
        "chat": {"id": chat, "type": "private", "first_name": "Resident"}, "text": text}}


def post_update(client: httpx.Client, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET,
                **headers: str) -> httpx.Response:
    sent = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/telegram/webhook", json=update, headers={**sent, **headers})
