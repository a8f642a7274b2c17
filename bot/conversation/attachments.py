"""A photo or voice note from a resident goes with the open ticket they reported or joined last, or waits for the
next one. A voice note without recognised words is listened to by a person: the open ticket's handler, or, with no
open ticket, whoever a hand-off goes to (the pipeline opens one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Photo, Reply, TextReply, VoiceNote
from bot.core.wording import Wording
from bot.office.pauses import resume_by_answer, waiting_on
from storage.models import AttachmentKind, Resident, Staff
from storage.profile import Profile
from storage.repositories import attachments, outbox
from storage.repositories.tickets import latest_open_ticket_of

REPLIES: dict[str, tuple[str, ...]] = {
    "photo_attached": ("ticket_no",),
    "photo_kept": (),
    "photo_answered": ("assignee", "ticket_no"),
    "voice_attached": ("ticket_no", "assignee"),
    "voice_for_a_person": (),
    "staff_voice_note": ("ticket_no",),
}
VOICE_TO_STAFF_KIND = "voice_to_staff"
"""The profile's replies this module renders, each with the blanks it fills in."""


async def receive_photo(session: AsyncSession, profile: Profile, wording: Wording, resident: Resident, channel: str,
                        photo: Photo, now: datetime) -> Reply:
    """A photo goes with a ticket paused waiting on the resident first (it is likely the material asked for, and
    the ticket's clock runs again), else with the latest open ticket."""
    waiting = await waiting_on(session, profile, resident.id)
    if waiting is not None:
        attachments.add_attachment(session, resident.id, waiting.id, channel, photo.media_id, photo.url)
        await resume_by_answer(session, profile, wording, waiting, "", now)
        return TextReply(wording.render("photo_answered", ticket_no=waiting.number, assignee=waiting.assignee.name))
    latest = await latest_open_ticket_of(session, resident.id)
    attachments.add_attachment(session, resident.id, latest.id if latest else None, channel, photo.media_id,
                               photo.url)
    if latest is None:
        return TextReply(wording.render("photo_kept"))
    return TextReply(wording.render("photo_attached", ticket_no=latest.number))


async def receive_voice(session: AsyncSession, wording: Wording, resident: Resident, channel: str, voice: VoiceNote,
                        words: str) -> Reply | None:
    """Keeps the voice note (its audio is fetched from the platform later) with the latest open ticket, or for
    the next one. Without `words`, the answer when a ticket's handler will listen to it, or None when there is
    no open ticket (a person is to be found: `voice_for_a_person`, then the hand-off)."""
    latest = await latest_open_ticket_of(session, resident.id)
    attachments.add_attachment(session, resident.id, latest.id if latest else None, channel, voice.media_id, None,
                               kind=AttachmentKind.VOICE)
    if words or latest is None:
        return None
    assignee = await session.get_one(Staff, latest.assignee_id)
    outbox.enqueue(session, VOICE_TO_STAFF_KIND, {"text": wording.render("staff_voice_note", ticket_no=latest.number)},
                   community_id=latest.community_id, staff_id=assignee.id, ticket_id=latest.id)
    return TextReply(wording.render("voice_attached", ticket_no=latest.number, assignee=assignee.name))
