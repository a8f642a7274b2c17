"""Cross-checks of a loaded profile: references between files (offices, intake types, staff, areas,
buildings, approvers) that a schema alone cannot see. Each problem names the file and the field."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from storage.profile.errors import ProfileError
from storage.profile.model import Profile, expand_buildings
from storage.profile.schema import Category, Certificate, Community, FlowSpec, Service, StaffMember, StaffRole


def check_district(profile: Profile, path: Path) -> None:
    district = profile.district
    staff_ids = {s.id for s in district.staff}
    for i, office in enumerate(district.offices):
        for j, staff_id in enumerate(office.staff):
            if staff_id not in staff_ids:
                raise ProfileError(path, f"offices[{i}].staff[{j}]", f"unknown staff id '{staff_id}'")
    duty = district.emergency_duty_community
    if duty is not None and duty not in profile.communities:
        raise ProfileError(path, "emergency_duty_community",
                           f"unknown community '{duty}'; communities: {', '.join(sorted(profile.communities))}")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(district.timezone)
    except (KeyError, ValueError) as error:
        raise ProfileError(path, "timezone", f"unknown time zone '{district.timezone}'") from error


def check_categories(profile: Profile, path: Path, categories: list[Category]) -> None:
    seen: set[str] = set()
    offices = {o.id for o in profile.district.offices}
    for i, category in enumerate(categories):
        if category.key in seen:
            raise ProfileError(path, f"[{i}].key", f"duplicate category '{category.key}'")
        seen.add(category.key)
        intake = profile.district.intake_types.get(category.intake_type)
        if intake is None:
            raise ProfileError(path, f"[{i}].intake_type", f"unknown intake type '{category.intake_type}'")
        if category.effective_remit not in intake.time_limits:
            raise ProfileError(path, f"[{i}].remit", f"intake type '{category.intake_type}' has no time limit "
                               f"for remit '{category.effective_remit}'")
        if category.office_key is not None and category.office_key not in offices:
            raise ProfileError(path, f"[{i}].handled_by", f"unknown office '{category.office_key}'")
    for required in (Profile.GENERAL_CATEGORY, Profile.HANDOFF_CATEGORY):
        if required not in seen:
            raise ProfileError(path, "", f"a category with key '{required}' is required")


def check_flows(path: Path, flows: dict[str, FlowSpec]) -> None:
    """Each choice offers something; that the questions name replies the form renders is the bot's check
    (`bot.conversation.replies`)."""
    for name, flow in flows.items():
        for i, slot in enumerate(flow.slots):
            if slot.kind == "choice" and not slot.options:
                raise ProfileError(path, f"{name}.slots[{i}].options", "a choice needs options")


def check_catalogue(profile: Profile, certificates_path: Path, certificates: list[Certificate],
                     services_path: Path, services: list[Service]) -> None:
    offices = {o.id for o in profile.district.offices}
    for path, keys in ((certificates_path, [c.key for c in certificates]), (services_path, [s.key for s in services])):
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise ProfileError(path, f"[{i}].key", f"duplicate key '{key}'")
    for i, certificate in enumerate(certificates):
        office = certificate.issued_by.removeprefix("office:")
        if certificate.issued_by.startswith("office:") and office not in offices:
            raise ProfileError(certificates_path, f"[{i}].issued_by", f"unknown office '{office}'")
    for i, service in enumerate(services):
        for key, community in profile.communities.items():
            if service.handled_by not in {s.role.value for s in community.staff}:
                raise ProfileError(services_path, f"[{i}].handled_by",
                                   f"community '{key}' has no staff member with role '{service.handled_by}'")


def check_community(profile: Profile, path: Path, community: Community) -> None:
    staff = {s.id: s for s in community.staff}
    for i, area in enumerate(community.areas):
        lead = staff.get(area.lead)
        if lead is None or lead.role is not StaffRole.AREA_LEAD:
            raise ProfileError(path, f"areas[{i}].lead", f"'{area.lead}' is not an area_lead of this community")
    seen: dict[str, str] = {}
    for i, area in enumerate(community.areas):
        for number in _expand(area.buildings, path, f"areas[{i}].buildings"):
            if number in seen:
                raise ProfileError(path, f"areas[{i}].buildings",
                                   f"building '{number}' is also in area '{seen[number]}'")
            seen[number] = area.id
    led: dict[str, str] = {}
    for i, member in enumerate(community.staff):
        for j, number in enumerate(member.buildings):
            if number not in seen:
                raise ProfileError(path, f"staff[{i}].buildings[{j}]", f"unknown building '{number}'")
            if number in led:
                raise ProfileError(path, f"staff[{i}].buildings[{j}]",
                                   f"building '{number}' already has lead '{led[number]}'")
            led[number] = member.id
    _check_approvers(profile, path, community)
    roles = {s.role.value for s in community.staff}
    if StaffRole.SECRETARY.value not in roles:
        raise ProfileError(path, "staff", "a secretary is required: matters with no building go to them")
    for category in profile.categories.values():
        if category.handled_by not in ("grid",) and category.office_key is None and category.handled_by not in roles:
            raise ProfileError(path, "staff", f"category '{category.key}' needs a staff member with role "
                               f"'{category.handled_by}'")


def _check_approvers(profile: Profile, path: Path, community: Community) -> None:
    """A topic needing approvals must find that many distinct staff per role, or its notices never go."""
    held = Counter(s.role for s in (*community.staff, *profile.district.staff))
    for topic in profile.notice_topics.values():
        for role, needed in Counter(topic.approval_roles).items():
            if held[role] < needed:
                raise ProfileError(path, "staff", f"notice topic '{topic.key}' needs approval by {needed} "
                                   f"staff with role '{role.value}'; this community has {held[role]}")


def check_unique_staff(profile: Profile) -> None:
    seen: set[str] = set()
    for path, members in _staff_by_file(profile):
        for i, member in enumerate(members):
            if member.id in seen:
                raise ProfileError(path, f"staff[{i}].id", f"staff id '{member.id}' is used twice in the profile")
            seen.add(member.id)


def _staff_by_file(profile: Profile) -> Iterable[tuple[Path, list[StaffMember]]]:
    yield profile.root / "district.yaml", profile.district.staff
    for key, community in profile.communities.items():
        yield profile.root / "communities" / key / "community.yaml", community.staff


def _expand(specs: list[str], path: Path, field: str) -> list[str]:
    try:
        return expand_buildings(specs)
    except ValueError as error:
        raise ProfileError(path, field, str(error)) from error
