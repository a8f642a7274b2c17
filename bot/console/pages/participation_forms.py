"""What the 公示 and 议事 pages share: who may run them, which communities a staff member sees, and times as
typed (the community a form writes for and building numbers come from `notice_forms`, as for notices)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.console.access import is_admin, may_send_notices
from bot.console.pages.deps import require
from storage.models import Staff
from storage.profile import Profile


def may_run(staff: Staff) -> bool:
    """Those who may send notices may create, publish and close 公示 and 议事; everyone else may watch."""
    return may_send_notices(staff)


def seen_communities(staff: Staff) -> list[int] | None:
    """The communities whose 公示 and 议事 a staff member sees: an admin every one (None), anyone else their own."""
    if is_admin(staff):
        return None
    return [staff.community_id] if staff.community_id is not None else []


def ensure_seen(staff: Staff, community_id: int, what: str) -> None:
    seen = seen_communities(staff)
    require(seen is None or community_id in seen, f"{staff.key} may not see {what}")


def local_time(text: str, profile: Profile) -> datetime | None:
    """A `datetime-local` value read in the district's time zone (blank: none); ValueError if it is no time."""
    if not text.strip():
        return None
    local = datetime.fromisoformat(text.strip())
    return (local if local.tzinfo else local.replace(tzinfo=profile.timezone)).astimezone(UTC)
