"""A notice's life: written as a draft, approved where its topic asks, sent now or at a set time,
updated or cancelled, expired. All in the caller's transaction.

Sending writes the text residents will read, one delivery row per recipient and the notice's new
stage in one transaction, and schedules its expiry; the workers deliver after commit. A Cancel goes
to the residents the cancelled notice reached and stops its deliveries still waiting; an Update goes
to the topic's audience and stops the deliveries of the notice it replaces.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.wechat.inbound import CHANNEL as WECHAT
from bot.channels.wechat.sender import WINDOW, WINDOW_MESSAGES
from bot.core.errors import NoticeNeedsApproval, NoticeNotFoundError, NoticeStateError
from bot.core.wording import Wording
from bot.notices.compose import NoticeDraft, resident_text
from storage.models import Community, Notice, NoticeApproval, NoticeStage, ScheduledJob, Staff
from storage.profile import Profile
from storage.repositories import jobs, notices
from storage.repositories.directory import get_community_by_id

SEND_JOB = "notice_send"
EXPIRE_JOB = "notice_expire"
SUPERSEDED = "notice_superseded"


async def get_notice(session: AsyncSession, notice_id: int, *, lock: bool = False) -> Notice:
    notice = await session.get(Notice, notice_id, with_for_update=lock)
    if notice is None:
        raise NoticeNotFoundError(f"no notice {notice_id}")
    return notice


def create_notice(session: AsyncSession, profile: Profile, community: Community, draft: NoticeDraft,
                  author: Staff | None, now: datetime, *, status: str = "Actual",
                  replaces: Notice | None = None) -> Notice:
    """A draft notice; with `replaces`, an Update of that notice, which must be in force."""
    if replaces is not None and replaces.stage != NoticeStage.SENT:
        raise NoticeStateError(f"notice {replaces.id} is {replaces.stage}: only a notice in force can be updated")
    notice = Notice(
        identifier=f"{profile.district.id}.{community.key}.{now:%Y%m%d}.{secrets.token_hex(4)}",
        community_id=community.id, topic=draft.topic, template=draft.template,
        sender=f"{community.key}.{profile.district.id}", author_id=author.id if author else None, status=status,
        msg_type="Update" if replaces else "Alert", references_id=replaces.id if replaces else None,
        scope="Public", category=draft.category, event=draft.event, urgency=draft.urgency, severity=draft.severity,
        certainty=draft.certainty, headline=draft.headline, description=draft.description,
        instruction=draft.instruction, area_keys=list(draft.area_keys), building_numbers=list(draft.building_numbers),
        effective_at=now, expires_at=now + draft.valid_for, stage=NoticeStage.DRAFT, created_at=now,
    )
    session.add(notice)
    return notice


async def approve(session: AsyncSession, profile: Profile, notice: Notice, staff: Staff, now: datetime) -> list[str]:
    """Record the staff member's approval; returns the roles still missing."""
    if notice.stage not in (NoticeStage.DRAFT, NoticeStage.SCHEDULED):
        raise NoticeStateError(f"notice {notice.id} is {notice.stage}: nothing to approve")
    needed = _approval_roles(profile, notice)
    if staff.role not in needed:
        raise NoticeStateError(f"{staff.key} ({staff.role}) is not among the approvers ({', '.join(needed)})")
    exists = await session.scalar(select(NoticeApproval).where(NoticeApproval.notice_id == notice.id,
                                                               NoticeApproval.staff_id == staff.id))
    if exists is None:
        session.add(NoticeApproval(notice_id=notice.id, staff_id=staff.id, created_at=now))
        await session.flush()
    return await missing_approvals(session, profile, notice)


async def missing_approvals(session: AsyncSession, profile: Profile, notice: Notice) -> list[str]:
    """The roles the topic asks to approve that no distinct approver has covered yet."""
    roles = await session.scalars(select(Staff.role).join(NoticeApproval, NoticeApproval.staff_id == Staff.id)
                                  .where(NoticeApproval.notice_id == notice.id))
    given = list(roles)
    missing = []
    for role in _approval_roles(profile, notice):
        if role in given:
            given.remove(role)
        else:
            missing.append(role)
    return missing


def _approval_roles(profile: Profile, notice: Notice) -> list[str]:
    topic = profile.notice_topics.get(notice.topic)
    return list(topic.approval_roles) if topic is not None and notice.msg_type != "Cancel" else []


async def schedule_send(session: AsyncSession, profile: Profile, notice: Notice, at: datetime) -> None:
    """Send at `at` (a worker starts it then, even after restarts)."""
    await _check_sendable(session, profile, notice)
    notice.stage, notice.send_at = NoticeStage.SCHEDULED, at
    jobs.schedule(session, SEND_JOB, notice.id, at, {"send_at": at.isoformat()})


async def start_sending(session: AsyncSession, profile: Profile, notice: Notice, now: datetime,
                        choices: Sequence[Sequence[str]] = ()) -> int:
    """Fix the text, write one delivery per recipient (with `choices` as its buttons) and mark the notice
    sending; returns the count."""
    await _check_sendable(session, profile, notice)
    if notice.expires_at is not None and notice.expires_at <= now:
        raise NoticeStateError(f"notice {notice.id} expired at {notice.expires_at:%Y-%m-%d %H:%M}")
    replaced = await get_notice(session, notice.references_id, lock=True) if notice.references_id else None
    notice.body = await _text(session, profile, notice, replaced)
    notice.recipients = await notices.fan_out(session, notice, _recipients(notice), now, choices)
    notice.stage, notice.sent_at = NoticeStage.SENT, now
    if notice.effective_at is None or notice.effective_at < now:
        notice.effective_at = now
    if notice.expires_at is not None and notice.msg_type != "Cancel":
        jobs.schedule(session, EXPIRE_JOB, notice.id, notice.expires_at, {"expires_at": notice.expires_at.isoformat()})
    if replaced is not None:
        await _retire(session, replaced, NoticeStage.CANCELLED if notice.msg_type == "Cancel"
                      else NoticeStage.SUPERSEDED, now)
    return notice.recipients


