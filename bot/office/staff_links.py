"""Linking a staff member's chat account with a one-time code: issued by an operator (or, later, the
console), typed by the staff member in the chat (`/link CODE`). The code is shown once; only its hash
is kept; it works once and for a day."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import StaffNotFoundError
from storage.models import Staff, StaffChannel, StaffLinkCode

CODE_LIFETIME = timedelta(hours=24)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: the code is read off one screen and typed on a phone."""
CODE_LENGTH = 8


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def issue_link_code(session: AsyncSession, staff_key: str, channel: str, now: datetime) -> str:
    staff = await session.scalar(select(Staff).where(Staff.key == staff_key, Staff.active))
    if staff is None:
        raise StaffNotFoundError(f"no active staff member {staff_key}")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(StaffLinkCode(code_hash=_hash(code), staff_id=staff.id, channel=channel,
                              expires_at=now + CODE_LIFETIME))
    return code


async def redeem_link_code(session: AsyncSession, code: str, channel: str, external_id: str,
                           now: datetime) -> Staff | None:
    """The staff member the code was issued to, now linked to `external_id`; None for a wrong, used or
    expired code (the same answer for each, so codes cannot be probed)."""
    found = await session.get(StaffLinkCode, _hash(code), with_for_update=True)
    if found is None or found.used_at is not None or found.expires_at <= now or found.channel != channel:
        return None
    found.used_at = now
    await session.execute(delete(StaffChannel).where(StaffChannel.channel == channel,
                                                     (StaffChannel.staff_id == found.staff_id)
                                                     | (StaffChannel.external_id == external_id)))
    session.add(StaffChannel(staff_id=found.staff_id, channel=channel, external_id=external_id))
    return await session.get(Staff, found.staff_id)
