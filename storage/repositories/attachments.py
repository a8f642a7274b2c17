"""Photos and voice notes residents send: on their open ticket, or kept until their next ticket is opened;
and the voice notes whose audio is still to be fetched from the platform."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attachment, AttachmentKind

FETCH_ATTEMPTS = 20
"""How often a voice note's audio is asked for before it is given up (the platform keeps it 3 days)."""


def add_attachment(session: AsyncSession, resident_id: int, ticket_id: int | None, channel: str, media_id: str,
                   url: str | None, kind: AttachmentKind = AttachmentKind.PHOTO) -> Attachment:
    attachment = Attachment(resident_id=resident_id, ticket_id=ticket_id, channel=channel, media_id=media_id,
                            url=url, kind=kind)
    session.add(attachment)
    return attachment


async def attach_kept(session: AsyncSession, resident_id: int, ticket_id: int) -> None:
    await session.execute(update(Attachment).where(Attachment.resident_id == resident_id,
                                                   Attachment.ticket_id.is_(None)).values(ticket_id=ticket_id))


async def voice_to_fetch(session: AsyncSession, channel: str, limit: int = 20) -> Sequence[Attachment]:
    """Voice notes of `channel` whose audio is not here yet and not given up on, oldest first, locked for this
    transaction where the database can (another process skips them)."""
    query = (select(Attachment).where(Attachment.channel == channel, Attachment.kind == AttachmentKind.VOICE,
                                      Attachment.content_type.is_(None), Attachment.fetch_attempts < FETCH_ATTEMPTS)
             .order_by(Attachment.id).limit(limit).with_for_update(skip_locked=True))
    return (await session.scalars(query)).all()
