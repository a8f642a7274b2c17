"""The audit log: who read a clue or a resident's personal data, who exported or erased it, and when.

Entries name what was touched by id only (`resident:42`, `clue:7`), never by a name, phone or
platform account, so the log itself holds no personal data and survives a resident's erasure as is.
Like a repository, `record` adds to the caller's transaction: the entry commits with the action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Staff

READ_CLUE = "read_clue"
READ_RESIDENT = "read_resident"
EXPORT_RESIDENT = "export_resident"
ERASE_RESIDENT = "erase_resident"


def resident_subject(resident_id: int) -> str:
    return f"resident:{resident_id}"


def clue_subject(clue_id: int) -> str:
    return f"clue:{clue_id}"


def record(session: AsyncSession, staff_id: int | None, action: str, subject: str, now: datetime,
           detail: str | None = None) -> AuditEntry:
    """Log an access; `staff_id` None is the operator at the command line."""
    entry = AuditEntry(staff_id=staff_id, action=action, subject=subject, detail=detail, at=now)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditLine:
    """One entry with the staff member's roster key (None: the operator)."""

    at: datetime
    staff_key: str | None
    action: str
    subject: str
    detail: str | None


async def recent(session: AsyncSession, limit: int = 200, since: datetime | None = None) -> list[AuditLine]:
    """The newest entries first, at most `limit`, optionally only those at or after `since`."""
    query = (select(AuditEntry, Staff.key).outerjoin(Staff, Staff.id == AuditEntry.staff_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    return [AuditLine(entry.at, key, entry.action, entry.subject, entry.detail)
            for entry, key in (await session.execute(query)).all()]
