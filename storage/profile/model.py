"""The loaded profile and the questions the rest of the code asks of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.profile.engagement import ClueSettings, FeedbackWords, NoticeTopic, SafetyTopic
from storage.profile.locations import BuildingLocations
from storage.profile.notice_templates import NoticeTemplate
from storage.profile.participation import ParticipationSettings
from storage.profile.rota import RotaSettings
from storage.profile.schema import (
    Area,
    CalendarDays,
    Category,
    Certificate,
    Community,
    District,
    FlowSpec,
    IntakeType,
    Place,
    Service,
    StaffMember,
    TimeLimit,
)
from storage.profile.staff_commands import StaffCommandWords
from storage.profile.wechat_menu import WeChatMenu


def expand_buildings(specs: list[str]) -> list[str]:
    """Building numbers from entries such as `3` or the range `1-17`."""
    numbers: list[str] = []
    for spec in specs:
        text = str(spec).strip()
        first, dash, last = text.partition("-")
        if dash and first.isdigit() and last.isdigit() and int(first) <= int(last):
            numbers.extend(str(n) for n in range(int(first), int(last) + 1))
        elif not dash and text:
            numbers.append(text)
        else:
            raise ValueError(f"'{spec}' is neither a building nor a range like 1-17")
    return numbers


@dataclass(frozen=True)
class Profile:
    GENERAL_CATEGORY = "general"
    HANDOFF_CATEGORY = "handoff"

    root: Path
    district: District
    categories: dict[str, Category]
    communities: dict[str, Community]
    replies: dict[str, dict[str, str]] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    flows: dict[str, FlowSpec] = field(default_factory=dict)
    safety_topics: dict[str, SafetyTopic] = field(default_factory=dict)
    notice_topics: dict[str, NoticeTopic] = field(default_factory=dict)
    notice_templates: dict[str, NoticeTemplate] = field(default_factory=dict)
    """By key, from the optional `notice_templates/` folder: how a notice of each kind is worded."""
    clues: ClueSettings = field(default_factory=ClueSettings)
    feedback_words: FeedbackWords = field(default_factory=FeedbackWords)
    places: dict[str, dict[str, Place]] = field(default_factory=dict)
    """Per community key, by place key: public places without a building number (`places.yaml`)."""
    building_locations: dict[str, BuildingLocations] = field(default_factory=dict)
    """Per community key: where its buildings stand, from the optional `locations.yaml`."""
    wechat_menu: WeChatMenu | None = None
    """The official account's custom menu; None when the profile has no `wechat_menu.yaml`."""
    staff_commands: StaffCommandWords = field(default_factory=StaffCommandWords)
    """What staff type to claim, close or hand on a ticket (`staff_commands.yaml`); none without the file."""
    calendar_days: CalendarDays = field(default_factory=CalendarDays)
    """Holidays and working days that differ from the national calendar (`calendar.yaml`)."""
    participation: ParticipationSettings = field(default_factory=ParticipationSettings)
    """公示 and 议事 (`participation.yaml`); neither without the file."""
    rota: RotaSettings = field(default_factory=RotaSettings)
    """Who is on duty when (`rota.yaml`); without the file nobody is, and tickets go by role as ever."""

    @property
    def policies_dir(self) -> Path:
        """Markdown policy texts (办事指南) that policy_question answers from."""
        return self.root / "policies"

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.district.timezone)

    def buildings(self, community_id: str) -> dict[str, Area]:
        """Building number -> the area it belongs to."""
        return {
            number: area
            for area in self.communities[community_id].areas
            for number in expand_buildings(area.buildings)
        }

    def area(self, community_id: str, area_key: str) -> Area:
        return next(a for a in self.communities[community_id].areas if a.id == area_key)

    def intake_type(self, category: Category) -> IntakeType:
        return self.district.intake_types[category.intake_type]

    def time_limit(self, category: Category) -> TimeLimit:
        return category.time_limit or self.intake_type(category).time_limits[category.effective_remit]

    def merge_window_days(self, category: Category) -> int:
        own = category.merge_window_days
        return own if own is not None else self.intake_type(category).merge_window_days

    def follow_up_after_days(self, category: Category) -> int | None:
        own = category.follow_up_after_days
        return (own or None) if own is not None else self.intake_type(category).follow_up_after_days

    def all_staff(self) -> list[tuple[str | None, StaffMember]]:
        """Every staff member with their community id (None for sub-district staff)."""
        members: list[tuple[str | None, StaffMember]] = [(None, s) for s in self.district.staff]
        for key, community in self.communities.items():
            members.extend((key, s) for s in community.staff)
        return members

    def reply_template(self, community_id: str | None, key: str) -> str:
        own = self.replies.get(community_id or "", {})
        return own.get(key) or self.replies[""][key]
