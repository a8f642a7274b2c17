"""Read and check a profile folder; every problem names the file, the field and what is wrong.

Layout::

    district.yaml               the sub-district, its offices, staff and intake types
    categories.yaml             complaint categories -> intake type and handler
    replies.md                  reply wording (## key sections)
    communities/<id>/community.yaml   areas, buildings, staff of one community
    communities/<id>/replies.md       optional: this community's own wording
    communities/<id>/locations.yaml   optional: where each building stands (shared locations)
    communities/<id>/places.yaml      optional: public places without a building number (gates, roads ...)
    staff_commands.yaml         optional: the words staff type in WeCom (认领, 办结, 转, 我的)
    notice_templates/<key>.yaml optional: notice templates (治安形势预报, 社区公告), each on a notice topic
    calendar.yaml               optional: holidays and 调休 working days beyond the national calendar
    rota.yaml                   optional: who is on duty, per community, by kind of day and hours
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from storage.profile.checks import (
    check_catalogue,
    check_categories,
    check_community,
    check_district,
    check_flows,
    check_unique_staff,
)
from storage.profile.engagement import ClueSettings, FeedbackWords, NoticeTopic, SafetyTopic
from storage.profile.errors import ProfileError
from storage.profile.locations import LOCATIONS_FILE, BuildingLocations, load_locations
from storage.profile.model import Profile
from storage.profile.notice_templates import NoticeTemplate
from storage.profile.participation import ParticipationSettings
from storage.profile.replies import check_replies, parse_replies
from storage.profile.rota import DayKind, RotaSettings
from storage.profile.schema import (
    CalendarDays,
    Category,
    Certificate,
    Community,
    District,
    FlowSpec,
    Place,
    Service,
    StaffRole,
)
from storage.profile.staff_commands import StaffAction, StaffCommandWords
from storage.profile.wechat_menu import WeChatMenu
from storage.yaml_text import parse_yaml

PLACES_FILE = "places.yaml"

M = TypeVar("M")
K = TypeVar("K", SafetyTopic, NoticeTopic)


def load_profile(root: Path) -> Profile:
    root = Path(root)
    district_path = root / "district.yaml"
    district = _validate(district_path, TypeAdapter(District))
    categories_path = root / "categories.yaml"
    categories = _validate(categories_path, TypeAdapter(list[Category]))
    communities = {}
    community_dirs = sorted(p for p in (root / "communities").glob("*") if (p / "community.yaml").is_file())
    if not community_dirs:
        raise ProfileError(root / "communities", "", "no community folder with a community.yaml")
    for folder in community_dirs:
        community = _validate(folder / "community.yaml", TypeAdapter(Community))
        if community.id != folder.name:
            raise ProfileError(folder / "community.yaml", "id",
                               f"'{community.id}' differs from its folder '{folder.name}'")
        communities[community.id] = community
    replies = {"": _read_replies(root / "replies.md")}
    for folder in community_dirs:
        if (folder / "replies.md").is_file():
            replies[folder.name] = _read_replies(folder / "replies.md")
    certificates_path, services_path = root / "certificates.yaml", root / "services.yaml"
    certificates = _validate(certificates_path, TypeAdapter(list[Certificate]))
    services = _validate(services_path, TypeAdapter(list[Service]))
    profile = Profile(root=root, district=district, categories={c.key: c for c in categories},
                      communities=communities, replies=replies, certificates={c.key: c for c in certificates},
                      services={s.key: s for s in services})
    check_catalogue(profile, certificates_path, certificates, services_path, services)
    flows_path = root / "flows.yaml"
    flows = _validate(flows_path, TypeAdapter(dict[str, FlowSpec]))
    check_flows(flows_path, flows)
    profile = replace(profile, flows=flows, **_read_engagement(root))
    check_district(profile, district_path)
    check_categories(profile, categories_path, categories)
    for folder in community_dirs:
        check_community(profile, folder / "community.yaml", communities[folder.name])
    check_unique_staff(profile)
    _check_participation(profile, root / "participation.yaml")
    _check_rota(profile, root / "rota.yaml")
    places = {folder.name: _read_places(folder / PLACES_FILE, communities[folder.name])
              for folder in community_dirs if (folder / PLACES_FILE).is_file()}
    return replace(profile, places=places, building_locations=_read_locations(profile, community_dirs))


def _read_places(path: Path, community: Community) -> dict[str, Place]:
    places: dict[str, Place] = {}
    areas = {a.id for a in community.areas}
    for i, place in enumerate(_validate(path, TypeAdapter(list[Place]))):
        if place.key in places:
            raise ProfileError(path, f"[{i}].key", f"duplicate place '{place.key}'")
        if place.area not in areas:
            raise ProfileError(path, f"[{i}].area", f"unknown area '{place.area}'; areas: {', '.join(sorted(areas))}")
        places[place.key] = place
    return places


def _read_locations(profile: Profile, community_dirs: list[Path]) -> dict[str, BuildingLocations]:
    found = {}
    for folder in community_dirs:
        try:
            locations = load_locations(folder, set(profile.buildings(folder.name)))
        except ValueError as problem:
            field, _, message = str(problem).partition(": ")
            raise ProfileError(folder / LOCATIONS_FILE, field, message) from None
        if locations is not None:
            found[folder.name] = locations
    return found


def _read_engagement(root: Path) -> dict[str, Any]:
    """The optional files: safety tips, notice topics, clue settings, feedback words, the WeChat menu,
    staff command words, the calendar, participation (公示, 议事), the on-duty rota."""
    found: dict[str, Any] = {}
    if (root / "safety_tips.yaml").is_file():
        found["safety_topics"] = _keyed(root / "safety_tips.yaml", TypeAdapter(list[SafetyTopic]))
    if (root / "notices.yaml").is_file():
        found["notice_topics"] = _keyed(root / "notices.yaml", TypeAdapter(list[NoticeTopic]))
    if (root / "notice_templates").is_dir():
        found["notice_templates"] = _read_notice_templates(root / "notice_templates", found.get("notice_topics", {}))
    if (root / "clues.yaml").is_file():
        clues = found["clues"] = _validate(root / "clues.yaml", TypeAdapter(ClueSettings))
        if clues.fallback not in {c.key for c in clues.categories}:
            raise ProfileError(root / "clues.yaml", "fallback", f"no category '{clues.fallback}'")
    if (root / "feedback.yaml").is_file():
        found["feedback_words"] = _validate(root / "feedback.yaml", TypeAdapter(FeedbackWords))
    if (root / "wechat_menu.yaml").is_file():
        found["wechat_menu"] = _read_wechat_menu(root / "wechat_menu.yaml")
    if (root / "staff_commands.yaml").is_file():
        found["staff_commands"] = _read_staff_commands(root / "staff_commands.yaml")
    if (root / "calendar.yaml").is_file():
        found["calendar_days"] = _validate(root / "calendar.yaml", TypeAdapter(CalendarDays))
    if (root / "participation.yaml").is_file():
        found["participation"] = _validate(root / "participation.yaml", TypeAdapter(ParticipationSettings))
    if (root / "rota.yaml").is_file():
        found["rota"] = _validate(root / "rota.yaml", TypeAdapter(RotaSettings))
    return found


def _read_staff_commands(path: Path) -> StaffCommandWords:
    """The staff command words, each word belonging to one command only."""
    words = _validate(path, TypeAdapter(StaffCommandWords))
    owner: dict[str, StaffAction] = {}
    for action in StaffAction:
        for i, word in enumerate(words.words(action)):
            if word in owner:
                raise ProfileError(path, f"{action.value}[{i}]", f"'{word}' is already a {owner[word].value} word")
            owner[word] = action
    return words


def _read_wechat_menu(path: Path) -> WeChatMenu:
    """The menu; that its click keys name intents the bot answers is checked by the bot
    (`bot.conversation.profile_check`), which knows its handlers."""
    return _validate(path, TypeAdapter(WeChatMenu))


def _read_notice_templates(folder: Path, topics: dict[str, NoticeTopic]) -> dict[str, NoticeTemplate]:
    templates = {}
    for path in sorted(folder.glob("*.yaml")):
        template = _validate(path, TypeAdapter(NoticeTemplate))
        if template.key != path.stem:
            raise ProfileError(path, "key", f"'{template.key}' differs from its file name '{path.stem}'")
        if template.topic not in topics:
            known = ", ".join(topics) or "none: notices.yaml is missing"
            raise ProfileError(path, "topic", f"unknown notice topic '{template.topic}'; topics: {known}")
        templates[template.key] = template
    return templates


def _keyed(path: Path, adapter: TypeAdapter[list[K]]) -> dict[str, K]:
    entries: dict[str, K] = {}
    listed: list[K] = _validate(path, adapter)
    for i, entry in enumerate(listed):
        if entry.key in entries:
            raise ProfileError(path, f"[{i}].key", f"duplicate key '{entry.key}'")
        entries[entry.key] = entry
    return entries


def _validate(path: Path, adapter: TypeAdapter[M]) -> M:
    if not path.is_file():
        raise ProfileError(path, "", "file not found")
    try:
        data: Any = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ProfileError(path, "", f"not valid YAML: {error}") from error
    try:
        return adapter.validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise ProfileError(path, _field(first["loc"]), first["msg"].removeprefix("Value error, ")) from error


def _field(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _read_replies(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise ProfileError(path, "", "file not found")
    replies = parse_replies(path.read_text(encoding="utf-8"))
    if problems := check_replies(replies):
        field, _, problem = problems[0].partition(": ")
        raise ProfileError(path, field, problem)
    return replies


def _check_participation(profile: Profile, path: Path) -> None:
    """The topics and categories participation.yaml names exist."""
    settings = profile.participation
    named: list[tuple[str, str, Mapping[str, object]]] = []
    if settings.publicity is not None:
        named += [("publicity.topic", settings.publicity.topic, profile.notice_topics),
                  ("publicity.category", settings.publicity.category, profile.categories)]
    if settings.deliberation is not None:
        named += [("deliberation.topic", settings.deliberation.topic, profile.notice_topics),
                  ("deliberation.suggestion_category", settings.deliberation.suggestion_category, profile.categories)]
    for field, key, known in named:
        if key not in known:
            raise ProfileError(path, field, f"no '{key}' in the profile; known: {', '.join(sorted(known)) or 'none'}")


def _check_rota(profile: Profile, path: Path) -> None:
    """Each shift's person is a staff member of its community with its role; its backup one with that role or
    the secretary; no two shifts of a role start at the same time on the same kind of day (a change for one
    date names the shift by its start); the categories it routes exist."""
    rota = profile.rota
    for i, key in enumerate(rota.categories):
        if key not in profile.categories:
            raise ProfileError(path, f"categories[{i}]", f"no category '{key}'")
        if profile.categories[key].handled_by not in set(StaffRole):
            raise ProfileError(path, f"categories[{i}]", f"'{key}' is handled by "
                               f"{profile.categories[key].handled_by}, not by a role with people on duty")
    for community_key, shifts in rota.communities.items():
        if community_key not in profile.communities:
            raise ProfileError(path, f"communities.{community_key}", f"unknown community '{community_key}'")
        roles = {s.id: s.role for s in profile.communities[community_key].staff}
        starts: set[tuple[DayKind, StaffRole, time]] = set()
        for i, shift in enumerate(shifts):
            field = f"communities.{community_key}[{i}]"
            if roles.get(shift.person) != shift.role:
                raise ProfileError(path, f"{field}.person",
                                   f"'{shift.person}' is no {shift.role.value} of {community_key}")
            if shift.backup is not None and (shift.backup == shift.person or roles.get(shift.backup)
                                             not in {shift.role, StaffRole.SECRETARY}):
                raise ProfileError(path, f"{field}.backup", f"'{shift.backup}' is neither another "
                                   f"{shift.role.value} nor the secretary of {community_key}")
            if (shift.days, shift.role, shift.starts) in starts:
                raise ProfileError(path, f"{field}.hours", f"another {shift.days.value} {shift.role.value} "
                                   f"shift starts at {shift.starts:%H:%M}")
            starts.add((shift.days, shift.role, shift.starts))
