"""公示: a notice residents may object to for a window (7 days by default), then closed by itself with its result
(无异议, or 有异议 and how the objections were handled) published to the same residents. All in the caller's
transaction.

A 公示 may lawfully name the people an award goes to; it must not carry an ID number, a phone, a household's
room, or why in private terms (an illness, an income): those are refused, names are shown to staff as a warning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import NoticeStateError
from bot.core.masking import personal_data_all
from bot.core.wording import Wording
from bot.notices.compose import AnnouncementInput, NoticeDraft, compose_announcement, public_numbers_of
from bot.notices.sending import create_notice, start_sending
from bot.office.objections import objection_counts, on_last_day, publicity_settings
from bot.office.ticketing import format_datetime
from nlu.names import listed_names
from nlu.payloads import button_payload
from nlu.spans import fold_width
from storage.models import Community, Notice, Publicity, PublicityStage, ScheduledJob, Staff
from storage.profile import Profile
from storage.repositories import jobs
from storage.repositories.directory import get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "publicity_instruction": ("closes", "opens"),
    "publicity_no_objection": ("closes", "title"),
    "publicity_objections_handled": ("count", "outcome", "title"),
    "publicity_objections_pending": ("count", "title"),
    "choice_object": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""

CLOSE_JOB = "publicity_close"
LONGEST_WINDOW_DAYS = 90
TEMPLATE = "publicity"
RESULT_TEMPLATE = "publicity_result"
OBJECT_INTENT = "publicity_objection"


class PublicityContentError(ValueError):
    """The text holds what a 公示 must not publish: `kind` is a personal datum's kind (id_number, mobile, landline,
    room, name, wechat_id) or `forbidden_term`, with the term in `detail`."""

    def __init__(self, kind: str, detail: str = "") -> None:
        named = f" '{detail}'" if detail else ""
        super().__init__(f"a publicity must not hold this: {kind}{named} (personal details stay out of it)")
        self.kind, self.detail = kind, detail


@dataclass(frozen=True)
class PublicityInput:
    subject: str
    title: str
    body: str
    area_keys: Sequence[str] = ()
    building_numbers: Sequence[str] = ()
    window_days: int | None = None


@dataclass(frozen=True)
class PublicityDraft:
    publicity: Publicity
    names: list[str]
    """People's names the text seems to list, for staff to check."""
    names_expected: bool
    """Whether the subject's 公示 lists people (低保: yes; a project plan: no, so names there are suspect)."""


@dataclass(frozen=True)
class PublicityRow:
    publicity: Publicity
    objections: int


def check_content(profile: Profile, texts: Sequence[str]) -> None:
    """Raise PublicityContentError on a personal datum other than a name, or on a forbidden term."""
    terms = publicity_settings(profile).forbidden_terms
    for text in texts:
        kinds = [kind for kind, _ in personal_data_all(text, public_numbers_of(profile)) if kind != "name"]
        if kinds:
            raise PublicityContentError(kinds[0])
        folded = fold_width(text)
        if (term := next((t for t in terms if t in folded), None)) is not None:
            raise PublicityContentError("forbidden_term", term)


async def create_publicity(session: AsyncSession, profile: Profile, community: Community, data: PublicityInput,
                           author: Staff | None, now: datetime) -> PublicityDraft:
    """A draft 公示, checked; nothing is sent until it is published."""
    settings = publicity_settings(profile)
    subject = settings.subject(data.subject)
    if subject is None:
        raise ValueError(f"unknown publicity subject '{data.subject}'; subjects: "
                         f"{', '.join(s.key for s in settings.subjects)}")
    title, body = data.title.strip(), data.body.strip()
    if not title or not body:
        raise ValueError("a publicity needs a title and a body")
    check_content(profile, [title, body])
    window = settings.window_days if data.window_days is None else data.window_days
    if not settings.window_days <= window <= LONGEST_WINDOW_DAYS:
        raise ValueError(f"the objection window is {settings.window_days} to {LONGEST_WINDOW_DAYS} days")
    publicity = Publicity(community_id=community.id, subject=subject.key, title=title, body=body,
                          area_keys=list(data.area_keys), building_numbers=list(data.building_numbers),
                          window_days=window, stage=PublicityStage.DRAFT, author_id=author.id if author else None,
                          created_at=now)
    _announcement(profile, community, publicity, now, now + timedelta(days=window))  # targets checked now
    session.add(publicity)
    await session.flush()
    return PublicityDraft(publicity, listed_names(f"{title}\n{body}"), subject.names_expected)


async def publish_publicity(session: AsyncSession, profile: Profile, publicity: Publicity, now: datetime) -> int:
    """Send it to the topic's subscribers in its target, with 「我有异议」, and close it by itself when the window
    ends; returns how many residents it goes to."""
    if publicity.stage != PublicityStage.DRAFT:
        raise NoticeStateError(f"publicity {publicity.id} is {publicity.stage}: it is published already")
    community = await get_community_by_id(session, publicity.community_id)
    closes = window_end(profile, now, publicity.window_days)
    notice = create_notice(session, profile, community, _announcement(profile, community, publicity, now, closes),
                           await session.get(Staff, publicity.author_id) if publicity.author_id else None, now)
    await session.flush()
    wording = Wording(profile, community.key)
    choice = [wording.render("choice_object"), button_payload(OBJECT_INTENT, publicity=str(publicity.id))]
    recipients = await start_sending(session, profile, notice, now, [choice])
    publicity.stage, publicity.opens_at, publicity.closes_at, publicity.notice_id = (
        PublicityStage.OPEN, now, closes, notice.id)
    jobs.schedule(session, CLOSE_JOB, publicity.id, closes, {"closes_at": closes.isoformat()})
    return recipients


