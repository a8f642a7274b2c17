"""Due times from an intake type's time limit, in the district's own time zone.

`same_day` means by today's closing time (tomorrow's when the message came after closing);
a limit in days ends at closing time on the last day, as residents read "3日内办结";
a limit in hours is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.profile.schema import OfficeHours, TimeLimit


def compute_due(created: datetime, limit: TimeLimit, timezone: ZoneInfo, hours: OfficeHours) -> datetime:
    local = created.astimezone(timezone)
    if limit.same_day:
        close = datetime.combine(local.date(), hours.close, timezone)
        return (close if local < close else close + timedelta(days=1)).astimezone(UTC)
    if limit.hours:
        return (created + timedelta(hours=limit.hours)).astimezone(UTC)
    last_day = local.date() + timedelta(days=limit.days)
    return datetime.combine(last_day, hours.close, timezone).astimezone(UTC)
