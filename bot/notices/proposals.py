"""议事 proposals: written by staff (or from a resident's suggestion), opened with a notice to the
households that vote (one button per option), closed when voting ends with the result published to the
same audience: counts per option, households voted out of those eligible, turnout, the winning option.

Everything runs in the caller's transaction; the notices go out through `bot.notices.sending`. The
words residents read come from `replies.md`, wrapped in the profile's announcement template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from bot.notices.compose import (
    AnnouncementInput,
    NoticeDraft,
    area_label,
    compose_announcement,
    ensure_no_personal_data,
    public_numbers_of,
)
from bot.notices.sending import create_notice, get_notice, start_sending
from bot.office.ticket_actions import close_ticket
from bot.office.ticketing import format_datetime
from bot.office.votes import Tally, tallies, tally
from nlu.payloads import button_payload
from storage.models import Community, Notice, Proposal, ProposalStage, ScheduledJob, Staff, Ticket, TicketStatus
from storage.profile import Profile
from storage.profile.participation import DeliberationSettings
from storage.repositories import jobs
from storage.repositories.directory import get_community_by_id

REPLIES: dict[str, tuple[str, ...]] = {
    "proposal_notice_headline": ("title",),
    "proposal_notice_body": ("body", "closes"),
    "proposal_result_headline": ("title",),
    "proposal_result_body": ("households", "lines", "turnout", "voted", "winner"),
    "proposal_result_line": ("count", "option"),
    "proposal_result_winner": ("option",),
    "proposal_result_tie": ("options",),
    "proposal_result_no_votes": (),
    "suggestion_put_to_vote": ("closes", "title"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CLOSE_JOB = "proposal_close"
VOTE_INTENT = "vote"
MIN_OPTIONS, MAX_OPTIONS = 2, 10


@dataclass(frozen=True)
class ProposalInput:
    title: str
    body: str
    options: list[str]
    area_keys: list[str] = field(default_factory=list)
    building_numbers: list[str] = field(default_factory=list)
    closes_at: datetime | None = None
    """When voting ends; None: the profile's `days_open` after the proposal is written."""

    def __post_init__(self) -> None:
        if not self.title.strip() or not self.body.strip():
            raise ValueError("a proposal needs a title and a body")
        options = [option.strip() for option in self.options]
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise ValueError(f"a proposal needs {MIN_OPTIONS} to {MAX_OPTIONS} options, not {len(options)}")
        if not all(options) or len(set(options)) != len(options):
            raise ValueError("the options must be non-empty and different from each other")
        if self.closes_at is not None and self.closes_at.tzinfo is None:
            raise ValueError("closes_at needs a time zone")


def electorate_households(profile: Profile, community_key: str, area_keys: Sequence[str],
                          building_numbers: Sequence[str]) -> int:
    """The households that vote, from the profile's figures: the community's for the whole community; an
    area's own figure (else the community's shared by building count); a building its area's share.
    ValueError for an unknown community, area or building."""
    area_label(profile, community_key, area_keys, building_numbers)
    community = profile.communities[community_key]
    if not area_keys and not building_numbers:
        return community.households
    area_of = profile.buildings(community_key)
    sizes = {area.id: sum(1 for a in area_of.values() if a.id == area.id) for area in community.areas}

    def households_of(area_key: str) -> float:
        area = profile.area(community_key, area_key)
        if area.households is not None:
            return area.households
        return community.households * sizes[area_key] / len(area_of)

    total = sum(households_of(key) for key in dict.fromkeys(area_keys))
    total += sum(households_of(area_of[number].id) / sizes[area_of[number].id]
                 for number in dict.fromkeys(building_numbers) if area_of[number].id not in area_keys)
    return round(total)


async def create_proposal(session: AsyncSession, profile: Profile, community: Community, data: ProposalInput,
                          author: Staff | None, now: datetime, suggestion_ticket: Ticket | None = None) -> Proposal:
    """A draft proposal; ValueError when its text or audience will not do."""
    settings = _settings(profile)
    households = electorate_households(profile, community.key, data.area_keys, data.building_numbers)
    public = public_numbers_of(profile)
    for text in (data.title, data.body, *data.options):
        ensure_no_personal_data(text, public)
    closes_at = data.closes_at or now + timedelta(days=settings.days_open)
    if closes_at <= now:
        raise ValueError("closes_at must be in the future")
    proposal = Proposal(
        community_id=community.id, title=data.title.strip(), body=data.body.strip(),
        options=[option.strip() for option in data.options], area_keys=list(dict.fromkeys(data.area_keys)),
        building_numbers=list(dict.fromkeys(data.building_numbers)), households=households,
        stage=ProposalStage.DRAFT, opens_at=now, closes_at=closes_at,
        suggestion_ticket_id=suggestion_ticket.id if suggestion_ticket else None,
        author_id=author.id if author else None, created_at=now)
    session.add(proposal)
    await session.flush()
    return proposal