def window_end(profile: Profile, opens: datetime, days: int) -> datetime:
    """The window takes in the day it opens and ends at midnight after its last day (7 days from Monday: the
    Sunday night after), as residents count 「公示期12月1日至12月7日」."""
    local = opens.astimezone(profile.timezone)
    return datetime.combine(local.date() + timedelta(days=days), time(0), profile.timezone)


async def close_publicity(session: AsyncSession, profile: Profile, publicity: Publicity, now: datetime,
                          outcome: str | None = None) -> Notice:
    """Close it (now, or when the window ends) and publish the result to the same residents; `outcome` is how
    the objections were handled, in staff's words."""
    if publicity.stage != PublicityStage.OPEN:
        raise NoticeStateError(f"publicity {publicity.id} is {publicity.stage}: only an open one closes")
    outcome = (outcome or publicity.outcome or "").strip() or None
    if outcome is not None:
        check_content(profile, [outcome])
    community = await get_community_by_id(session, publicity.community_id)
    wording = Wording(profile, community.key)
    count = (await objection_counts(session, [publicity.id])).get(publicity.id, 0)
    assert publicity.closes_at is not None
    if count == 0:
        body = wording.render("publicity_no_objection", title=publicity.title,
                              closes=_last_day(wording, profile, min(now, publicity.closes_at)))
    elif outcome is not None:
        body = wording.render("publicity_objections_handled", title=publicity.title, count=count, outcome=outcome)
    else:
        body = wording.render("publicity_objections_pending", title=publicity.title, count=count)
    result = await _publish_result(session, profile, community, publicity, body, now)
    publicity.stage, publicity.closed_at, publicity.outcome, publicity.result_notice_id = (
        PublicityStage.CLOSED, now, outcome, result.id)
    await jobs.withdraw(session, [CLOSE_JOB], publicity.id, now)
    return result


async def publish_outcome(session: AsyncSession, profile: Profile, publicity: Publicity, outcome: str,
                          now: datetime) -> Notice:
    """A 公示 closed while its objections were still being looked into (「结果将另行公示」): publish how they were
    handled, to the same residents."""
    outcome = outcome.strip()
    if publicity.stage != PublicityStage.CLOSED or publicity.outcome is not None or not outcome:
        raise NoticeStateError(f"publicity {publicity.id}: only a closed one awaiting its outcome takes one")
    check_content(profile, [outcome])
    community = await get_community_by_id(session, publicity.community_id)
    count = (await objection_counts(session, [publicity.id])).get(publicity.id, 0)
    body = Wording(profile, community.key).render("publicity_objections_handled", title=publicity.title,
                                                  count=count, outcome=outcome)
    result = await _publish_result(session, profile, community, publicity, body, now)
    publicity.outcome, publicity.result_notice_id = outcome, result.id
    return result


async def _publish_result(session: AsyncSession, profile: Profile, community: Community, publicity: Publicity,
                          body: str, now: datetime) -> Notice:
    draft = compose_announcement(profile, community.key, AnnouncementInput(
        headline=publicity.title, body=body, area_keys=publicity.area_keys,
        building_numbers=publicity.building_numbers), RESULT_TEMPLATE)
    result = create_notice(session, profile, community, dataclasses.replace(
        draft, topic=publicity_settings(profile).topic), None, now)
    await session.flush()
    await start_sending(session, profile, result, now)
    return result


async def close_when_due(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The window has ended: close the 公示 and publish its result, unless staff closed it already."""
    publicity = await session.get(Publicity, job.subject_id, with_for_update=True)
    planned = job.args.get("closes_at")
    if publicity is None or publicity.stage != PublicityStage.OPEN or planned is None \
            or publicity.closes_at != datetime.fromisoformat(planned):
        return
    await close_publicity(session, profile, publicity, now)


async def list_publicities(session: AsyncSession, community_ids: Sequence[int] | None) -> list[PublicityRow]:
    """Newest first, each with its number of objections."""
    query = select(Publicity).order_by(Publicity.id.desc())
    if community_ids is not None:
        query = query.where(Publicity.community_id.in_(community_ids))
    found = list(await session.scalars(query))
    counts = await objection_counts(session, [p.id for p in found])
    return [PublicityRow(p, counts.get(p.id, 0)) for p in found]


def _announcement(profile: Profile, community: Community, publicity: Publicity, opens: datetime,
                  closes: datetime) -> NoticeDraft:
    wording = Wording(profile, community.key)
    instruction = wording.render("publicity_instruction", closes=_last_day(wording, profile, closes),
                                 opens=format_datetime(wording, profile, opens, with_time=False))
    draft = compose_announcement(profile, community.key, AnnouncementInput(
        headline=publicity.title, body=publicity.body, instruction=instruction, area_keys=publicity.area_keys,
        building_numbers=publicity.building_numbers), TEMPLATE)
    return dataclasses.replace(draft, topic=publicity_settings(profile).topic, valid_for=closes - opens)


def _last_day(wording: Wording, profile: Profile, closes: datetime) -> str:
    return format_datetime(wording, profile, on_last_day(closes), with_time=False)
