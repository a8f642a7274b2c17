"""WeCom's side of the staff callback, for tests: real WeCom XML, AES-encrypted and signed with
wechatpy's enterprise crypto, posted over real HTTP to the app served by uvicorn in the test's loop."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

from bot.app import create_app
from bot.channels.wecom import route as wecom
from bot.channels.wecom.callback import WeComCallback
from bot.runtime import Runtime
from tests.channels.wechat_server import reply_fields, serve_app, sign

TOKEN = "frontdoor-wecom-token"
AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"
AGENT_ID = 1000002
_msg_ids = itertools.count(8_100_000_000_000_000_001)


def wecom_text_xml(corp_id: str, user_id: str, content: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[{user_id}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{next(_msg_ids)}</MsgId>"
            f"<AgentID>{AGENT_ID}</AgentID></xml>")


def wecom_event_xml(corp_id: str, user_id: str, event: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[{user_id}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>{AGENT_ID}</AgentID></xml>")


@dataclass
class WeComCallbacks:
    """Posts callbacks the way WeCom does: `msg_signature` over the encrypted payload, in the query."""

    client: httpx.AsyncClient
    corp_id: str
    crypto: WeChatCrypto

    def signed(self, payload: str, timestamp: int | None = None, token: str = TOKEN) -> dict[str, str]:
        ts, nonce = str(timestamp or int(time.time())), uuid.uuid4().hex[:10]
        return {"msg_signature": sign(token, ts, nonce, payload), "timestamp": ts, "nonce": nonce}

    def encrypt(self, xml: str) -> str:
        return str(PrpCrypto(self.crypto.key).encrypt(xml, self.corp_id).decode())

    def envelope(self, encrypted: str) -> str:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID>{AGENT_ID}</AgentID>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")

    async def post(self, xml: str, timestamp: int | None = None, token: str = TOKEN) -> httpx.Response:
        encrypted = self.encrypt(xml)
        return await self.client.post("/wecom", params=self.signed(encrypted, timestamp, token),
                                      content=self.envelope(encrypted))

    async def say(self, user_id: str, text: str) -> str:
        """What the application answers a staff member who writes `text`."""
        response = await self.post(wecom_text_xml(self.corp_id, user_id, text))
        assert response.status_code == 200, response.text
        reply = self.decrypt_reply(response.text)
        assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (user_id, self.corp_id, "text")
        return reply["Content"]

    def decrypt_reply(self, body: str) -> dict[str, str]:
        fields = reply_fields(body)
        return reply_fields(self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"],
                                                        fields["Nonce"]))


@asynccontextmanager
async def serve_wecom(runtime: Runtime, callback: WeComCallback, corp_id: str) -> AsyncIterator[WeComCallbacks]:
    """The real app with the `/wecom` router mounted and its callback set, on a real port, in this loop.

    This mounts what bot/app.py mounts when WeCom is configured, but leaves the app's outbox
    dispatcher off, so that each test decides when staff notifications are delivered.
    (tests/channels/test_wechat_to_wecom.py runs the app exactly as configured, dispatcher included.)
    """
    app = create_app(runtime=runtime)
    app.include_router(wecom.router)
    app.state.wecom_callback = callback
    async with serve_app(runtime, app) as client:
        yield WeComCallbacks(client, corp_id, WeChatCrypto(TOKEN, AES_KEY, corp_id))
