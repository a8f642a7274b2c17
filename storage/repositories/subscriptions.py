"""Notice subscriptions: one row per resident and topic, switched off rather than deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Subscription


@dataclass(frozen=True)
class Scope:
    community_id: int | None
    area_id: int | None = None
    building_id: int | None = None


async def active_subscriptions(session: AsyncSession, resident_id: int) -> Sequence[Subscription]:
    query = (select(Subscription).where(Subscription.resident_id == resident_id, Subscription.active)
             .order_by(Subscription.id))
    return (await session.scalars(query)).all()


async def subscribe(session: AsyncSession, resident_id: int, topic: str, scope: Scope,
                    now: datetime) -> tuple[Subscription, bool]:
    """The resident's subscription to `topic`, and whether it is new (False: it was already on)."""
    found = await session.scalar(select(Subscription).where(Subscription.resident_id == resident_id,
                                                            Subscription.topic == topic))
    if found is not None and found.active:
        return found, False
    if found is None:
        found = Subscription(resident_id=resident_id, topic=topic, created_at=now)
        session.add(found)
    found.community_id, found.area_id, found.building_id = scope.community_id, scope.area_id, scope.building_id
    found.active = True
    await session.flush()
    return found, True


async def unsubscribe(session: AsyncSession, resident_id: int, topic: str) -> bool:
    """Switch the subscription off; False when there was none to switch off."""
    found = await session.scalar(select(Subscription).where(
        Subscription.resident_id == resident_id, Subscription.topic == topic, Subscription.active))
    if found is None:
        return False
    found.active = False
    return True
