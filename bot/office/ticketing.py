"""Opening a ticket: category -> intake type and time limit -> due time -> accountable person,
stored with its history and a staff notification in the outbox, all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.masking import mask_as_logs
from bot.core.wording import Wording
from bot.office.deadline_alerts import schedule_alerts
from bot.office.deadlines import compute_due
from bot.office.routing import Route, route_ticket
from storage.models import Building, Community, Resident, Ticket
from storage.profile import Profile
from storage.profile.schema import Category, Place, Remit, TimeLimit
from storage.repositories import attachments, outbox
from storage.repositories.tickets import add_ticket
from storage.work_calendar import WorkCalendar

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_new_ticket": ("address", "category", "description", "due", "intake_type", "resident", "ticket_no"),
    "datetime": ("day", "month", "time"),
    "date": ("day", "month"),
    "address_building": ("building",),
    "address_unit": ("unit",),
    "address_room": ("room",),
    "resident_anonymous": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


EMERGENCY_KIND = "emergency_alert"


@dataclass(frozen=True)
class TicketRequest:
    community: Community
    resident: Resident
    channel: str
    category: Category
    description: str
    building: Building | None = None
    unit: str | None = None
    room: str | None = None
    place: Place | None = None
    """A listed public place, when the matter is not at a building."""
    where: str | None = None
    """Where in the resident's own words, when it is neither a building nor a listed place."""
    refile: bool = False
    """The bot was not sure of the category: the area lead (else the secretary) re-files it."""
    time_limit: TimeLimit | None = None
    """Instead of the intake type's limit (a certificate has its own processing time)."""
    urgent: bool = False
    """An emergency: the staff alert is worded as one and goes ahead of every queued message."""
    due_at: datetime | None = None
    """A fixed deadline instead of a time limit: an objection to a 公示 is due when its window ends."""
    anonymous: bool = False
    """The resident chose not to be known (an objection to a 公示 without name or phone): the staff card does
    not name them, not even by number."""


@dataclass(frozen=True)
class OpenedTicket:
    ticket: Ticket
    route: Route
    due_label: str
    address_label: str


def limit_of(profile: Profile, ticket: Ticket) -> TimeLimit | None:
    """The ticket's time limit as the profile has it now: its category's own, else its intake type's for its remit
    (None when the profile no longer has its intake type)."""
    category = profile.categories.get(ticket.category_key)
    if category is not None and category.time_limit is not None:
        return category.time_limit
    intake = profile.district.intake_types.get(ticket.intake_type)
    remit = next((remit for remit in Remit if remit.value == ticket.remit), None)
    return intake.time_limits.get(remit) if intake is not None and remit is not None else None


def fresh_deadline(session: AsyncSession, profile: Profile, ticket: Ticket, now: datetime) -> None:
    """A reopened ticket is a matter taken up again: a new deadline from `now` by its time limit (`limit_of`),
    and new reminders and escalations; those set for the old deadline do nothing. A ticket whose intake type
    the profile no longer has keeps its deadline."""
    limit = limit_of(profile, ticket)
    if limit is None:
        return
    calendar = WorkCalendar(profile.calendar_days)
    ticket.due_at = compute_due(now, limit, profile.timezone, profile.district.office_hours, calendar)
    schedule_alerts(session, ticket, now, calendar, profile.timezone)


async def open_ticket(session: AsyncSession, profile: Profile, request: TicketRequest, now: datetime) -> OpenedTicket:
    category = request.category
    route = await route_ticket(session, profile, request.community, category, request.building, request.place,
                               refile=request.refile, at=now, description=request.description)
    calendar = WorkCalendar(profile.calendar_days)
    due = request.due_at or compute_due(now, request.time_limit or profile.time_limit(category), profile.timezone,
                                        profile.district.office_hours, calendar)
    ticket = await add_ticket(session, Ticket(
        community_id=request.community.id, resident_id=request.resident.id, channel=request.channel,
        category_key=category.key, intake_type=category.intake_type, remit=category.effective_remit.value,
        office_key=route.office_key, description=request.description,
        building_id=request.building.id if request.building else None, unit=request.unit, room=request.room,
        place=request.place.name if request.place else request.where,
        assignee_id=route.assignee.id, due_at=due, created_at=now,
    ), profile.district.ticket_prefix, profile.timezone)
    await attachments.attach_kept(session, request.resident.id, ticket.id)
    schedule_alerts(session, ticket, now, calendar, profile.timezone)
    wording = Wording(profile, request.community.key)
    address = format_address(wording, request.building.number if request.building else None, request.unit,
                             request.room) or (ticket.place or "")
    opened = OpenedTicket(ticket, route, format_datetime(wording, profile, due), request.community.name + address)
    _notify_assignee(session, profile, wording, request, opened)
    return opened


def _notify_assignee(session: AsyncSession, profile: Profile, wording: Wording, request: TicketRequest,
                     opened: OpenedTicket) -> None:
    key, kind, priority = (("staff_emergency", EMERGENCY_KIND, outbox.PRIORITY_URGENT) if request.urgent
                           else ("staff_new_ticket", "ticket_assigned", outbox.PRIORITY_NORMAL))
    text = wording.render(
        key, ticket_no=opened.ticket.number, category=request.category.name,
        intake_type=profile.intake_type(request.category).name, due=opened.due_label,
        address=opened.address_label,
        resident=wording.render("resident_anonymous") if request.anonymous else f"#{request.resident.id}",
        description=mask_as_logs(request.description, opened.ticket.created_at.astimezone(profile.timezone).date()),
    )
    outbox.enqueue(session, kind, {"text": text}, community_id=request.community.id,
                   staff_id=opened.route.assignee.id, ticket_id=opened.ticket.id, priority=priority)


def masked_description(profile: Profile, ticket: Ticket) -> str:
    """The resident's words as staff cards carry them: masked like the logs (phones, ID numbers, rooms)."""
    return mask_as_logs(ticket.description, ticket.created_at.astimezone(profile.timezone).date())


def format_datetime(wording: Wording, profile: Profile, moment: datetime, *, with_time: bool = True) -> str:
    local = moment.astimezone(profile.timezone)
    if not with_time:
        return wording.render("date", month=local.month, day=local.day)
    return wording.render("datetime", month=local.month, day=local.day, time=f"{local:%H:%M}")


def format_address(wording: Wording, building: str | None, unit: str | None = None, room: str | None = None) -> str:
    """3栋2单元501室, worded by the profile; empty without a building."""
    if building is None:
        return ""
    parts = [("address_building", "building", building), ("address_unit", "unit", unit), ("address_room", "room", room)]
    return "".join(wording.render(key, **{name: value}) for key, name, value in parts if value)
