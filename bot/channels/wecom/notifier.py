"""Staff notifications from the outbox, as WeCom application text cards.

A card has a title (per kind of notification, from the profile's `wecom_title_<kind>` wording), the
notification's text as its description, and a link to the ticket in the web console. WeCom cuts a
description at 512 bytes, possibly mid-character; here it is cut at a character before that. A
passing failure (network, platform busy, token trouble) leaves the message to be retried; a staff
member WeCom cannot reach is recorded on the message, as the WeChat sender does for residents.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from requests import RequestException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.channels.wechat.tokens import WeComApiClient
from bot.core.wording import Wording
from storage.models import Community, OutboxMessage, StaffChannel, Ticket
from storage.profile import Profile
from storage.repositories import outbox

REPLIES: dict[str, tuple[str, ...]] = {
    "wecom_card_button": (),
    "wecom_title_ticket_assigned": ("ticket_no",),
    "wecom_title_emergency_alert": ("ticket_no",),
    "wecom_title_ticket_reopened": ("ticket_no",),
    "wecom_title_ticket_reopen_note": ("ticket_no",),
    "wecom_title_handoff_to_staff": ("ticket_no",),
    "wecom_title_ticket_overdue": ("ticket_no",),
    "wecom_title_ticket_due_soon": ("ticket_no",),
    "wecom_title_ticket_reassigned": ("ticket_no",),
    "wecom_title_clue_received": ("ticket_no",),
    "wecom_title_ticket_added": ("ticket_no",),
    "wecom_title_home_visit_booked": ("ticket_no",),
    "wecom_title_home_visit_cancelled": ("ticket_no",),
    "wecom_title_other": ("ticket_no",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""
STAFF_CARD_KINDS = frozenset(key.removeprefix("wecom_title_") for key in REPLIES if key.startswith("wecom_title_"))
"""Staff notifications by outbox kind, each with a `wecom_title_<kind>` reply: the title of its WeCom card
(`other` for any kind not listed). `{ticket_no}` is empty when the message has no ticket."""


log = logging.getLogger(__name__)

CHANNEL = "wecom"
"""The `StaffChannel.channel` holding a staff member's WeCom user id (`channels: wecom:` in the profile)."""
TITLE_BYTES = 128
DESCRIPTION_BYTES = 512
ELLIPSIS = "\u2026"
UNREACHABLE_CODES = frozenset({40003, 81013})
"""Invalid user id / no valid recipient: WeCom will not take it however often it is tried."""


class Undeliverable:
    NO_WECOM = "staff_has_no_wecom"
    UNREACHABLE = "wecom_user_not_reachable"


@dataclass(frozen=True)
class Card:
    title: str
    description: str
    url: str
    button: str


def cut_bytes(text: str, limit: int) -> str:
    """`text` if its UTF-8 fits in `limit` bytes, else its longest start that does, with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode())
    return text.encode()[:room].decode("utf-8", "ignore") + ELLIPSIS


def card_description(text: str, limit: int = DESCRIPTION_BYTES) -> str:
    """The text as a card description: escaped, line breaks as <br>, cut whole characters (never
    inside a tag or an entity) to fit `limit` bytes."""
    pieces = ["<br>" if char == "\n" else html.escape(char, quote=False) for char in text]
    if sum(len(piece.encode()) for piece in pieces) <= limit:
        return "".join(pieces)
    room, kept = limit - len(ELLIPSIS.encode()), []
    for piece in pieces:
        room -= len(piece.encode())
        if room < 0:
            break
        kept.append(piece)
    return "".join(kept) + ELLIPSIS


@dataclass
class WeComNotifier:
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    client: WeComApiClient
    agent_id: int
    public_url: str
    clock: Callable[[], datetime]

    async def deliver(self, outbox_id: int) -> None:
        """Send one staff notification, or settle it as undeliverable; a passing failure is left to retry."""
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, outbox_id, with_for_update=True)
            if (row is None or row.staff_id is None or row.delivered_at is not None
                    or row.undeliverable_reason is not None):
                return
            user_id = await session.scalar(select(StaffChannel.external_id).where(
                StaffChannel.staff_id == row.staff_id, StaffChannel.channel == CHANNEL).order_by(StaffChannel.id))
            if user_id is None:
                outbox.settle_undeliverable(row, Undeliverable.NO_WECOM)
                return
            card = await self._card(session, row)
            now = self.clock()
            try:
                result: dict[str, Any] = await asyncio.to_thread(
                    self.client.message.send_text_card, self.agent_id, user_id, card.title, card.description,
                    card.url, card.button)
            except WeChatClientException as error:
                if error.errcode in UNREACHABLE_CODES:
                    outbox.settle_undeliverable(row, Undeliverable.UNREACHABLE)
                else:
                    outbox.retry_later(row, f"{error.errcode}: {error.errmsg}", now)
                    log.warning("WeCom send of outbox %s failed: %s", row.id, row.last_error)
                return
            except RequestException as error:
                outbox.retry_later(row, f"network: {type(error).__name__}", now)
                return
            if result.get("invaliduser"):
                outbox.settle_undeliverable(row, Undeliverable.UNREACHABLE)
                return
            row.delivered_at = now

    async def _card(self, session: AsyncSession, row: OutboxMessage) -> Card:
        ticket = await session.get(Ticket, row.ticket_id) if row.ticket_id else None
        community = await session.get(Community, row.community_id) if row.community_id else None
        wording = Wording(self.profile, community.key if community else None)
        kind = row.kind if row.kind in STAFF_CARD_KINDS else "other"
        title = wording.render(f"wecom_title_{kind}", ticket_no=ticket.number if ticket else "").strip()
        base = self.public_url.rstrip("/")
        path = f"/console/tickets/{ticket.number}" if ticket else str(row.payload.get("console_path", "/console"))
        url = base + path
        return Card(cut_bytes(title, TITLE_BYTES), card_description(str(row.payload.get("text", ""))), url,
                    wording.render("wecom_card_button"))
