"""Who is on duty (`rota.yaml`): per community, shifts by kind of day with their hours, role, person and backup.

A shift whose end is not after its start runs into the next day (17:30-08:30; 08:30-08:30 is a whole day). A
profile without the file has no rota: tickets go to the first active staff member of the role, as before.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum

from pydantic import Field, field_validator

from storage.profile.schema import Frozen, Key, StaffRole


class DayKind(StrEnum):
    WEEKDAY = "weekday"
    """A working day, a 调休 make-up Saturday or Sunday included."""
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    """A day off for a national holiday (its weekend days inside the break too) or one of calendar.yaml's."""


class Shift(Frozen):
    days: DayKind
    hours: str = Field(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    """`08:30-17:30`, or across midnight `17:30-08:30`, local time."""
    role: StaffRole
    person: Key
    """A staff id of the community with this role."""
    backup: Key | None = None
    """Who takes it when the person cannot (inactive): a staff id of the community with this role, or its
    secretary, who stands in for anyone."""

    @field_validator("hours")
    @classmethod
    def _real_times(cls, hours: str) -> str:
        for part in hours.split("-"):
            time.fromisoformat(part)  # ValueError for 25:00 or 08:61
        return hours

    @property
    def starts(self) -> time:
        return time.fromisoformat(self.hours.partition("-")[0])

    @property
    def ends(self) -> time:
        return time.fromisoformat(self.hours.partition("-")[2])

    @property
    def overnight(self) -> bool:
        """Ends on the next day (a night shift, or a whole day)."""
        return self.ends <= self.starts


class RotaSettings(Frozen):
    categories: list[Key] = Field(default_factory=list)
    """Ticket categories that go to whoever is on duty for the role handling them (hand-offs, emergencies);
    every other category keeps its routing."""
    communities: dict[Key, list[Shift]] = Field(default_factory=dict)

    def shifts(self, community_key: str) -> list[Shift]:
        return self.communities.get(community_key, [])
