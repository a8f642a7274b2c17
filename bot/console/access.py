"""What each role may see in the console. Admins and the police see more than their own tickets in
different ways: an admin manages staff and reads the audit log; only the police read clues.

Bookings: an admin and the secretary see every service's; anyone else those of the services their role handles
(a window clerk the window's, the police the meetings with them).

Tickets: an admin sees every community's; the secretary their community's; an area lead (片长) the
tickets in their area's buildings and those assigned to them; everyone else the tickets assigned to
them and, for a building lead, those in the buildings they lead.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Appointment, Area, Building, Staff, Ticket
from storage.profile.schema import Service, StaffRole


def is_admin(staff: Staff) -> bool:
    return staff.role == StaffRole.ADMIN.value


def may_read_clues(staff: Staff) -> bool:
    """Anonymous clues are the police's alone (PRODUCT.md §5), and only while their account is active."""
    return staff.role == StaffRole.POLICE.value and staff.active


def may_send_notices(staff: Staff) -> bool:
    return staff.role in {StaffRole.ADMIN.value, StaffRole.SECRETARY.value, StaffRole.POLICE.value,
                          StaffRole.AREA_LEAD.value}


def services_seen(staff: Staff, services: Mapping[str, Service]) -> list[Service]:
    """The bookable services whose bookings (with the residents' names and phones) this staff member sees."""
    if is_admin(staff) or staff.role == StaffRole.SECRETARY.value:
        return list(services.values())
    return [service for service in services.values() if service.handled_by == staff.role]


def may_see_booking(staff: Staff, services: Mapping[str, Service], appointment: Appointment) -> bool:
    return (is_admin(staff) or appointment.community_id == staff.community_id) \
        and any(service.key == appointment.service_key for service in services_seen(staff, services))


def visible_tickets(staff: Staff) -> ColumnElement[bool]:
    """A WHERE clause: the tickets this staff member may see."""
    if is_admin(staff):
        return true()
    if staff.role == StaffRole.SECRETARY.value:
        return Ticket.community_id == staff.community_id if staff.community_id is not None else false()
    mine = Ticket.assignee_id == staff.id
    if staff.role == StaffRole.AREA_LEAD.value:
        areas = select(Area.id).where(Area.lead_id == staff.id)
        return or_(mine, Ticket.building_id.in_(select(Building.id).where(Building.area_id.in_(areas))))
    if staff.role == StaffRole.BUILDING_LEAD.value:
        return or_(mine, Ticket.building_id.in_(select(Building.id).where(Building.lead_id == staff.id)))
    return mine


async def may_view(session: AsyncSession, staff: Staff, ticket: Ticket) -> bool:
    found = await session.scalar(select(Ticket.id).where(Ticket.id == ticket.id, visible_tickets(staff)))
    return found is not None
