"""Console accounts: staff added on the console (kept by profile loads) and passwords."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.passwords import hash_password
from bot.core.errors import StaffNotFoundError
from storage.models import Staff, StaffSession
from storage.profile.schema import StaffRole
from storage.repositories.directory import get_community


async def add_console_staff(session: AsyncSession, key: str, name: str, role: str, community_key: str | None,
                            password: str) -> Staff:
    if role not in {r.value for r in StaffRole}:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(r.value for r in StaffRole)}")
    if await session.scalar(select(Staff.id).where(Staff.key == key)) is not None:
        raise ValueError(f"staff id {key!r} is taken")
    community = await get_community(session, community_key) if community_key else None
    if community_key and community is None:
        raise ValueError(f"no community {community_key!r}")
    staff = Staff(key=key, name=name, role=role, community_id=community.id if community else None, active=True,
                  source="console", password_hash=hash_password(password))
    session.add(staff)
    return staff


async def set_password(session: AsyncSession, key: str, password: str) -> None:
    """A new password; the staff member's open sessions end, so a leaked session dies with the old one."""
    staff = await session.scalar(select(Staff).where(Staff.key == key, Staff.active))
    if staff is None:
        raise StaffNotFoundError(f"no active staff member {key}")
    staff.password_hash = hash_password(password)
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
