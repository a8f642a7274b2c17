"""The shape of a community profile: one sub-district and its communities, validated by pydantic.

Each model mirrors one part of the YAML files; cross-file references (a building lead's
buildings, an office's staff) are checked by `storage.profile.loader` once every file is read.
"""

from __future__ import annotations

import re
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Remit(StrEnum):
    """Whose remit a matter is in: it decides the time limit within an intake type."""

    COMMUNITY = "community"
    DISTRICT = "district"
    BEYOND = "beyond"


class StaffRole(StrEnum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    AREA_LEAD = "area_lead"
    BUILDING_LEAD = "building_lead"
    GRID_WORKER = "grid_worker"
    WINDOW = "window"
    POLICE = "police"
    LEGAL_ADVISER = "legal_adviser"
    SERVICE_TEAM = "service_team"
    OFFICE = "office"


_DURATION = re.compile(r"^(\d{1,3})\s*([dh])$")


class TimeLimit(Frozen):
    """`same_day` (by the office's closing time) or a duration such as `3d` or `48h`."""

    same_day: bool = False
    days: int = 0
    hours: int = 0

    @classmethod
    def parse(cls, raw: object) -> TimeLimit:
        if isinstance(raw, TimeLimit):
            return raw
        text = str(raw).strip().lower()
        if text == "same_day":
            return cls(same_day=True)
        match = _DURATION.match(text)
        if match is None or int(match.group(1)) == 0:
            raise ValueError(f"'{raw}' is not a time limit: write same_day, or a duration like 3d or 48h")
        amount, unit = int(match.group(1)), match.group(2)
        return cls(days=amount) if unit == "d" else cls(hours=amount)

    def label(self) -> str:
        if self.same_day:
            return "same_day"
        return f"{self.days}d" if self.days else f"{self.hours}h"


class IntakeType(Frozen):
    name: str
    time_limits: dict[Remit, TimeLimit]
    merge_window_days: int = Field(default=0, ge=0)
    """A report of the same category at the same building or listed place as an open ticket filed within this
    many days joins that ticket as a follower (0: never; a category may set its own)."""
    follow_up_after_days: int | None = Field(default=None, ge=1)
    """回访: this many working days after closing, the resident is asked whether it is still fixed (None: not
    asked; a category may set its own)."""

    @field_validator("time_limits", mode="before")
    @classmethod
    def _parse_limits(cls, value: object) -> object:
        if not isinstance(value, dict) or not value:
            raise ValueError("give at least one of community / district / beyond with its time limit")
        return {remit: TimeLimit.parse(limit) for remit, limit in value.items()}


class PauseReason(Frozen):
    """Why a ticket's clock stops (`pause_reasons` in district.yaml), and what the resident is told."""

    name: str
    """Shown to staff and to the resident: 等待补充材料."""
    need: str
    """What the resident is asked for or told: 请把户口本首页拍照发给我们。"""
    awaits_resident: bool = True
    """Whether the resident's next message answers it (and starts the clock again)."""
    words: list[str] = []
    """Short words staff may type for it after 暂停 and the ticket number (材料, 不在家)."""


class OfficeHours(Frozen):
    open: time = time(8, 30)
    close: time = time(17, 30)


class CalendarDays(Frozen):
    """Days the district's offices keep otherwise than the national calendar (`calendar.yaml`): a year the
    `chinese-calendar` package does not know yet (its 放假 and 调休 days, from the State Council's notice), or a
    local closure or extra working day."""

    holidays: list[date] = []
    """Closed, whatever the national calendar says."""
    workdays: list[date] = []
    """Open (a 调休 Saturday or Sunday), whatever the national calendar says."""

    @model_validator(mode="after")
    def _no_day_both(self) -> CalendarDays:
        if both := sorted(set(self.holidays) & set(self.workdays)):
            raise ValueError(f"a day cannot be both a holiday and a workday: {', '.join(map(str, both))}")
        return self


class StaffMember(Frozen):
    id: Key
    name: str
    role: StaffRole
    phone: str | None = Field(default=None, pattern=r"^[0-9-]{7,15}$")
    channels: dict[str, str] = {}
    buildings: list[str] = []


class Office(Frozen):
    id: Key
    name: str
    phone: str | None = None
    address: str | None = None
    hours: str | None = None
    staff: list[Key] = Field(min_length=1)


class Category(Frozen):
    """A kind of complaint: it fixes the intake type and who handles it.

    `handled_by` is `grid` (building lead, else area lead), a community role (`window`,
    `service_team`, `police`, `legal_adviser`, `secretary`) or `office:<id>` for a sub-district office.
    """

    key: Key
    name: str
    intake_type: Key
    handled_by: str = Field(pattern=r"^(grid|window|service_team|police|legal_adviser|secretary|office:[a-z0-9_-]+)$")
    remit: Remit | None = None
    keywords: list[str] = []
    """Words that hint at the category; the classifier weighs them beside the examples."""
    examples: list[str] = []
    """How residents word a complaint of this category: what the category classifier learns from."""
    asks_where: bool = True
    """Whether the bot asks where it is: a repair or an illegal shed needs a place, a lost wage or a
    pension transfer concerns a person (their building is used when known)."""
    time_limit: TimeLimit | None = None
    """Instead of the intake type's limit, for matters that cannot wait (emergency: 1h)."""
    merge_window_days: int | None = Field(default=None, ge=0)
    """Instead of the intake type's: a street light is one problem for everyone who walks past it, a leak in
    one flat is not the same as a leak in the next (0)."""
    follow_up_after_days: int | None = Field(default=None, ge=0)
    """Instead of the intake type's (0: no 回访 for this category)."""

    @field_validator("time_limit", mode="before")
    @classmethod
    def _parse_time_limit(cls, value: object) -> TimeLimit | None:
        return None if value is None else TimeLimit.parse(value)

    @property
    def office_key(self) -> str | None:
        return self.handled_by.removeprefix("office:") if self.handled_by.startswith("office:") else None

    @property
    def effective_remit(self) -> Remit:
        if self.remit is not None:
            return self.remit
        return Remit.DISTRICT if self.office_key else Remit.COMMUNITY


class Area(Frozen):
    id: Key
    name: str
    lead: Key
    buildings: list[str] = Field(min_length=1)
    households: int | None = Field(default=None, ge=0)
    """The area's households, for the turnout of a vote held in it (without it: the community's, shared by
    building count)."""


class Place(Frozen):
    """A public place of a community without a building number: a gate, a road, a square, a garage.

    `area` is the 片 whose lead answers for it; `team`, when set, a community role that looks after
    it instead (the service team for the playground, the window for the service centre)."""

    key: Key
    name: str
    aliases: list[str] = []
    area: Key
    team: StaffRole | None = None

    @property
    def words(self) -> list[str]:
        return [self.name, *self.aliases]


class Community(Frozen):
    id: Key
    name: str
    aliases: list[str] = []
    households: int = Field(ge=0)
    residents: int = Field(ge=0)
    address: str | None = None
    phone: str | None = None
    staff: list[StaffMember] = Field(min_length=1)
    areas: list[Area] = Field(min_length=1)


class District(Frozen):
    id: Key
    name: str
    timezone: str = "Asia/Shanghai"
    office_hours: OfficeHours = OfficeHours()
    ticket_prefix: str = Field(default="GD", pattern=r"^[A-Z]{1,4}$")
    conversation_idle_minutes: int = Field(default=30, ge=1)
    longest_message_chars: int = Field(default=1000, ge=100)
    """A message longer than this is not read (understanding it would hold the server up for everyone): the
    resident is asked to send it in parts. WeChat's text messages are at most 2,048 bytes (about 680 characters)."""
    ticket_retention_days: int = Field(default=365, ge=30)
    """Days after closing that a ticket keeps its personal fields (address, description, certificate
    details); then `bot.privacy.retention` removes them and keeps what the statistics need."""
    emergency_duty_community: Key | None = None
    """The community whose on-duty staff are alerted to an emergency from a resident whose own community is
    not known (one writing to the district account who has not said it): usually the one the sub-district's
    综治中心 sits in. Without it such an emergency gets the numbers to call but alerts nobody."""
    offices: list[Office] = []
    staff: list[StaffMember] = []
    intake_types: dict[Key, IntakeType] = Field(min_length=1)
    pause_reasons: dict[Key, PauseReason] = {}
    """Why staff may stop a ticket's clock; without any, tickets cannot be paused."""
    reporters_alert_at: list[int] = [3, 10]
    """When this many residents have reported one problem, its assignee and area lead are told (they may
    raise its urgency)."""
    role_names: dict[StaffRole, str]
    """How each role is named to residents, e.g. area_lead: 片长."""

    @field_validator("role_names")
    @classmethod
    def _every_role_named(cls, value: dict[StaffRole, str]) -> dict[StaffRole, str]:
        if missing := [r.value for r in StaffRole if r not in value]:
            raise ValueError(f"name every role; missing: {', '.join(missing)}")
        return value


class CertificateStatus(StrEnum):
    AVAILABLE = "available"
    ABOLISHED = "abolished"
    NOT_NEEDED = "not_needed"


class Certificate(Frozen):
    """One certificate in the catalogue. An abolished or unneeded one says where to go instead."""

    key: Key
    name: str
    aliases: list[str] = []
    purpose: str
    materials: list[str] = []
    issued_by: str = Field(pattern=r"^(window|police|office:[a-z0-9_-]+)$")
    processing: TimeLimit = TimeLimit(same_day=True)
    status: CertificateStatus = CertificateStatus.AVAILABLE
    instead: str | None = None
    examples: list[str] = []
    """How residents ask for it without its name (「证明我们家确实住在这儿的那种」): a form learns from them."""

    @field_validator("processing", mode="before")
    @classmethod
    def _parse_processing(cls, value: object) -> TimeLimit:
        return TimeLimit.parse(value)

    @model_validator(mode="after")
    def _instead_when_not_available(self) -> Certificate:
        if self.status is not CertificateStatus.AVAILABLE and not self.instead:
            raise ValueError(f"'{self.key}' is {self.status.value}: say where to go instead (instead: ...)")
        return self


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_PERIOD = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class Service(Frozen):
    """A bookable service: weekly opening periods cut into slots of `slot_minutes`."""

    key: Key
    name: str
    aliases: list[str] = []
    location: str
    handled_by: str = Field(pattern=r"^(window|police|legal_adviser|service_team|secretary|area_lead)$")
    hours: dict[Weekday, list[str]]
    slot_minutes: int = Field(ge=5, le=240)
    capacity: int = Field(ge=1, le=100)
    closed_dates: list[date] = []
    open_on_public_holidays: bool = False
    """False: closed on the national public holidays that fall on its weekdays (`storage.work_calendar`)."""
    home_visit: bool = False
    book_days_ahead: int = Field(default=14, ge=1, le=90)
    examples: list[str] = []
    """How residents ask for it without its name (「想见见咱们这片儿的片儿警」): a form learns from them."""

    @field_validator("hours")
    @classmethod
    def _periods(cls, value: dict[Weekday, list[str]]) -> dict[Weekday, list[str]]:
        for day, periods in value.items():
            for period in periods:
                match = _PERIOD.match(period)
                if match is None or match.group(1, 2) >= match.group(3, 4):
                    raise ValueError(f"{day.value}: '{period}' is not a period like 09:00-11:30")
        return value


class SlotSpec(Frozen):
    """One piece of information a flow collects. `kind` says how it is recognised and checked."""

    name: Key
    kind: Literal["certificate", "service", "appointment_time", "phone", "id_number", "choice", "text", "address"]
    ask: str
    options: list[str] = []
    synonyms: dict[str, list[str]] = {}
    """For a choice: the words residents use for each option (家人: 爸, 妈, 老伴 ...)."""
    pattern: str | None = None
    """For free text: a regular expression whose `value` group takes the slot from a message that was not
    asked for it (「银行核实地址用」 in a message that also names the certificate)."""
    required: bool = True
    """False: taken when the resident gives it, asked only when the flow's own rule needs it (a phone for a
    booking: the reminder comes to the chat; only a home visit needs a number to call)."""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled = re.compile(value)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from error
            if "value" not in compiled.groupindex:
                raise ValueError("the pattern needs a group named value: (?P<value>...)")
        return value


class FlowSpec(Frozen):
    """A multi-step flow: the slots in the order they are asked, then a confirmation."""

    name: str
    slots: list[SlotSpec] = Field(min_length=1)
    confirm: str
