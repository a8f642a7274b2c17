"""A photo from a resident goes with their latest open ticket, or waits for the next one they open."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Photo, Reply, TextReply
from bot.core.wording import Wording
from storage.models import Resident
from storage.repositories import attachments
from storage.repositories.tickets import open_tickets_of

REPLIES: dict[str, tuple[str, ...]] = {
    "photo_attached": ("ticket_no",),
    "photo_kept": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


async def receive_photo(session: AsyncSession, wording: Wording, resident: Resident, channel: str,
                        photo: Photo) -> Reply:
    tickets = await open_tickets_of(session, resident.id)
    latest = tickets[-1] if tickets else None
    attachments.add_attachment(session, resident.id, latest.id if latest else None, channel, photo.media_id,
                               photo.url)
    if latest is None:
        return TextReply(wording.render("photo_kept"))
    return TextReply(wording.render("photo_attached", ticket_no=latest.number))
