"""The residents' web chat (`/chat` and `/api/web/...`), and the demo page's unsigned chat (`/api/chat`).

A browser first asks for an identity (`POST /api/web/identity`) and keeps it; every message and inbox poll
carries it in the `X-Resident-Token` header. The inbox is long-polled: it answers at once with what arrived
after the page's cursor, or waits up to `MAX_WAIT_SECONDS` for something to arrive.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from bot.channels.web.adapter import (
    CHANNEL,
    ChoiceOut,
    ReplyOut,
    WebMessageIn,
    parse_message,
    render_replies,
    resident_message,
)
from bot.channels.web.identity import new_identity, sender_of
from bot.web.deps import RuntimeDep
from bot.web.static_files import STATIC
from storage.repositories.inbox import messages_after
from storage.repositories.residents import identity_resident

resident_router = APIRouter()
demo_router = APIRouter(prefix="/api")
MAX_WAIT_SECONDS = 25
"""Under the idle timeouts of the proxies in front (nginx: 60 s), so a waiting poll is not cut."""
POLL_SECONDS = 1.0


class IdentityOut(BaseModel):
    token: str


class CommunityContact(BaseModel):
    key: str
    name: str
    phone: str | None


class ResidentMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    message_id: str | None = Field(default=None, max_length=35, pattern=r"^[\w-]+$")
    community: str | None = Field(default=None, max_length=40)


class InboxItem(BaseModel):
    id: int
    text: str
    choices: list[ChoiceOut]


class InboxOut(BaseModel):
    messages: list[InboxItem]
    cursor: int
    """The id of the last message the page has now been given: its next poll asks for what came after."""


async def resident_sender(runtime: RuntimeDep,
                          x_resident_token: Annotated[str | None, Header(max_length=200)] = None) -> str:
    """The resident a signed token names; a missing or forged one is refused."""
    sender = sender_of(x_resident_token or "", runtime.settings.secret_key.get_secret_value())
    if sender is None:
        raise HTTPException(status_code=401, detail="unknown resident token")
    return sender


SenderDep = Annotated[str, Depends(resident_sender)]


@resident_router.get("/chat", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html")


@resident_router.post("/api/web/identity")
async def issue_identity(runtime: RuntimeDep) -> IdentityOut:
    return IdentityOut(token=new_identity(runtime.settings.secret_key.get_secret_value()))


@resident_router.get("/api/web/communities")
async def list_communities(runtime: RuntimeDep) -> list[CommunityContact]:
    """Each community's name and office phone: the page's 「打电话给社区」."""
    return [CommunityContact(key=key, name=c.name, phone=c.phone) for key, c in runtime.profile.communities.items()]


@resident_router.post("/api/web/messages")
async def post_resident_message(body: ResidentMessageIn, sender: SenderDep, runtime: RuntimeDep) -> list[ReplyOut]:
    message = resident_message(sender, body.text, body.message_id, body.community, runtime.clock())
    return render_replies(await runtime.pipeline.handle(message))


@resident_router.get("/api/web/inbox")
async def read_inbox(request: Request, sender: SenderDep, runtime: RuntimeDep, after: Annotated[int, Query(ge=0)] = 0,
                     wait: Annotated[int, Query(ge=0, le=MAX_WAIT_SECONDS)] = 0) -> InboxOut:
    """What the office sent after `after`; with `wait`, held open until something arrives or `wait` seconds
    pass (a resident who has never written has nothing yet); a page that went away stops the wait."""
    loop = asyncio.get_running_loop()
    until = loop.time() + wait
    while True:
        async with runtime.sessions() as session, session.begin():
            resident_id = await identity_resident(session, CHANNEL, sender)
            found = await messages_after(session, resident_id, after, runtime.clock()) if resident_id else []
        if found or loop.time() >= until or await request.is_disconnected():
            break
        await asyncio.sleep(POLL_SECONDS)
    items = [InboxItem(id=m.id, text=m.text, choices=[ChoiceOut(label=label, payload=payload)
                                                        for label, payload in m.choices]) for m in found]
    return InboxOut(messages=items, cursor=found[-1].id if found else after)


@demo_router.post("/chat")
async def post_chat_message(body: WebMessageIn, runtime: RuntimeDep) -> list[ReplyOut]:
    """The demo page's tools and tests: any sender id, unsigned (mounted only with the demo pages)."""
    replies = await runtime.pipeline.handle(parse_message(body, runtime.clock()))
    return render_replies(replies)
