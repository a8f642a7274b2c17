"""Security headers on every answer: no content sniffing, no referrer leaving the site, a content security
policy that lets pages load only their own scripts, and no framing by other sites, except for the residents'
chat page, which a community's own site may embed (`web_chat_frame_ancestors`)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBEDDABLE = frozenset({"/chat"})
UNPOLICED = ("/docs", "/redoc")
"""The API documentation pages load their scripts from a CDN: no content security policy for them."""
POLICY = ("default-src 'self'; img-src 'self' data: http: https:; media-src 'self'; "
          "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; "
          "form-action 'self'; frame-ancestors {ancestors}")
"""Photos come from the platforms' own addresses (WeChat's PicUrl); inline style attributes draw the console's
charts; nothing else is allowed from outside or inline."""


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp, chat_frame_ancestors: str = "*") -> None:
        self.app = app
        self.chat_frame_ancestors = chat_frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        embeddable = path in EMBEDDABLE

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not embeddable:
                    headers.setdefault("X-Frame-Options", "DENY")
                if not path.startswith(UNPOLICED):
                    ancestors = self.chat_frame_ancestors if embeddable else "'none'"
                    headers.setdefault("Content-Security-Policy", POLICY.format(ancestors=ancestors))
            await send(message)

        await self.app(scope, receive, with_headers)
