"""Photos residents send: on their open ticket, or kept until their next ticket is opened."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attachment


def add_attachment(session: AsyncSession, resident_id: int, ticket_id: int | None, channel: str, media_id: str,
                   url: str | None) -> Attachment:
    attachment = Attachment(resident_id=resident_id, ticket_id=ticket_id, channel=channel, media_id=media_id,
                            url=url)
    session.add(attachment)
    return attachment


async def attach_kept(session: AsyncSession, resident_id: int, ticket_id: int) -> None:
    await session.execute(update(Attachment).where(Attachment.resident_id == resident_id,
                                                   Attachment.ticket_id.is_(None)).values(ticket_id=ticket_id))
