"""The clue inbox: the one place clues are read, under the one rule of who may read them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.access import may_read_clues
from bot.core.errors import PermissionDenied
from storage.models import Clue, Staff
from storage.repositories.clues import list_clues


async def clue_inbox(session: AsyncSession, staff: Staff, limit: int = 100) -> Sequence[Clue]:
    """The clues of a police officer's community and those whose community was not known, newest first."""
    if not may_read_clues(staff):
        raise PermissionDenied(f"staff {staff.key} ({staff.role}) may not read clues: police only")
    return await list_clues(session, staff.community_id, limit)
