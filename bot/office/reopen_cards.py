"""The card a ticket's assignee (and their area lead) gets when a closed ticket is taken up again. It is a new
ticket card, with the resident's words masked like the logs, the place and the new deadline, that first says why:
the resident was not satisfied (their comment, masked), said 「又坏了」 at the 回访 (or on the phone to a staff
member), or a staff member reopened it with a reason. Without the why, the assignee would read it as a
misfiled copy of work they already closed. What was said comes with the why, the ticket's own words last: a WeCom
card cuts a long text at its end, and the why, the place and the deadline must survive the cut."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.ticketing import format_address, format_datetime, masked_description
from storage.models import Building, Staff, Ticket
from storage.profile import Profile
from storage.repositories.directory import get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_ticket_reopened": ("address", "assignee", "category", "description", "due", "ticket_no", "why"),
    "reopen_why_unsatisfied": (),
    "reopen_why_follow_up": (),
    "reopen_why_phone_follow_up": ("staff",),
    "reopen_why_staff": ("staff",),
    "reopen_words": ("words",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


WORDS_SHOWN_CHARS = 60
"""What the resident said, as far as the card shows it beside the why (the whole is on the ticket page)."""
ELLIPSIS = "\u2026"


class ReopenedBy(StrEnum):
    """What took a closed ticket up again; each has its `reopen_why_<value>` wording."""

    UNSATISFIED = "unsatisfied"
    """The resident answered 不满意 to the closing."""
    FOLLOW_UP = "follow_up"
    """The resident answered 又坏了 to the 回访."""
    PHONE_FOLLOW_UP = "phone_follow_up"
    """A staff member recorded 又坏了 from a 回访 by phone."""
    STAFF = "staff"
    """A staff member reopened it (the matter came back, or it was closed by mistake)."""


async def reopened_card(session: AsyncSession, profile: Profile, ticket: Ticket, by: ReopenedBy, now: datetime, *,
                        staff: Staff | None = None, words: str | None = None) -> str:
    """The card's text: why (who, and in what words, masked like the logs), then the ticket as its assignee
    needs it. `staff` is who reopened it or recorded the 回访; `words` what the resident or they said."""
    community = await get_community_by_id(session, ticket.community_id)
    wording = Wording(profile, community.key)
    why = wording.render(f"reopen_why_{by}", **({"staff": staff.name} if staff is not None else {}))
    said = words.strip() if words else ""
    if said:  # next to the why, ahead of the place (a WeCom card cuts a long text at its end), so kept short
        masked = mask_as_logs(said, now.astimezone(profile.timezone).date())
        masked = masked if len(masked) <= WORDS_SHOWN_CHARS else masked[:WORDS_SHOWN_CHARS] + ELLIPSIS
        why = f"{why}\n{wording.render('reopen_words', words=masked)}"
    building = await session.get(Building, ticket.building_id) if ticket.building_id is not None else None
    place = (format_address(wording, building.number, ticket.unit, ticket.room) if building is not None
             else ticket.place or "")
    category = profile.categories.get(ticket.category_key)
    card = wording.render(
        "staff_ticket_reopened", ticket_no=ticket.number, category=category.name if category else ticket.category_key,
        why=why, address=community.name + place, due=format_datetime(wording, profile, ticket.due_at),
        assignee=(await session.get_one(Staff, ticket.assignee_id)).name,
        description=masked_description(profile, ticket))
    return card
