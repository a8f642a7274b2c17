"""Messages as WeChat posts them to the bench's app, and the app's answers read back, with the tests'
WeChat side (`tests.channels.wechat_server`: its token, AES key, XML, signatures and decryption)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from wechatpy.crypto import WeChatCrypto

from tests.channels.wechat_server import AES_KEY, TOKEN, decrypted_reply, encrypted_callback, text_xml
from tests.fakes.wechat_api import FakeWeChatAPI

_FAKE = FakeWeChatAPI()  # not started: only its credentials are read
APP_ID, APP_SECRET = _FAKE.appid, _FAKE.secret
"""The fake API's app: the app fetches its access token with these, and the AES envelope carries the id."""
CORP_ID, CORP_SECRET = _FAKE.corpid, _FAKE.corpsecret
NO_ANSWER = "success"
PATH = "/wechat"

READ_FAILURES = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)
"""What `OneShotClient.post` raises for a connection refused or reset, or an answer that is not HTTP."""


@dataclass(frozen=True)
class Envelope:
    """One callback exactly as WeChat sends it; a retry sends the same request again."""

    target: str
    """Path and query: the signature, timestamp and nonce."""
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


class OneShotClient:
    """POSTs over a fresh connection each time, as WeChat's many senders would (the server processes share one
    listening socket; a kept-alive connection would stay with whichever process accepted it). HTTP/1.1 written
    by hand: the driver shares the 2 cores with what it measures, and httpx's and anyio's layers cost it more
    CPU a message than the whole HTTP path of a server process."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"the app's URL needs a host and a port: {url}")
        self.host, self.port = parts.hostname, parts.port
        self.head = f"Host: {parts.netloc}\r\nContent-Type: text/xml\r\nConnection: close\r\n".encode()

    async def post(self, target: str, body: bytes) -> Answer:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s"
                         % (target.encode(), self.head, len(body), body))
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ", 2)[1])
            lengths = [line.split(":", 1)[1] for line in head[1:] if line.lower().startswith("content-length:")]
            content = await reader.readexactly(int(lengths[0])) if lengths else await reader.read()
        finally:
            writer.close()
        return Answer(status, content.decode())


class WeChatSide:
    def __init__(self, url: str) -> None:
        self.client = OneShotClient(url)
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    def envelope(self, openid: str, text: str, msg_id: int) -> Envelope:
        """A text message from `openid`, encrypted and signed (safe mode)."""
        query, body = encrypted_callback(self.crypto, text_xml(openid, text, msg_id))
        return Envelope(f"{PATH}?{urlencode(query)}", body.encode())

    async def post(self, envelope: Envelope) -> Answer:
        return await self.client.post(envelope.target, envelope.body)

    def content(self, answer: str) -> str | None:
        """The text of the app's answer, or None for `success` (the replies follow later)."""
        if answer == NO_ANSWER:
            return None
        return decrypted_reply(self.crypto, answer).get("Content", "")
