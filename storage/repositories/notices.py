"""Notices and their deliveries: who a notice reaches, one outbox row per recipient, and how far it got.

The audience is the notice topic's subscribers in the community whose building lies in the target
(areas and/or buildings; none named: the whole community), plus those who never gave a building
(their subscription was confirmed as community-wide), if they have an account that can still
receive (one that unfollowed or blocked the bot is paused). Each recipient is one resident, however
many accounts they have: the dispatcher picks the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Select, case, exists, false, func, insert, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Area,
    Building,
    ChannelIdentity,
    Notice,
    NoticeStage,
    OutboxMessage,
    Resident,
    SubscribeConsent,
    Subscription,
)
from storage.repositories import outbox

WECHAT = "wechat"

DELIVERY_KIND = "notice"
PRIORITY_BULK = 200
"""Behind replies and staff cards: a broadcast to thousands never holds up a conversation."""
CANCELLED = "notice_cancelled"
EXPIRED = "notice_expired"


def audience(notice: Notice) -> Select[Any]:
    """The resident ids the notice reaches, as a query (to count, or to insert from)."""
    reachable = exists().where(ChannelIdentity.resident_id == Subscription.resident_id, ChannelIdentity.active)
    query = (select(Subscription.resident_id)
             .where(Subscription.topic == notice.topic, Subscription.community_id == notice.community_id,
                    Subscription.active, reachable))
    if not notice.area_keys and not notice.building_numbers:
        return query
    areas = select(Area.id).where(Area.community_id == notice.community_id, Area.key.in_(notice.area_keys))
    home = func.coalesce(Subscription.building_id, Resident.building_id)
    in_target = or_(Building.area_id.in_(areas) if notice.area_keys else false(),
                    Building.number.in_(notice.building_numbers) if notice.building_numbers else false(),
                    home.is_(None))  # building never given: they were told they hear the whole community
    return (query.join(Resident, Resident.id == Subscription.resident_id)
            .outerjoin(Building, Building.id == home)
            .where(in_target))


async def count(session: AsyncSession, recipients: Select[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(recipients.subquery())) or 0)


async def recipients_by_channel(session: AsyncSession, recipients: Select[Any]) -> dict[str, int]:
    """How many of the recipients have an active account on each channel (one may have several)."""
    chosen = recipients.subquery()
    query = (select(ChannelIdentity.channel, func.count(func.distinct(ChannelIdentity.resident_id)))
             .where(ChannelIdentity.resident_id.in_(select(chosen.c.resident_id)), ChannelIdentity.active)
             .group_by(ChannelIdentity.channel))
    return {channel: int(count) for channel, count in (await session.execute(query)).all()}


async def wechat_reach(session: AsyncSession, recipients: Select[Any], window_start: datetime,
                       window_messages: int) -> dict[str, int]:
    """The recipients with an active WeChat account, by how a message reaches them now: `wechat` (they wrote
    since `window_start` and fewer than `window_messages` were sent since), `wechat_consent` (otherwise, with
    a subscribe-message consent unspent), `wechat_unreached` (neither, until they write again)."""
    chosen = recipients.subquery()
    in_window = (ChannelIdentity.last_inbound_at >= window_start) & (ChannelIdentity.sends_since_inbound
                                                                     < window_messages)
    consented = exists().where(SubscribeConsent.openid == ChannelIdentity.external_id,
                               SubscribeConsent.spent_at.is_(None))
    way = case((in_window, "wechat"), (consented, "wechat_consent"), else_="wechat_unreached").label("way")
    accounts = select(way).where(ChannelIdentity.resident_id.in_(select(chosen.c.resident_id)),
                                 ChannelIdentity.active, ChannelIdentity.channel == WECHAT).subquery()
    query = select(accounts.c.way, func.count()).group_by(accounts.c.way)
    return {str(name): int(count) for name, count in (await session.execute(query)).all()}


async def fan_out(session: AsyncSession, notice: Notice, recipients: Select[Any], now: datetime,
                  choices: Sequence[Sequence[str]] = ()) -> int:
    """One delivery row per recipient, written by the database itself in one statement (100,000 rows
    take a second or two), in the caller's transaction: the notice is marked sending in that same
    transaction, so either every delivery exists or none does and the notice is not sending. `choices`
    ([label, payload] pairs) go with every delivery as buttons (a 公示's 我有异议, a proposal's options)."""
    rows = recipients.subquery()
    moment = OutboxMessage.available_at.type
    payload = {"choices": [list(choice) for choice in choices]} if choices else {}
    source = select(literal(notice.community_id), literal(DELIVERY_KIND), rows.c.resident_id, literal(notice.id),
                    literal(payload, JSON), literal(PRIORITY_BULK), literal(0), literal(now, moment),
                    literal(now, moment))
    statement = insert(OutboxMessage).from_select(
        ["community_id", "kind", "resident_id", "notice_id", "payload", "priority", "attempts", "available_at",
         "created_at"], source)
    await session.execute(statement)
    written = select(func.count()).where(OutboxMessage.notice_id == notice.id)  # asyncpg gives no rowcount
    return int(await session.scalar(written) or 0)


def reached(notice_id: int) -> Select[Any]:
    """The residents a notice was delivered to (a Cancel goes to them, not to whoever would get it now)."""
    return select(OutboxMessage.resident_id).where(OutboxMessage.notice_id == notice_id,
                                                  OutboxMessage.delivered_at.is_not(None)).distinct()


async def stop_pending(session: AsyncSession, notice_id: int, reason: str) -> int:
    """Deliveries not yet made are settled with `reason` (the notice was cancelled or expired)."""
    pending = await session.scalars(select(OutboxMessage).where(
        OutboxMessage.notice_id == notice_id, OutboxMessage.delivered_at.is_(None),
        OutboxMessage.undeliverable_reason.is_(None)).with_for_update(skip_locked=True))
    count = 0
    for row in pending:
        outbox.settle_undeliverable(row, reason)
        count += 1
    return count


async def settle_stale_deliveries(session: AsyncSession, rows: list[OutboxMessage],
                                  now: datetime) -> list[OutboxMessage]:
    """Claimed rows still worth sending; deliveries of a notice cancelled or expired meanwhile are
    settled with that reason (a worker may have claimed them just before)."""
    notice_ids = {row.notice_id for row in rows if row.notice_id is not None}
    if not notice_ids:
        return rows
    found = {n.id: n for n in await session.scalars(select(Notice).where(Notice.id.in_(notice_ids)))}
    live = []
    for row in rows:
        reason = _stale_reason(found.get(row.notice_id), now) if row.notice_id is not None else None
        if reason is None:
            live.append(row)
        else:
            outbox.settle_undeliverable(row, reason)
    return live


def _stale_reason(notice: Notice | None, now: datetime) -> str | None:
    if notice is None or notice.stage == NoticeStage.CANCELLED:
        return CANCELLED
    if notice.stage == NoticeStage.EXPIRED or (notice.expires_at is not None and notice.expires_at <= now):
        return EXPIRED
    return None


def is_current(notice: Notice, now: datetime) -> bool:
    """Shown as in force: sent, not cancelled (nor replaced by a Cancel), not expired."""
    return (notice.stage == NoticeStage.SENT and notice.msg_type != "Cancel"
            and (notice.expires_at is None or notice.expires_at > now))


async def current(session: AsyncSession, community_id: int, now: datetime) -> Sequence[Notice]:
    """The notices in force in a community, newest first."""
    query = (select(Notice).where(Notice.community_id == community_id, Notice.stage == NoticeStage.SENT,
                                  Notice.msg_type != "Cancel",
                                  or_(Notice.expires_at.is_(None), Notice.expires_at > now))
             .order_by(Notice.sent_at.desc(), Notice.id.desc()))
    return (await session.scalars(query)).all()


@dataclass(frozen=True)
class DeliveryReport:
    """How far a notice got: every recipient is in exactly one of the four counts."""

    pending: int
    retrying: int
    """Of the pending: tried and failed for a passing reason (network, platform busy); tried again."""
    sent: int
    settled: dict[str, int] = field(default_factory=dict)
    """Given up, by reason (blocked the bot, no account, outside WeChat's window, notice cancelled ...)."""

    @property
    def total(self) -> int:
        return self.pending + self.sent + sum(self.settled.values())


async def delivery_report(session: AsyncSession, notice_id: int) -> DeliveryReport:
    delivered = OutboxMessage.delivered_at.is_not(None)
    tried = OutboxMessage.attempts > literal_column("0")  # a literal, so GROUP BY repeats the same expression
    state = (select(delivered, OutboxMessage.undeliverable_reason, tried, func.count())
             .where(OutboxMessage.notice_id == notice_id)
             .group_by(delivered, OutboxMessage.undeliverable_reason, tried))
    pending = retrying = sent = 0
    settled: dict[str, int] = {}
    for was_sent, reason, was_tried, count in (await session.execute(state)).all():
        if was_sent:
            sent += count
        elif reason is not None:
            settled[reason] = settled.get(reason, 0) + count
        else:
            pending += count
            retrying += count if was_tried else 0
    return DeliveryReport(pending, retrying, sent, settled)
