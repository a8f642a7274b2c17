"""议事: a proposal put to the households that vote (一户一票), votes pressed and typed through the real pipeline,
the result published by the scheduled close, and a suggestion filed for the secretary; on both databases, and
1,000 concurrent votes on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.notices.proposals import (
    ProposalInput,
    close_proposal,
    create_proposal,
    electorate_households,
    list_proposals,
    open_proposal,
)
from bot.office.votes import Outcome, cast_vote, tally
from bot.privacy.residents import erase_resident
from bot.workers.scheduler import Scheduler
from nlu.payloads import button_payload
from storage.db import create_engine, create_sessionmaker
from storage.models import (
    Building,
    Community,
    Notice,
    OutboxMessage,
    Proposal,
    ProposalStage,
    Resident,
    Staff,
    Ticket,
    Vote,
)
from storage.profile import Profile
from tests.bot.transcript import Resident as Chat
from tests.bot.transcript import play
from tests.conftest import HandClock

Sessions = async_sessionmaker[AsyncSession]
TITLE = "东门晚上加开一个小门"
OPTIONS = ["同意", "不同意", "弃权"]

VOTES_WAIT_SECONDS = 3600
"""How long a concurrent vote may wait for a pooled connection (see the 1,000-vote test)."""


async def opened(sessions: Sessions, profile: Profile, clock: HandClock, *, area_keys: list[str] | None = None,
                 suggestion: Ticket | None = None) -> Proposal:
    """A proposal of 白杨社区 by its secretary, open for 7 days from the test's clock."""
    async with sessions() as session, session.begin():
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        secretary = (await session.scalars(select(Staff).where(Staff.key == "by-sec-01"))).one()
        data = ProposalInput(title=TITLE, body="东门晚上十点关闭后，是否在旁边加开一个刷卡小门，方便晚归住户。",
                             options=OPTIONS, area_keys=area_keys or [])
        proposal = await create_proposal(session, profile, community, data, secretary, clock(), suggestion)
        await open_proposal(session, profile, proposal, clock())
    return proposal


def press(proposal: Proposal, option: int) -> str:
    """What pressing an option's button sends."""
    return button_payload("vote", proposal=str(proposal.id), option=str(option))


async def test_two_residents_of_one_room_cast_one_vote_which_only_the_first_may_change(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    proposal = await opened(sessions, profile, clock)
    first, second = Chat(pipeline, "r-room-first"), Chat(pipeline, "r-room-second")

    await play(first, f"""
        居民: {press(proposal, 0)}
        助手: 请告诉我您家的住址
        居民: 3栋2单元501
        助手: 已记下您家对“{TITLE}”的投票：同意
    """)
    await play(second, f"""
        居民: {press(proposal, 1)}
        助手: 请告诉我您家的住址
        居民: 我家是3栋2单元501
        助手: 您家已经有人对“{TITLE}”投过票了（同意）
    """)
    await play(first, f"""
        居民: {press(proposal, 1)}
        助手: 已把您家对“{TITLE}”的投票改为：不同意
    """)
    await play(second, f"""
        居民: {press(proposal, 2)}
        助手: 投过票了（不同意）
        居民: 我要投票
        助手: 正在投票的议事事项
        居民: [{TITLE}]
        助手: 您家已投：不同意
        助手: 白杨社区全体住户
    """)

    async with sessions() as session:
        counted = await tally(session, proposal)
    assert (counted.counts, counted.voted, counted.households) == ([0, 1, 0], 1, 7130)


async def test_a_resident_outside_the_electorate_is_refused_politely_and_told_who_votes(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    proposal = await opened(sessions, profile, clock, area_keys=["a1"])

    await play(Chat(pipeline, "r-south"), f"""
        居民: {press(proposal, 0)}
        助手: 请告诉我您家的住址
        居民: 40栋1单元302
        助手: 谢谢您的关心！“{TITLE}”由白杨社区东一片的住户投票
    """)
    await play(Chat(pipeline, "r-east"), f"""
        居民: {press(proposal, 0)}
        居民: 12栋3单元101
        助手: 已记下您家
    """)

    async with sessions() as session:
        counted = await tally(session, proposal)
    assert (counted.counts, counted.households) == ([1, 0, 0], 1190)


async def test_the_close_job_publishes_exact_counts_and_turnout_to_the_subscribers(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    subscriber = Chat(pipeline, "r-subscriber")
    await play(subscriber, "居民: 订阅社区公告，我住3栋\n助手: 已订阅")
    proposal = await opened(sessions, profile, clock, area_keys=["a1"])
    async with sessions() as session:
        [delivery] = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.notice_id == proposal.notice_id))).all()
    assert [label for label, _ in delivery.payload["choices"]] == OPTIONS

    for sender, room, option in (("r-a", "3栋1单元101", 0), ("r-b", "4栋1单元101", 0), ("r-c", "5栋2单元202", 1)):
        await play(Chat(pipeline, sender), f"居民: {press(proposal, option)}\n居民: {room}\n助手: 已记下您家")
    clock.set(proposal.closes_at + timedelta(minutes=1))
    await Scheduler(pipeline.sessions, profile, clock=clock).run_due()

    async with sessions() as session:
        closed = await session.get_one(Proposal, proposal.id)
        assert closed.result_notice_id is not None
        result = await session.get_one(Notice, closed.result_notice_id)
        [listed] = await list_proposals(session, [closed.community_id])
    assert (closed.stage, closed.closed_at) == (ProposalStage.CLOSED, clock())
    assert result.recipients == 1
    assert result.body is not None
    for words in (f"议事结果：{TITLE}", "同意：2 户", "不同意：1 户", "弃权：0 户",
                  "参加投票 3 户，应参加 1190 户，参与率 0.3%", "得票最多的是：同意"):
        assert words in result.body
    assert listed[1].counts == [2, 1, 0]
    await play(Chat(pipeline, "r-late"), f"居民: {press(proposal, 1)}\n助手: 现在不在投票时间内")
    async with sessions() as session, session.begin():  # closing again publishes nothing new
        again = await close_proposal(session, profile, await session.get_one(Proposal, proposal.id), clock())
    assert again.id == result.id


