"""Stored dialogue state, one row per resident."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import built_per_dialect
from storage.models import Conversation

_TABLE = cast(Table, Conversation.__table__)
"""Read and written as a table, not through the ORM's unit of work: one row on every message's path, where an
ORM load and flush cost several times the statements themselves."""


async def lock_conversation(session: AsyncSession, resident_id: int) -> None:
    """Hold the resident's conversation row until the transaction ends, on PostgreSQL (a row lock) and on SQLite
    (the write lock, taken by this write before anything is read), so a read-modify-write of it is not
    interleaved with another. A resident with no conversation yet locks nothing."""
    await session.execute(update(Conversation).where(Conversation.resident_id == resident_id)
                          .values(resident_id=Conversation.resident_id))


_LOAD = select(_TABLE.c.state, _TABLE.c.updated_at).where(_TABLE.c.resident_id == bindparam("resident"))


def save_statement(insert: Any) -> Insert:
    """The upsert of a resident's dialogue state, built with a database's `insert`."""
    upsert = insert(_TABLE).values(resident_id=bindparam("resident_id"), state=bindparam("state"),
                                   updated_at=bindparam("updated_at"))
    statement: Insert = upsert.on_conflict_do_update(
        index_elements=[_TABLE.c.resident_id],
        set_={"state": upsert.excluded.state, "updated_at": upsert.excluded.updated_at})
    return statement


_SAVE = built_per_dialect(save_statement)


async def load_state(session: AsyncSession, resident_id: int) -> tuple[dict[str, Any], datetime | None]:
    """The resident's stored dialogue state and when it was last saved; ({}, None) before their first turn."""
    row = (await session.execute(_LOAD, {"resident": resident_id})).first()
    return (row.state, row.updated_at) if row is not None else ({}, None)


def saved(resident_id: int, state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The parameters of `save_statement`."""
    return {"resident_id": resident_id, "state": state, "updated_at": now}


async def save_state(session: AsyncSession, resident_id: int, state: dict[str, Any], now: datetime) -> None:
    """Store the resident's dialogue state, creating the row on their first turn."""
    await session.execute(_SAVE(session), saved(resident_id, state, now))
