"""议事 votes: one household, one vote (一户一票).

A household is a room (`building_id/unit/room`). The first resident of a room who votes casts its vote;
only that resident may change it; anyone else of the room is told how the household voted. The table's
UNIQUE(proposal_id, household) decides who was first: the vote is an INSERT that does nothing on a
conflict, and a change is an UPDATE guarded by the voter, so concurrent votes are exact on PostgreSQL
without locks read first. Staff see counts only (`tally`); the household sees its own vote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from bot.office.ticketing import format_address
from storage.db import dialect_insert
from storage.models import Area, Building, Proposal, ProposalStage, Resident, Vote
from storage.profile import Profile

REPLIES: dict[str, tuple[str, ...]] = {
    "vote_electorate_community": ("community",),
    "vote_electorate_part": ("community", "part"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""



class Outcome(StrEnum):
    CAST = "cast"
    CHANGED = "changed"
    HOUSEHOLD_VOTED_BY_OTHER = "household_voted_by_other"
    OUTSIDE_ELECTORATE = "outside_electorate"
    NO_ADDRESS = "no_address"
    NOT_OPEN = "not_open"
    BAD_OPTION = "bad_option"


@dataclass(frozen=True)
class VoteOutcome:
    outcome: Outcome
    option: int | None = None
    """The household's option after the attempt, when it has voted."""


@dataclass(frozen=True)
class Tally:
    counts: list[int]
    """Households per option, in the proposal's order."""
    voted: int
    households: int
    """The electorate's households (the profile's figure)."""
    turnout: float
    """voted / households, 0..1."""


def household_of(resident: Resident) -> str | None:
    """The resident's room as a household key; None without a building and a room."""
    if resident.building_id is None or not resident.room:
        return None
    return f"{resident.building_id}/{resident.unit or ''}/{resident.room}"


def is_open(proposal: Proposal, now: datetime) -> bool:
    return proposal.stage == ProposalStage.OPEN and proposal.opens_at <= now < proposal.closes_at


async def in_electorate(session: AsyncSession, proposal: Proposal, resident: Resident) -> bool:
    """Whether the resident's building is among the households that vote: the whole community when the
    proposal names no area and no building, else a building of a named area or a named building."""
    if resident.building_id is None or resident.community_id != proposal.community_id:
        return False
    query = (select(Building.number, Area.key).join(Area, Area.id == Building.area_id)
             .where(Building.id == resident.building_id, Building.community_id == proposal.community_id))
    found = (await session.execute(query)).first()
    if found is None:
        return False
    if not proposal.area_keys and not proposal.building_numbers:
        return True
    number, area_key = found
    return area_key in proposal.area_keys or number in proposal.building_numbers


async def cast_vote(session: AsyncSession, proposal: Proposal, resident: Resident, option: int,
                    now: datetime) -> VoteOutcome:
    """Cast or change the household's vote; the outcome says which, or why not. The proposal row is held shared
    (PostgreSQL) until the vote commits, so closing, which holds it exclusively, counts every vote it let in."""
    held = await session.scalar(select(Proposal).where(Proposal.id == proposal.id).with_for_update(read=True)
                                .execution_options(populate_existing=True))
    proposal = held if held is not None else proposal
    if not is_open(proposal, now):
        return VoteOutcome(Outcome.NOT_OPEN)
    if not 0 <= option < len(proposal.options):
        return VoteOutcome(Outcome.BAD_OPTION)
    household = household_of(resident)
    if household is None:
        return VoteOutcome(Outcome.NO_ADDRESS)
    if not await in_electorate(session, proposal, resident):
        return VoteOutcome(Outcome.OUTSIDE_ELECTORATE)
    if await _change(session, proposal, resident, option, now):
        return VoteOutcome(Outcome.CHANGED, option)
    insert = dialect_insert(session)
    cast = await session.scalar(
        insert(Vote).values(proposal_id=proposal.id, household=household, resident_id=resident.id, option=option,
                            created_at=now)
        .on_conflict_do_nothing(index_elements=["proposal_id", "household"]).returning(Vote.id))
    if cast is not None:
        return VoteOutcome(Outcome.CAST, option)
    if await _change(session, proposal, resident, option, now):  # their own first vote, cast meanwhile
        return VoteOutcome(Outcome.CHANGED, option)
    voted = await household_vote(session, proposal, resident)
    return VoteOutcome(Outcome.HOUSEHOLD_VOTED_BY_OTHER, voted.option if voted is not None else None)


