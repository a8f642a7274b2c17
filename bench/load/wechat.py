"""Messages as WeChat posts them to the bench's app, and the app's answers read back, with the tests'
WeChat side (`tests.channels.wechat_server`: its token, AES key, XML, signatures and decryption)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from wechatpy.crypto import WeChatCrypto

from tests.channels.wechat_server import AES_KEY, TOKEN, WeChatCallbacks, reply_fields, text_xml
from tests.fakes.wechat_api import FakeWeChatAPI

_FAKE = FakeWeChatAPI()  # not started: only its credentials are read
APP_ID, APP_SECRET = _FAKE.appid, _FAKE.secret
"""The fake API's app: the app fetches its access token with these, and the AES envelope carries the id."""
CORP_ID, CORP_SECRET = _FAKE.corpid, _FAKE.corpsecret
NO_ANSWER = "success"


@dataclass(frozen=True)
class Envelope:
    """One callback exactly as WeChat sends it; a retry sends the same query and body again."""

    params: dict[str, str]
    body: bytes


class WeChatSide:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.callbacks = WeChatCallbacks(client, APP_ID, WeChatCrypto(TOKEN, AES_KEY, APP_ID))

    def envelope(self, openid: str, text: str, msg_id: int) -> Envelope:
        """A text message from `openid`, encrypted and signed (safe mode)."""
        query = self.callbacks.query()
        fields = reply_fields(self.callbacks.crypto.encrypt_message(text_xml(openid, text, msg_id), query["nonce"],
                                                                    query["timestamp"]))
        body = f"<xml><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>".encode()
        return Envelope({**query, "encrypt_type": "aes", "msg_signature": fields["MsgSignature"]}, body)

    async def post(self, envelope: Envelope) -> httpx.Response:
        return await self.callbacks.client.post("/wechat", params=envelope.params, content=envelope.body)

    def content(self, answer: str) -> str | None:
        """The text of the app's answer, or None for `success` (the replies follow later)."""
        if answer == NO_ANSWER:
            return None
        return self.callbacks.decrypt_reply(answer).get("Content", "")