@dataclass(frozen=True)
class Preview:
    text: str
    """Exactly what residents will read."""
    recipients: int
    by_channel: dict[str, int]
    missing_approvals: list[str]


async def preview(session: AsyncSession, profile: Profile, notice: Notice, now: datetime) -> Preview:
    """The notice as residents will see it and how many it would reach if sent now."""
    replaced = await get_notice(session, notice.references_id) if notice.references_id else None
    recipients = _recipients(notice)
    return Preview(await _text(session, profile, notice, replaced), await notices.count(session, recipients),
                   await reach_by_channel(session, recipients, now),
                   await missing_approvals(session, profile, notice))


async def reach_by_channel(session: AsyncSession, recipients: Select[Any], now: datetime) -> dict[str, int]:
    """How many recipients each channel reaches, WeChat split by the way it can now: within the 48-hour
    window, by a subscribe-message consent, or not until they write (`notices.wechat_reach`)."""
    by_channel = await notices.recipients_by_channel(session, recipients)
    if by_channel.pop(WECHAT, 0):
        by_channel |= await notices.wechat_reach(session, recipients, now - WINDOW, WINDOW_MESSAGES)
    return by_channel


async def _text(session: AsyncSession, profile: Profile, notice: Notice, replaced: Notice | None) -> str:
    community = await get_community_by_id(session, notice.community_id)
    return resident_text(Wording(profile, community.key), notice, replaced)


def _recipients(notice: Notice) -> Select[Any]:
    """A Cancel goes to whom the cancelled notice reached; anything else to its topic's audience."""
    if notice.msg_type == "Cancel" and notice.references_id is not None:
        return notices.reached(notice.references_id)
    return notices.audience(notice)


async def cancel(session: AsyncSession, profile: Profile, notice: Notice, author: Staff | None, now: datetime,
                 reason: str) -> Notice | None:
    """Withdraw a notice. One not yet sent is simply cancelled (None returned); one sent gets a CAP
    Cancel, sent at once to the residents it reached, which is returned."""
    if notice.stage in (NoticeStage.DRAFT, NoticeStage.SCHEDULED):
        notice.stage, notice.cancelled_at = NoticeStage.CANCELLED, now
        await jobs.withdraw(session, [SEND_JOB], notice.id, now)
        return None
    if notice.stage != NoticeStage.SENT:
        raise NoticeStateError(f"notice {notice.id} is {notice.stage}: it cannot be cancelled")
    withdrawal = Notice(
        identifier=f"{notice.identifier}.cancel", community_id=notice.community_id, topic=notice.topic,
        template=notice.template, sender=notice.sender, author_id=author.id if author else None,
        status=notice.status, msg_type="Cancel", references_id=notice.id, scope=notice.scope,
        category=notice.category, event=notice.event, urgency=notice.urgency, severity=notice.severity,
        certainty=notice.certainty, headline=notice.headline, description=reason, instruction=None,
        area_keys=list(notice.area_keys), building_numbers=list(notice.building_numbers),
        effective_at=now, expires_at=None, stage=NoticeStage.DRAFT, created_at=now)
    session.add(withdrawal)
    await session.flush()
    await start_sending(session, profile, withdrawal, now)
    return withdrawal


async def _retire(session: AsyncSession, notice: Notice, stage: NoticeStage, now: datetime) -> None:
    """The notice is no longer in force: its waiting deliveries stop and its expiry job is dropped."""
    notice.stage = stage
    if stage == NoticeStage.CANCELLED:
        notice.cancelled_at = now
    await notices.stop_pending(session, notice.id, notices.CANCELLED if stage == NoticeStage.CANCELLED
                               else SUPERSEDED)
    await jobs.withdraw(session, [EXPIRE_JOB, SEND_JOB], notice.id, now)


async def _check_sendable(session: AsyncSession, profile: Profile, notice: Notice) -> None:
    if notice.stage not in (NoticeStage.DRAFT, NoticeStage.SCHEDULED):
        raise NoticeStateError(f"notice {notice.id} is {notice.stage}: it cannot be sent again")
    missing = await missing_approvals(session, profile, notice)
    if missing:
        raise NoticeNeedsApproval(missing)


async def send_when_due(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The scheduled-send job: sends the notice if it is still scheduled for this time."""
    notice = await get_notice(session, job.subject_id, lock=True)
    if notice.stage != NoticeStage.SCHEDULED or notice.send_at is None \
            or notice.send_at.isoformat() != job.args.get("send_at"):
        return
    await start_sending(session, profile, notice, now)


async def expire_when_due(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The expiry job: the notice is no longer current and its waiting deliveries stop."""
    notice = await get_notice(session, job.subject_id, lock=True)
    if notice.stage != NoticeStage.SENT or notice.expires_at is None \
            or notice.expires_at.isoformat() != job.args.get("expires_at"):
        return
    notice.stage = NoticeStage.EXPIRED
    await notices.stop_pending(session, notice.id, notices.EXPIRED)
