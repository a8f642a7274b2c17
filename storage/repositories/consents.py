"""The WeChat subscribe-message consent ledger: each one-time consent recorded as WeChat reports it, and spent
by the one message it allows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SubscribeConsent


def grant(session: AsyncSession, openid: str, template_ids: Iterable[str], now: datetime) -> None:
    for template_id in template_ids:
        session.add(SubscribeConsent(openid=openid, template_id=template_id, granted_at=now))


async def unspent(session: AsyncSession, openid: str, template_id: str) -> SubscribeConsent | None:
    """The oldest consent not yet spent, locked for this transaction where the database can."""
    return await session.scalar(select(SubscribeConsent)
                                .where(SubscribeConsent.openid == openid, SubscribeConsent.template_id == template_id,
                                       SubscribeConsent.spent_at.is_(None))
                                .order_by(SubscribeConsent.id).limit(1).with_for_update(skip_locked=True))


def spend(consent: SubscribeConsent, outbox_id: int, now: datetime) -> None:
    consent.spent_at, consent.outbox_id = now, outbox_id