async def open_proposal(session: AsyncSession, profile: Profile, proposal: Proposal, now: datetime) -> int:
    """Open voting: the notice with one button per option goes to the electorate's subscribers, the close
    is scheduled, and a suggestion it came from is closed with word to its resident. Returns the recipients."""
    proposal = await _locked(session, proposal.id)  # a second click waits, then finds it open
    if proposal.stage != ProposalStage.DRAFT:
        raise ValueError(f"proposal {proposal.id} is {proposal.stage}: only a draft can be opened")
    if proposal.closes_at <= now:
        raise ValueError(f"proposal {proposal.id} closes at {proposal.closes_at:%Y-%m-%d %H:%M}, already past")
    community = await get_community_by_id(session, proposal.community_id)
    wording = Wording(profile, community.key)
    closes = format_datetime(wording, profile, proposal.closes_at)
    draft = _draft(profile, community, proposal, wording.render("proposal_notice_headline", title=proposal.title),
                   wording.render("proposal_notice_body", body=proposal.body, closes=closes))
    notice = create_notice(session, profile, community, draft, None, now)
    notice.author_id, notice.expires_at = proposal.author_id, proposal.closes_at
    await session.flush()
    choices = [[option, button_payload(VOTE_INTENT, proposal=str(proposal.id), option=str(i))]
               for i, option in enumerate(proposal.options)]
    recipients = await start_sending(session, profile, notice, now, choices)
    proposal.stage, proposal.opens_at, proposal.notice_id = ProposalStage.OPEN, now, notice.id
    jobs.schedule(session, CLOSE_JOB, proposal.id, proposal.closes_at, {"closes_at": proposal.closes_at.isoformat()})
    if proposal.suggestion_ticket_id is not None:
        await _close_suggestion(session, profile, proposal, wording.render(
            "suggestion_put_to_vote", title=proposal.title, closes=closes), now)
    return recipients


async def close_proposal(session: AsyncSession, profile: Profile, proposal: Proposal, now: datetime) -> Notice:
    """End voting and publish the result to the proposal's audience; closing again returns the same result."""
    proposal = await _locked(session, proposal.id)
    if proposal.stage == ProposalStage.CLOSED and proposal.result_notice_id is not None:
        return await get_notice(session, proposal.result_notice_id)
    if proposal.stage != ProposalStage.OPEN:
        raise ValueError(f"proposal {proposal.id} is {proposal.stage}: only an open proposal can be closed")
    community = await get_community_by_id(session, proposal.community_id)
    wording = Wording(profile, community.key)
    result = result_text(wording, proposal, await tally(session, proposal))
    draft = _draft(profile, community, proposal, wording.render("proposal_result_headline", title=proposal.title),
                   result)
    notice = create_notice(session, profile, community, draft, None, now)
    notice.author_id = proposal.author_id
    await session.flush()
    await start_sending(session, profile, notice, now)
    if now < proposal.closes_at:  # closed early by staff: the scheduled close has nothing left to do
        await jobs.withdraw(session, [CLOSE_JOB], proposal.id, now)
    proposal.stage, proposal.closed_at, proposal.result_notice_id = ProposalStage.CLOSED, now, notice.id
    return notice


async def close_when_due(session: AsyncSession, profile: Profile, job: ScheduledJob, now: datetime) -> None:
    """The scheduled close: publishes the result if the proposal is still open and still closes at this time."""
    proposal = await _locked(session, job.subject_id)
    planned = job.args.get("closes_at")
    if proposal.stage != ProposalStage.OPEN or planned is None \
            or proposal.closes_at != datetime.fromisoformat(planned):
        return
    await close_proposal(session, profile, proposal, now)


async def list_proposals(session: AsyncSession, community_ids: Sequence[int] | None) -> list[tuple[Proposal, Tally]]:
    """The proposals of these communities (None: all), newest first, with their counts."""
    query = select(Proposal).order_by(Proposal.created_at.desc(), Proposal.id.desc())
    if community_ids is not None:
        query = query.where(Proposal.community_id.in_(community_ids))
    proposals = list((await session.scalars(query)).all())
    counted = await tallies(session, proposals)
    return [(proposal, counted[proposal.id]) for proposal in proposals]


def result_text(wording: Wording, proposal: Proposal, counts: Tally) -> str:
    lines = "\n".join(wording.render("proposal_result_line", option=option, count=count)
                      for option, count in zip(proposal.options, counts.counts, strict=True))
    return wording.render("proposal_result_body", lines=lines, voted=counts.voted, households=counts.households,
                          turnout=f"{counts.turnout:.1%}", winner=_winner(wording, proposal, counts))


def _winner(wording: Wording, proposal: Proposal, counts: Tally) -> str:
    if counts.voted == 0:
        return wording.render("proposal_result_no_votes")
    most = max(counts.counts)
    leading = [option for option, count in zip(proposal.options, counts.counts, strict=True) if count == most]
    if len(leading) > 1:
        return wording.render("proposal_result_tie", options=wording.render("list_separator").join(leading))
    return wording.render("proposal_result_winner", option=leading[0])


def _draft(profile: Profile, community: Community, proposal: Proposal, headline: str, body: str) -> NoticeDraft:
    """The announcement template around the proposal's words, on the deliberation topic, to its electorate."""
    data = AnnouncementInput(headline=headline, body=body, area_keys=list(proposal.area_keys),
                             building_numbers=list(proposal.building_numbers))
    return replace(compose_announcement(profile, community.key, data), topic=_settings(profile).topic)


async def _close_suggestion(session: AsyncSession, profile: Profile, proposal: Proposal, result: str,
                            now: datetime) -> None:
    """The suggestion is taken up: its ticket is closed by its assignee (the secretary) with the proposal as
    the result, which tells the resident who made it."""
    ticket = await session.scalar(select(Ticket).where(Ticket.id == proposal.suggestion_ticket_id))
    if ticket is None or ticket.status == TicketStatus.CLOSED or ticket.number is None:
        return
    assignee = await session.get_one(Staff, ticket.assignee_id)
    await close_ticket(session, profile, ticket.number, assignee.key, result, now)


async def _locked(session: AsyncSession, proposal_id: int) -> Proposal:
    proposal = await session.get(Proposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None:
        raise ValueError(f"no proposal {proposal_id}")
    return proposal


def _settings(profile: Profile) -> DeliberationSettings:
    settings = profile.participation.deliberation
    if settings is None:
        raise ValueError("the profile has no deliberation settings (participation.yaml)")
    return settings
