"""Who is accountable for a ticket: building -> 楼长, area -> 片长, category -> office or role.

A grid matter at a public place (a gate, the playground) goes to the team that looks after the place,
else to its area's lead. A ticket
whose category the bot was not sure of goes to the area lead (else the secretary) to re-file,
never to a building lead who cannot change it. A category the rota routes (hand-offs, emergencies) goes to
whoever of its role is on duty when it comes in (`bot.office.rota`), else as any other. A complaint about how
the community's own staff treated the resident goes to the secretary, not to the desk or worker complained of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import RoutingError
from bot.core.wording import Wording
from bot.office.rota import duty_role, on_duty_staff
from nlu.phrasing import COMPLAINS_OF_MANNER, NAMES_COMMUNITY_STAFF
from storage.models import Area, Building, Community, Staff
from storage.profile import Profile
from storage.profile.schema import Category, Place, StaffRole
from storage.repositories import directory

REPLIES: dict[str, tuple[str, ...]] = {
    "handler_building": ("building", "role"),
    "handler_area": ("area", "role"),
    "handler_role": ("community", "role"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""
GRID = "grid"
"""`handled_by` of a category the building's 楼长 (else the area's 片长) handles."""
OFFICE_DESKS = frozenset({StaffRole.WINDOW.value, StaffRole.SERVICE_TEAM.value})
"""The community office's own desks: a complaint of manner in their categories is about them."""


@dataclass(frozen=True)
class Route:
    assignee: Staff
    handler_label: str
    """Who handles it, as the resident reads it: 3栋楼长, 东一片片长, 临江街道综合执法中队."""
    office_key: str | None = None
    on_duty: bool = False
    """The assignee is on duty by the rota now (out of office hours too)."""


async def route_ticket(session: AsyncSession, profile: Profile, community: Community, category: Category,
                       building: Building | None, place: Place | None = None, *, refile: bool = False,
                       at: datetime | None = None, description: str = "") -> Route:
    """`at`: when the ticket comes in, for a category the rota routes; `description`: what the resident said."""
    wording = Wording(profile, community.key)
    roles = profile.district.role_names
    if complains_of_its_handlers(profile, category, description):
        return await _role(session, wording, community, category, StaffRole.SECRETARY)
    if category.office_key is not None and not refile:
        office = next(o for o in profile.district.offices if o.id == category.office_key)
        staff = await directory.first_office_staff(session, office.id)
        return _checked(staff, office.name, category, office.id)
    if category.handled_by == GRID or refile:
        if building is not None and not refile:
            lead = await directory.find_active_staff(session, building.lead_id)
            if lead is not None:
                label = wording.render("handler_building", building=building.number,
                                       role=roles[StaffRole.BUILDING_LEAD])
                return Route(lead, label)
        if place is not None and place.team is not None and not refile:
            return await _role(session, wording, community, category, place.team)
        area = await _area_of(session, community, building, place)
        if area is not None:
            label = wording.render("handler_area", area=area.name, role=roles[StaffRole.AREA_LEAD])
            return _checked(await directory.area_lead(session, area), label, category)
        return await _role(session, wording, community, category, StaffRole.SECRETARY)
    role = duty_role(profile, category)
    if at is not None and role is not None:
        on_duty = await on_duty_staff(session, profile, community, role, at)
        if on_duty:
            return Route(on_duty[0], _role_label(wording, community, role), on_duty=True)
    return await _role(session, wording, community, category, StaffRole(category.handled_by))


def complains_of_its_handlers(profile: Profile, category: Category, description: str) -> bool:
    """「你们窗口那个小姑娘态度太差了」 (便民办事, handled by the window) or 「网格员态度太差」: the manner of the
    community's own staff, which the staff complained of should not be the ones to handle: a category of the
    office's own desks, or a grid one whose words name the community's staff (「物业的人态度差」 stays the grid's).
    One the rota routes (an emergency, a hand-off) is never moved."""
    if duty_role(profile, category) is not None or COMPLAINS_OF_MANNER.search(description) is None:
        return False
    return category.handled_by in OFFICE_DESKS or (
        category.handled_by == GRID and NAMES_COMMUNITY_STAFF.search(description) is not None)


async def _area_of(session: AsyncSession, community: Community, building: Building | None,
                   place: Place | None) -> Area | None:
    if building is not None:
        return building.area
    return await directory.get_area(session, community.id, place.area) if place is not None else None


async def _role(session: AsyncSession, wording: Wording, community: Community, category: Category,
                role: StaffRole) -> Route:
    staff = await directory.first_staff_with_role(session, community.id, role.value)
    return _checked(staff, _role_label(wording, community, role), category)


def _role_label(wording: Wording, community: Community, role: StaffRole) -> str:
    name = wording.profile.district.role_names[role]
    return wording.render("handler_role", community=community.name, role=name[_overlap(community.name, name):])


MIN_OVERLAP = 2
"""Characters a community's name and a role's must share to be said once: 白杨社区 and 社区书记 share 社区."""


def _overlap(before: str, after: str) -> int:
    """How many characters that end `before` also start `after`, so that the two read as one name (白杨社区 and
    社区书记: 白杨社区书记, not 白杨社区社区书记); 0 for fewer than `MIN_OVERLAP`."""
    return next((size for size in range(min(len(before), len(after)), MIN_OVERLAP - 1, -1)
                 if before.endswith(after[:size])), 0)


def _checked(staff: Staff | None, label: str, category: Category, office_key: str | None = None) -> Route:
    if staff is None:
        raise RoutingError(f"no active staff member handles category '{category.key}' ({label})")
    return Route(staff, label, office_key)