async def _change(session: AsyncSession, proposal: Proposal, resident: Resident, option: int,
                  now: datetime) -> bool:
    """Change the vote the resident cast, if they cast one. It is found by its voter, not by the room, so a
    resident who gives another address later still has one vote, the household's they cast it for. The
    guard is in the UPDATE: a concurrent change by the same resident waits for the row, never lost."""
    changed = await session.scalar(
        update(Vote).where(Vote.proposal_id == proposal.id, Vote.resident_id == resident.id)
        .values(option=option, changed_at=now).returning(Vote.id).execution_options(synchronize_session=False))
    return changed is not None


async def household_vote(session: AsyncSession, proposal: Proposal, resident: Resident) -> Vote | None:
    """The vote the resident cast on the proposal, else the one their room cast, whoever of it cast it."""
    household = household_of(resident)
    mine = Vote.resident_id == resident.id
    ours = or_(mine, Vote.household == household) if household is not None else mine
    query = (select(Vote).where(Vote.proposal_id == proposal.id, ours).order_by(mine.desc()).limit(1)
             .execution_options(populate_existing=True))
    return await session.scalar(query)


async def tally(session: AsyncSession, proposal: Proposal) -> Tally:
    return (await tallies(session, [proposal]))[proposal.id]


async def tallies(session: AsyncSession, proposals: Sequence[Proposal]) -> dict[int, Tally]:
    """Each proposal's counts, from one grouped query."""
    counted: dict[int, dict[int, int]] = {proposal.id: {} for proposal in proposals}
    if counted:
        query = (select(Vote.proposal_id, Vote.option, func.count()).where(Vote.proposal_id.in_(counted))
                 .group_by(Vote.proposal_id, Vote.option))
        for proposal_id, option, count in (await session.execute(query)).all():
            counted[proposal_id][option] = int(count)
    return {proposal.id: _tally(proposal, counted[proposal.id]) for proposal in proposals}


def _tally(proposal: Proposal, by_option: dict[int, int]) -> Tally:
    counts = [by_option.get(i, 0) for i in range(len(proposal.options))]
    voted = sum(counts)
    # The households figure is the profile's estimate: more votes than it says is shown as full turnout.
    turnout = min(1.0, voted / proposal.households) if proposal.households else 0.0
    return Tally(counts, voted, proposal.households, turnout)


async def open_proposals_for(session: AsyncSession, community_id: int, resident: Resident,
                             now: datetime) -> list[Proposal]:
    """The proposals of the community open for votes now that the resident may vote on (all of them while
    the bot does not know where the resident lives), closing soonest first."""
    query = (select(Proposal).where(Proposal.community_id == community_id, Proposal.stage == ProposalStage.OPEN,
                                    Proposal.opens_at <= now, Proposal.closes_at > now)
             .order_by(Proposal.closes_at, Proposal.id))
    found = list((await session.scalars(query)).all())
    if household_of(resident) is None:
        return found
    return [proposal for proposal in found if await in_electorate(session, proposal, resident)]


async def get_proposal(session: AsyncSession, proposal_id: str) -> Proposal | None:
    """The proposal a button names, once published (its text is public then; who may vote is `in_electorate`'s
    to say). A draft is not found: a typed payload does not read what staff have not published."""
    proposal = await session.get(Proposal, int(proposal_id)) if proposal_id.isdigit() else None
    return proposal if proposal is not None and proposal.stage != ProposalStage.DRAFT else None


def electorate_words(profile: Profile, community_key: str, area_keys: Sequence[str],
                     building_numbers: Sequence[str]) -> str:
    """Who votes, as residents read it: the whole community, or its named areas and buildings."""
    community = profile.communities[community_key]
    wording = Wording(profile, community_key)
    names = {area.id: area.name for area in community.areas}
    parts = [names[key] for key in area_keys if key in names]
    parts += [format_address(wording, number) for number in building_numbers]
    if not parts:
        return wording.render("vote_electorate_community", community=community.name)
    return wording.render("vote_electorate_part", community=community.name,
                          part=wording.render("list_separator").join(parts))
