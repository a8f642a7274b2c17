"""WeChat's side of the callback, for tests: real XML, signed (and AES-encrypted) with wechatpy's
crypto, posted over real HTTP to the real app served by uvicorn in the test's event loop."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from defusedxml.ElementTree import fromstring
from fastapi import FastAPI
from wechatpy.crypto import WeChatCrypto

from bot.app import create_app
from bot.runtime import Runtime

TOKEN = "frontdoor-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_frontdoor_test"


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(openid: str, content: str, msg_id: int, created: int | None = None) -> str:
    return message_xml(openid, "text", msg_id, created, Content=content)


def message_xml(openid: str, msg_type: str, msg_id: int | None, created: int | None = None, **fields: str) -> str:
    created = created or int(time.time())
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    msg = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{extra}{msg}</xml>")


def event_xml(openid: str, event: str, created: int | None = None, **fields: str) -> str:
    return message_xml(openid, "event", None, created, Event=event, **fields)


def reply_fields(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in fromstring(xml)}


def signed_query(timestamp: int | None = None, nonce: str | None = None, token: str = TOKEN) -> dict[str, str]:
    ts, nonce = str(timestamp or int(time.time())), nonce or uuid.uuid4().hex[:10]
    return {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce}


def encrypted_callback(crypto: WeChatCrypto, xml: str) -> tuple[dict[str, str], str]:
    """The query and body of `xml` posted in safe mode: encrypted, and signed twice."""
    query = signed_query()
    fields = reply_fields(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))
    params = {**query, "encrypt_type": "aes", "msg_signature": fields["MsgSignature"]}
    return params, f"<xml><Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>"


def decrypted_reply(crypto: WeChatCrypto, body: str) -> dict[str, str]:
    fields = reply_fields(body)
    return reply_fields(crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]))


@dataclass
class WeChatCallbacks:
    """Posts callbacks the way WeChat does: the signature in the query, the message as the body."""

    client: httpx.AsyncClient
    app_id: str
    crypto: WeChatCrypto

    def query(self, timestamp: int | None = None, nonce: str | None = None, token: str = TOKEN) -> dict[str, str]:
        return signed_query(timestamp, nonce, token)

    async def post_plain(self, xml: str, **query: Any) -> httpx.Response:
        return await self.client.post("/wechat", params={**self.query(), **query}, content=xml.encode())

    async def post_encrypted(self, xml: str) -> tuple[httpx.Response, dict[str, str]]:
        params, body = encrypted_callback(self.crypto, xml)
        return await self.client.post("/wechat", params=params, content=body), params

    def decrypt_reply(self, body: str) -> dict[str, str]:
        return decrypted_reply(self.crypto, body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serve_app(runtime: Runtime, app: FastAPI | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The real app for `runtime` (channels, dispatcher and all), or `app` made from it, on a real port,
    in this event loop."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app or create_app(runtime=runtime), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def serve(runtime: Runtime) -> AsyncIterator[WeChatCallbacks]:
    """The real app for `runtime` on a real port, in this event loop, and a WeChat to talk to it."""
    async with serve_app(runtime) as client:
        yield WeChatCallbacks(client, runtime.settings.wechat_app_id,
                              WeChatCrypto(TOKEN, AES_KEY, runtime.settings.wechat_app_id))
