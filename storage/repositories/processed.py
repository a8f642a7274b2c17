"""Keys of platform messages already handled, for de-duplicating webhook retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Executable, Insert, Table, Update, bindparam, case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import built_per_dialect
from storage.models import ProcessedMessage

_TABLE = cast(Table, ProcessedMessage.__table__)
"""Claimed and recorded as a table, not through the ORM: twice on every message's path."""


async def find_processed(session: AsyncSession, channel: str, message_id: str) -> ProcessedMessage | None:
    return await session.get(ProcessedMessage, (channel, message_id))


def claim_statement(insert: Any) -> Insert:
    """The claim of a message's key at `claimed_at`, built with a database's `insert`: a row when this claim took
    it, none when it was claimed before. (The moment is a parameter, not the column's default, which a claim
    inside a `WITH` would not get.)"""
    claim: Insert = (insert(_TABLE)
                     .values(channel=bindparam("key_channel"), message_id=bindparam("key_message_id"), replies=[],
                             created_at=bindparam("claimed_at"))
                     .on_conflict_do_nothing(index_elements=["channel", "message_id"])
                     .returning(_TABLE.c.message_id))
    return claim


_CLAIM = built_per_dialect(claim_statement)


def claiming(channel: str, message_id: str, at: datetime) -> dict[str, Any]:
    """The parameters of `claim_statement`."""
    return {"key_channel": channel, "key_message_id": message_id, "claimed_at": at}


async def claim_message(session: AsyncSession, channel: str, message_id: str, at: datetime) -> bool:
    """Insert the key now, so a concurrent retry waits on it instead of acting twice. False: the message was
    claimed before (by a retry, or a concurrent one that has just committed): its replies are stored. One
    statement on the common path, a first delivery; the row gets its resident and replies at the end
    (`record_replies`)."""
    claimed = await session.scalar(_CLAIM(session), claiming(channel, message_id, at))
    return claimed is not None


def day_of(moment: datetime, timezone: ZoneInfo) -> datetime:
    """The local day a moment fell on (its midnight): all a turn of an anonymous clue keeps of when it came."""
    return moment.astimezone(timezone).replace(hour=0, minute=0, second=0, microsecond=0)


_RECORD: Update = (update(_TABLE).where(_TABLE.c.channel == bindparam("key_channel"),
                                        _TABLE.c.message_id == bindparam("key_message_id"))
                   .values(replies=bindparam("replies"), resident_id=bindparam("owner")))
_RECORD_ON_DAY = _RECORD.values(created_at=bindparam("day"))


def recording(channel: str, message_id: str, replies: list[dict[str, Any]], resident_id: int | None,
              created_at: datetime | None = None) -> tuple[Update, dict[str, Any]]:
    """The statement that records the replies the message got and whose message it was, and its parameters.
    A turn of an anonymous clue keeps no resident and only its local day (`day_of`) as `created_at`, so neither
    its owner nor its moment pairs it with the clue or the police's alert; its key is already sealed
    (`bot.core.seal`)."""
    key = {"key_channel": channel, "key_message_id": message_id, "replies": replies, "owner": resident_id}
    return (_RECORD, key) if created_at is None else (_RECORD_ON_DAY, {**key, "day": created_at})


async def record_replies(session: AsyncSession, channel: str, message_id: str, replies: list[dict[str, Any]],
                         resident_id: int | None, created_at: datetime | None = None) -> None:
    """The replies the message got, and whose message it was (`recording`)."""
    await session.execute(*recording(channel, message_id, replies, resident_id, created_at))


ANSWER = "answer"
"""The webhook's own answer: WeChat retries only when it did not get it, so a retry may answer again."""
SEND = "send"


def _claim_delivery_statement(allowed: ColumnElement[bool]) -> Executable:
    at = bindparam("at", type_=_TABLE.c.delivered_at.type)
    anonymous_day = case((_TABLE.c.resident_id.is_(None), _TABLE.c.created_at), else_=at)
    return (update(_TABLE).where(_TABLE.c.channel == bindparam("key_channel"),
                                 _TABLE.c.message_id == bindparam("key_message_id"), allowed)
            .values(delivered_by=bindparam("by"), delivered_at=anonymous_day))


_UNCLAIMED = _TABLE.c.delivered_by.is_(None)
_CLAIM_DELIVERY = {ANSWER: _claim_delivery_statement(or_(_UNCLAIMED, _TABLE.c.delivered_by == ANSWER)),
                   SEND: _claim_delivery_statement(_UNCLAIMED)}
"""Built once: the webhook's answer claims its delivery for every message."""


async def claim_delivery(session: AsyncSession, channel: str, message_id: str, by: str, at: datetime) -> bool:
    """True when `by` may deliver the replies: nobody has yet, or (for ANSWER) only earlier answers did.
    An anonymous clue's row (no resident) keeps its day as the delivery time, not the moment."""
    result = await session.execute(_CLAIM_DELIVERY[by],
                                   {"key_channel": channel, "key_message_id": message_id, "by": by, "at": at})
    return bool(result.rowcount)  # type: ignore[attr-defined]
