"""Who is accountable for a ticket: building -> 楼长, area -> 片长, category -> office or role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import RoutingError
from bot.core.wording import Wording
from storage.models import Building, Community, Staff
from storage.profile import Profile
from storage.profile.schema import Category, StaffRole
from storage.repositories import directory

REPLIES: dict[str, tuple[str, ...]] = {
    "handler_building": ("building", "role"),
    "handler_area": ("area", "role"),
    "handler_role": ("community", "role"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


@dataclass(frozen=True)
class Route:
    assignee: Staff
    handler_label: str
    """Who handles it, as the resident reads it: 3栋楼长, 东一片片长, 临江街道综合执法中队."""
    office_key: str | None = None


async def route_ticket(session: AsyncSession, profile: Profile, community: Community, category: Category,
                       building: Building | None) -> Route:
    wording = Wording(profile, community.key)
    roles = profile.district.role_names
    if category.office_key is not None:
        office = next(o for o in profile.district.offices if o.id == category.office_key)
        staff = await directory.first_office_staff(session, office.id)
        return _checked(staff, office.name, category, office.id)
    if category.handled_by == "grid" and building is not None:
        lead = await directory.find_active_staff(session, building.lead_id)
        if lead is not None:
            label = wording.render("handler_building", building=building.number, role=roles[StaffRole.BUILDING_LEAD])
            return Route(lead, label)
        area_lead = await directory.area_lead(session, building.area)
        label = wording.render("handler_area", area=building.area.name, role=roles[StaffRole.AREA_LEAD])
        return _checked(area_lead, label, category)
    role = StaffRole.SECRETARY if category.handled_by == "grid" else StaffRole(category.handled_by)
    staff = await directory.first_staff_with_role(session, community.id, role.value)
    return _checked(staff, wording.render("handler_role", community=community.name, role=roles[role]), category)


def _checked(staff: Staff | None, label: str, category: Category, office_key: str | None = None) -> Route:
    if staff is None:
        raise RoutingError(f"no active staff member handles category '{category.key}' ({label})")
    return Route(staff, label, office_key)
