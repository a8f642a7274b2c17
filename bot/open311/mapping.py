"""A ticket as a GeoReport v2 service request, fit for anyone to read.

What is published and why: the category, the deadline, the handling office or role (never a
person), the community and building (never unit or room), the building's position, and the
description and closing result with personal numbers masked (`bot.core.masking`). Nothing about
the resident, no staff name or phone, no channel ids; no photos (`media_url` is null), since
residents' photos may show people or homes and nobody reviews them for publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.masking import mask_text, public_style
from bot.core.wording import Wording
from bot.office.ticketing import format_address, format_datetime
from bot.open311.places import address_id, position
from bot.open311.schema import Open311Status, ServiceRequestOut
from storage.models import Ticket, TicketStatus
from storage.profile import Profile
from storage.profile.schema import StaffRole

REPLIES: dict[str, tuple[str, ...]] = {
    "open311_service_notice": ("agency", "due", "ticket_no"),
    "open311_closed_notes": ("result",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


STATUS_NOTE_KEYS: dict[str, str] = {status.value: f"status_{status.value}" for status in TicketStatus}
"""The words residents read for each status in chat (待处理, 处理中 ...), reused as status notes."""


def open311_status(status: str) -> Open311Status:
    """Open, claimed and reopened are all still open to the public."""
    return "closed" if status == TicketStatus.CLOSED else "open"


def ticket_statuses(wanted: set[Open311Status]) -> set[str]:
    """Our statuses behind the Open311 ones asked for."""
    return {status.value for status in TicketStatus if open311_status(status) in wanted}


@dataclass(frozen=True)
class TicketFacts:
    """What a request needs besides the ticket (and its community, building and assignee, loaded)."""

    updated_at: datetime | None = None
    closing_result: str | None = None
    names: frozenset[str] = frozenset()
    """Names to mask in the description and the result: the reporter's and the staff's."""


def request_out(profile: Profile, ticket: Ticket, facts: TicketFacts, today: date) -> ServiceRequestOut:
    wording = Wording(profile, ticket.community.key)
    category = profile.categories.get(ticket.category_key)
    building = ticket.building.number if ticket.building else None
    at = position(profile, ticket.community.key, building) if building else None
    agency = agency_responsible(profile, wording, ticket)
    number = ticket.number or ""
    return ServiceRequestOut(
        service_request_id=number, status=open311_status(ticket.status),
        status_notes=_status_notes(wording, ticket, facts, today),
        service_name=category.name if category else ticket.category_key, service_code=ticket.category_key,
        description=public_text(wording, ticket.description, today, facts.names), agency_responsible=agency,
        service_notice=service_notice(profile, wording, number, agency, ticket.due_at),
        requested_datetime=local(profile, ticket.created_at),
        updated_datetime=local(profile, max(facts.updated_at or ticket.created_at, ticket.created_at)),
        expected_datetime=local(profile, ticket.due_at),
        address=ticket.community.name + format_address(wording, building) if building else ticket.community.name,
        address_id=address_id(ticket.community.key, building) if building else None, zipcode=None,
        lat=at[0] if at else None, long=at[1] if at else None, media_url=None,
    )


def agency_responsible(profile: Profile, wording: Wording, ticket: Ticket) -> str:
    """Who handles it by office or role, worded as chat words it (3栋楼长, 东一片片长, 白杨社区志愿服务队)."""
    if ticket.office_key is not None:
        office = next((o for o in profile.district.offices if o.id == ticket.office_key), None)
        if office is not None:
            return office.name
    roles = profile.district.role_names
    role = _role(ticket.assignee.role)
    if role is StaffRole.BUILDING_LEAD and ticket.building is not None:
        return wording.render("handler_building", building=ticket.building.number, role=roles[role])
    if role is StaffRole.AREA_LEAD and ticket.building is not None:
        return wording.render("handler_area", area=ticket.building.area.name, role=roles[role])
    return wording.render("handler_role", community=ticket.community.name, role=roles[role])


def service_notice(profile: Profile, wording: Wording, number: str, agency: str, due: datetime) -> str:
    return wording.render("open311_service_notice", ticket_no=number, agency=agency,
                          due=format_datetime(wording, profile, due))


def public_text(wording: Wording, text: str, today: date, names: frozenset[str] = frozenset()) -> str:
    return mask_text(text, today, public_style(lambda building: format_address(wording, building)), names)


def local(profile: Profile, moment: datetime) -> datetime:
    """In the district's time zone, to the second: `2026-11-23T10:00:00+08:00`."""
    return moment.astimezone(profile.timezone).replace(microsecond=0)


def _status_notes(wording: Wording, ticket: Ticket, facts: TicketFacts, today: date) -> str:
    if ticket.status == TicketStatus.CLOSED and facts.closing_result:
        result = public_text(wording, facts.closing_result, today, facts.names)
        return wording.render("open311_closed_notes", result=result)
    return wording.render(STATUS_NOTE_KEYS.get(ticket.status, STATUS_NOTE_KEYS[TicketStatus.OPEN]))


def _role(value: str) -> StaffRole:
    try:
        return StaffRole(value)
    except ValueError:
        return StaffRole.OFFICE
