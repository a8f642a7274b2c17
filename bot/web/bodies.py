"""Request bodies read with a limit, and requests no route should have to defend against.

`RequestGuard` sees every request before any route does (webhooks, the chat API, console forms,
Open311 filings: whatever takes a body, now or later). It refuses with 413 a body declared or streamed
over the limit, before it is read whole, and with 400 a NUL character in the path, the query or a
form or JSON body: nobody types one, and PostgreSQL cannot store or even compare a text holding one,
so it would otherwise surface as a 500 in whichever query met it first. `read_limited` is the
webhooks' own check, kept so that they refuse in the callbacks' order and words.
"""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.wechat.security import MAX_BODY_BYTES, BodyTooLarge

log = logging.getLogger(__name__)


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body of {declared} bytes is over the {limit}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"body is over the {limit}-byte limit")
    return bytes(body)


class RequestGuard:
    """ASGI middleware: a body declared or streamed (chunked) over `limit` bytes is answered 413 without
    calling the app; a body within it is read here and handed on whole, unless it or the URL carries a
    NUL character (400)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send, f"body of {int(declared)} bytes")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await self._refuse(scope, receive, send, "streamed body")
                return
            if not message.get("more_body", False):
                break
        if carries_nul(scope, bytes(body)):
            log.warning("%s %s refused: a NUL character in the request", scope["method"], scope["path"])
            await PlainTextResponse("NUL character in the request", status_code=400)(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, what: str) -> None:
        log.warning("%s %s refused: %s over the %d-byte limit", scope["method"], scope["path"], what, self.limit)
        answer = PlainTextResponse(f"request body over the {self.limit}-byte limit", status_code=413,
                                   headers={"Connection": "close"})
        await answer(scope, receive, send)


_NUL_IN_BODY = {
    b"application/x-www-form-urlencoded": (b"%00", b"\x00"),
    b"multipart/form-data": (b"\x00",),  # no route takes a file; one that does must judge its own bytes
    b"application/json": (b"\\u0000", b"\x00"),
}


def carries_nul(scope: Scope, body: bytes) -> bool:
    """A NUL in the (decoded) path, the query, or a body of a kind routes read as text."""
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
        return True
    kind = dict(scope["headers"]).get(b"content-type", b"").partition(b";")[0].strip().lower()
    return any(marker in body for marker in _NUL_IN_BODY.get(kind, ()))


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; afterwards the connection's own messages (a disconnect)."""
    pending = [body]

    async def replayed() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replayed
