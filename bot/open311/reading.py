"""GET /requests.json and /requests/{id}.json: the spec's filters, then tickets as public requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args

from sqlalchemy.ext.asyncio import AsyncSession

from bot.open311.errors import InvalidFieldError, JurisdictionNotFoundError, RequestNotFoundError
from bot.open311.listing import (
    TicketWindow,
    closing_results,
    known_names,
    last_changes,
    tickets_by_number,
    tickets_in_window,
)
from bot.open311.mapping import TicketFacts, request_out, ticket_statuses
from bot.open311.schema import Open311Status, ServiceRequestOut
from bot.open311.services import offered_categories
from storage.models import Ticket
from storage.profile import Profile
from storage.repositories.directory import get_community

MAX_SPAN = timedelta(days=90)
"""The spec's default window and the longest one a client may ask for."""


@dataclass(frozen=True)
class RequestFilters:
    """The query of GET /requests.json, as given (comma-separated lists unsplit)."""

    service_request_id: str | None = None
    service_code: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    status: str | None = None
    jurisdiction_id: str | None = None


async def find_requests(session: AsyncSession, profile: Profile, filters: RequestFilters,
                        now: datetime) -> list[ServiceRequestOut]:
    """By ticket numbers when given (the other filters then do not apply, as the spec says), else the
    newest requests of the date window."""
    community_id = await community_id_of(session, filters.jurisdiction_id)
    offered = offered_categories(profile)
    numbers = split_list(filters.service_request_id)
    if numbers:
        tickets = await tickets_by_number(session, numbers, offered, community_id)
        return await _requests_out(session, profile, tickets, now)
    codes = split_list(filters.service_code)
    start, end = date_window(profile, filters.start_date, filters.end_date, now)
    statuses = parse_statuses(filters.status)
    window = TicketWindow(category_keys=[c for c in offered if codes is None or c in codes], start=start, end=end,
                          statuses=ticket_statuses(statuses) if statuses else None, community_id=community_id)
    return await _requests_out(session, profile, await tickets_in_window(session, window), now)


async def get_request(session: AsyncSession, profile: Profile, number: str, jurisdiction_id: str | None,
                      now: datetime) -> list[ServiceRequestOut]:
    """A one-element list, as the spec has it; a ticket of a category not offered is not found either."""
    community_id = await community_id_of(session, jurisdiction_id)
    tickets = await tickets_by_number(session, [number], offered_categories(profile), community_id)
    if not tickets:
        raise RequestNotFoundError(f"no service request {number}")
    return await _requests_out(session, profile, tickets, now)


async def community_id_of(session: AsyncSession, jurisdiction_id: str | None) -> int | None:
    """The community a jurisdiction_id (a community key) names; None when not given."""
    if jurisdiction_id is None:
        return None
    community = await get_community(session, jurisdiction_id)
    if community is None:
        raise JurisdictionNotFoundError(f"jurisdiction_id '{jurisdiction_id}' not found")
    return community.id


def split_list(text: str | None) -> list[str] | None:
    """`a,b, c` -> ['a', 'b', 'c']; None when nothing is given."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    return items or None


def parse_statuses(text: str | None) -> set[Open311Status] | None:
    allowed: tuple[Open311Status, ...] = get_args(Open311Status)
    wanted = split_list(text)
    if wanted is None:
        return None
    unknown = [status for status in wanted if status not in allowed]
    if unknown:
        raise InvalidFieldError(f"status: '{unknown[0]}' is neither open nor closed")
    return {status for status in allowed if status in wanted}


def date_window(profile: Profile, start: datetime | None, end: datetime | None,
                now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime range: the last 90 days by default, 90 days from a lone start or up to a
    lone end, never longer. A datetime without an offset is the district's local time. Both ends are
    given in UTC, as the database compares them; a range reaching off the calendar is an InvalidFieldError."""
    try:
        first, last = _window(profile, start, end, now)
        return first.astimezone(UTC), last.astimezone(UTC)
    except OverflowError:
        raise InvalidFieldError("start_date/end_date: out of the calendar's range") from None


def _window(profile: Profile, start: datetime | None, end: datetime | None,
            now: datetime) -> tuple[datetime, datetime]:
    start, end = (_aware(profile, moment) if moment else None for moment in (start, end))
    if start is not None and end is not None:
        if end < start:
            raise InvalidFieldError("end_date: before start_date")
        if end - start > MAX_SPAN:
            raise InvalidFieldError("start_date/end_date: the range may not span more than 90 days")
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    end = end or now
    return end - MAX_SPAN, end


def _aware(profile: Profile, moment: datetime) -> datetime:
    return moment.replace(tzinfo=profile.timezone) if moment.tzinfo is None else moment


async def _requests_out(session: AsyncSession, profile: Profile, tickets: Sequence[Ticket],
                        now: datetime) -> list[ServiceRequestOut]:
    ids = [ticket.id for ticket in tickets]
    changed, results = await last_changes(session, ids), await closing_results(session, ids)
    staff, reporters = await known_names(session, {ticket.resident_id for ticket in tickets})
    today = now.astimezone(profile.timezone).date()
    return [request_out(profile, ticket, TicketFacts(changed.get(ticket.id), results.get(ticket.id),
                                                     _names(staff, reporters.get(ticket.resident_id))), today)
            for ticket in tickets]


def _names(staff: frozenset[str], reporter: str | None) -> frozenset[str]:
    return staff | {reporter} if reporter else staff