async def test_a_suggestion_goes_to_the_secretary_and_its_resident_hears_when_it_is_put_to_a_vote(
        pipeline: Pipeline, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    resident = Chat(pipeline, "r-suggests")
    await play(resident, """
        居民: 我有个建议 小区东门晚上能不能多留一个小门
        助手: 谢谢您的建议！已登记
    """)
    await play(Chat(pipeline, "r-suggests-later"), """
        居民: 我有个建议
        助手: 请说一说您的建议
        居民: 健身角旁边装个饮水机
        助手: 谢谢您的建议！已登记
    """)

    async with sessions() as session:
        tickets = (await session.scalars(select(Ticket).order_by(Ticket.id))).all()
        assignees = {(await session.get_one(Staff, ticket.assignee_id)).role for ticket in tickets}
    assert [t.category_key for t in tickets] == ["resident_suggestion"] * 2
    assert tickets[0].description == "我有个建议 小区东门晚上能不能多留一个小门"
    assert assignees == {"secretary"}

    proposal = await opened(sessions, profile, clock, suggestion=tickets[0])
    async with sessions() as session:
        ticket = await session.get_one(Ticket, tickets[0].id)
        told = (await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket_closed"))).one()
    assert (ticket.status, proposal.suggestion_ticket_id) == ("closed", ticket.id)
    assert told.resident_id == ticket.resident_id
    assert "提交居民议事会表决" in told.payload["text"]


async def test_a_resident_who_gives_another_address_keeps_one_vote(
        sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    proposal = await opened(sessions, profile, clock)
    async with sessions() as session, session.begin():
        first, second = (await session.scalars(select(Building.id).order_by(Building.id).limit(2))).all()
        mover, neighbour = Resident(community_id=proposal.community_id, building_id=first, unit="1", room="101"), \
            Resident(community_id=proposal.community_id, building_id=second, unit="1", room="101")
        session.add_all([mover, neighbour])
        await session.flush()
        assert (await cast_vote(session, proposal, mover, 0, clock())).outcome == Outcome.CAST
        mover.building_id = second
        assert (await cast_vote(session, proposal, mover, 1, clock())).outcome == Outcome.CHANGED
        assert (await cast_vote(session, proposal, neighbour, 2, clock())).outcome == Outcome.CAST
        counted = await tally(session, proposal)
    assert (counted.counts, counted.voted) == ([0, 1, 1], 2)


def test_the_electorate_counts_the_profile_households_of_the_areas_and_buildings(profile: Profile) -> None:
    assert electorate_households(profile, "baiyang", [], []) == 7130
    assert electorate_households(profile, "baiyang", ["a1", "a6"], []) == 1190 + 1185
    assert electorate_households(profile, "baiyang", [], ["1"]) == 70  # 1190 / 17 buildings
    assert electorate_households(profile, "baiyang", ["a1"], ["1", "18"]) == 1190 + 70


def test_a_proposal_needs_two_to_ten_different_options() -> None:
    with pytest.raises(ValueError, match="options"):
        ProposalInput(title=TITLE, body="x", options=["同意"])
    with pytest.raises(ValueError, match="different"):
        ProposalInput(title=TITLE, body="x", options=["同意", " 同意"])


VOTERS = 1000
SHARED_ROOMS = 200
"""Rooms with two residents: 1,000 residents in 800 households."""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_counts_and_turnout_are_exact_after_1000_concurrent_votes(
        database_url: str, sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    proposal = await opened(sessions, profile, clock)
    households = VOTERS - SHARED_ROOMS
    async with sessions() as session, session.begin():
        buildings = (await session.scalars(select(Building.id).where(Building.community_id == proposal.community_id)
                                           .order_by(Building.id))).all()
        rooms = [(buildings[h % len(buildings)], str(101 + h)) for h in range(households)]
        # The two residents of a shared room side by side, so that their votes race each other.
        voters = [(h, *rooms[h]) for h in range(households) for _ in range(2 if h < SHARED_ROOMS else 1)]
        residents = [Resident(community_id=proposal.community_id, building_id=building, unit="1", room=room)
                     for _, building, room in voters]
        session.add_all(residents)
        await session.flush()
        # Housemates vote differently: the count must hold whichever of them got in first, and only that one.
        seen: set[int] = set()
        ballots = []
        for resident, (h, _, _) in zip(residents, voters, strict=True):
            ballots.append((resident.id, (h + (h in seen)) % len(OPTIONS)))
            seen.add(h)

    # 1,000 votes queue for 30 connections: on a busy machine the last wait longer than the pool's default 30 s, which
    # would fail the test on how busy the machine is; what it checks is the counts, so a vote waits its turn.
    engine = create_engine(database_url, clock, pool_size=20, max_overflow=10, pool_timeout=VOTES_WAIT_SECONDS)
    own_sessions = create_sessionmaker(engine)

    async def vote(resident_id: int, option: int) -> Outcome:
        async with own_sessions() as session, session.begin():
            voter = await session.get_one(Resident, resident_id)
            ballot = await session.get_one(Proposal, proposal.id)
            return (await cast_vote(session, ballot, voter, option, clock())).outcome

    try:
        outcomes = await asyncio.gather(*(vote(resident_id, option) for resident_id, option in ballots))
    finally:
        await engine.dispose()

    assert outcomes.count(Outcome.CAST) == households
    assert outcomes.count(Outcome.HOUSEHOLD_VOTED_BY_OTHER) == SHARED_ROOMS
    cast = {resident_id: option for (resident_id, option), outcome in zip(ballots, outcomes, strict=True)
            if outcome is Outcome.CAST}
    async with sessions() as session:
        counted = await tally(session, proposal)
        rows = await session.execute(select(Vote.resident_id, Vote.option).where(Vote.proposal_id == proposal.id))
        stored = {resident_id: option for resident_id, option in rows}
    assert stored == cast
    expected = [sum(1 for option in cast.values() if option == i) for i in range(len(OPTIONS))]
    assert (counted.counts, counted.voted) == (expected, households)
    assert counted.turnout == households / 7130


async def test_erasing_a_voter_keeps_the_count_but_not_the_room(
        sessions: Sessions, profile: Profile, clock: HandClock) -> None:
    proposal = await opened(sessions, profile, clock)
    async with sessions() as session, session.begin():
        building = (await session.scalars(select(Building.id).order_by(Building.id).limit(1))).one()
        voter = Resident(community_id=proposal.community_id, building_id=building, unit="2", room="501")
        session.add(voter)
        await session.flush()
        assert (await cast_vote(session, proposal, voter, 1, clock())).outcome == Outcome.CAST
    async with sessions() as session, session.begin():
        await erase_resident(session, profile, voter.id, clock())
    async with sessions() as session:
        vote = (await session.scalars(select(Vote))).one()
        counted = await tally(session, proposal)
    assert "501" not in vote.household
    assert (counted.counts, counted.voted) == ([0, 1, 0], 1)
