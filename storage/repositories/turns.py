"""A message's turn at its two ends: its start (the message claimed, the writer's reply window reopened) and its
end (the dialogue state saved, the replies recorded). Every message takes this path, and on these machines a round
trip to the database costs more CPU than the statement's work (the system calls of the send and the wait), so on
PostgreSQL each end's writes go in one statement (data-modifying `WITH`); SQLite, which has none, takes them one by
one."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, exists, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import conversations, processed, residents

_CLAIMED = processed.claim_statement(postgresql.insert).cte("claimed")
_REOPENED = residents.REOPEN.where(exists(_CLAIMED.select())).cte("reopened")
_CLAIM_THEN_REOPEN = select(exists(_CLAIMED.select()).label("claimed"),
                            _REOPENED.select().scalar_subquery().label("resident_id"))
"""PostgreSQL: the claim and, when it was taken, the reopened account, in one statement. The resident's state is
read by the next one, which sees what another message of theirs committed while this one waited for the row."""

_SAVED = conversations.save_statement(postgresql.insert).cte("saved")


@functools.cache
def _saving_too(record: Update) -> Update:
    """PostgreSQL: a recording of replies (`processed.recording`) that saves the dialogue state with it; built once
    for each of them."""
    return record.add_cte(_SAVED)


def _on_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Claimed:
    """A message this turn claimed, and the resident whose account wrote it (None: first contact)."""

    resident_id: int | None


async def claim(session: AsyncSession, channel: str, message_key: str, account_id: str,
                at: datetime) -> Claimed | None:
    """Claim the message (`processed.claim_message`) and reopen its account's reply window (`residents.REOPEN`);
    None when the message was claimed before (its replies are stored). Both are writes, before anything is read:
    SQLite takes its write lock at the first. Then `residents.writer` reads what the turn starts from."""
    if not _on_postgresql(session):
        if not await processed.claim_message(session, channel, message_key, at):
            return None
        return Claimed(await session.scalar(residents.REOPEN, residents.reopening(channel, account_id, at)))
    parameters = {**processed.claiming(channel, message_key, at), **residents.reopening(channel, account_id, at)}
    row = (await session.execute(_CLAIM_THEN_REOPEN, parameters)).one()
    return Claimed(row.resident_id) if row.claimed else None


async def end(session: AsyncSession, channel: str, message_key: str, resident_id: int, state: dict[str, Any],
              now: datetime, replies: list[dict[str, Any]], owner: int | None, created_at: datetime | None) -> None:
    """Save the resident's dialogue state (`conversations.save_state`) and record the replies under the message's
    key (`processed.record_replies`)."""
    if not _on_postgresql(session):
        await conversations.save_state(session, resident_id, state, now)
        await processed.record_replies(session, channel, message_key, replies, owner, created_at)
        return
    record, parameters = processed.recording(channel, message_key, replies, owner, created_at)
    await session.execute(_saving_too(record), {**parameters, **conversations.saved(resident_id, state, now)})
