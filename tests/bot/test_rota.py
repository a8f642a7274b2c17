"""Who is on duty: hand-offs and emergencies go to the person the rota (rota.yaml) has on duty when they come in,
by weekday, weekend or holiday and by the hour; a secretary changes a date's shift on the console; the profile
check refuses a rota naming someone who is not there; `frontdoor rota show` prints a day's shifts. A change is
open until the shift ends (a night shift runs into the next day), and two secretaries saving the same shift at once
both succeed. The console page that changes a date's shift is tested over HTTP in tests/web/test_rota_console.py."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from bot.office.rota import RotaChangeRefused, change_shift, on_duty, planned
from storage.db import create_engine, create_sessionmaker
from storage.models import Community, RotaOverride, Staff, Ticket
from storage.profile import Profile, load_profile
from storage.profile.errors import ProfileError
from storage.profile.schema import StaffRole
from storage.repositories.directory import get_community
from tests.bot.transcript import Resident, play
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA, HandClock

SUNDAY_3PM = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
TUESDAY_2AM = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
"""In Monday's night shift."""
NATIONAL_DAY_SATURDAY_10AM = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)
SCAMMED = "我刚被骗转了两万，对方说是公安局的"


async def assignees(sessions: async_sessionmaker[AsyncSession], category: str) -> list[str]:
    async with sessions() as session:
        query = (select(Staff.key).join(Ticket, Ticket.assignee_id == Staff.id)
                 .where(Ticket.category_key == category).order_by(Ticket.id))
        return list((await session.scalars(query)).all())


async def test_a_handoff_on_a_sunday_afternoon_goes_to_the_person_on_duty_then(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    clock.set(SUNDAY_3PM)

    await play(Resident(pipeline, "r-sunday"), """
        居民: 转人工
        助手: 由白秋菊负责
        助手: 今天值班的白秋菊会尽快回复您
        助手: !工作人员会在
        居民: 我家的低保卡丢了怎么办
        助手: 已转给值班的白秋菊
    """)

    assert await assignees(sessions, "handoff") == ["by-win-02"]


async def test_after_the_weekend_desk_closes_the_resident_is_told_when_the_office_opens(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    clock.set(datetime(2026, 11, 29, 14, 0, tzinfo=UTC))  # Sunday 22:00: the desk closed at 21:00

    await play(Resident(pipeline, "r-sunday-night"), """
        居民: 转人工
        助手: 已为您转人工
        助手: 工作人员会在11月30日 08:30上班后
    """)

    assert await assignees(sessions, "handoff") == ["by-win-01"]


async def test_an_emergency_at_night_goes_to_the_police_officer_on_duty_else_the_backup(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock) -> None:
    clock.set(TUESDAY_2AM)

    await pipeline.handle(InboundMessage("wechat", "wx-night-1", "n-1", SCAMMED, TUESDAY_2AM, "baiyang"))
    async with sessions() as session, session.begin():
        await session.execute(update(Staff).where(Staff.key == "by-police-01").values(active=False))
    await pipeline.handle(InboundMessage("wechat", "wx-night-2", "n-2", SCAMMED, TUESDAY_2AM, "baiyang"))

    assert await assignees(sessions, "emergency") == ["by-police-01", "by-sec-01"]


async def test_a_holiday_has_the_holiday_shifts_and_a_make_up_saturday_the_weekday_ones(
        pipeline: Pipeline, sessions: async_sessionmaker[AsyncSession], clock: HandClock, profile: Profile) -> None:
    clock.set(NATIONAL_DAY_SATURDAY_10AM)

    await play(Resident(pipeline, "r-national-day"), "居民: 转人工")

    assert await assignees(sessions, "handoff") == ["by-win-01"]  # the weekend desk would be by-win-02's
    holiday = [d.shift.hours for d in planned(profile, "baiyang", date(2026, 10, 3)) if d.shift.role == "window"]
    make_up = [d.shift.hours for d in planned(profile, "baiyang", date(2026, 10, 10)) if d.shift.role == "window"]
    assert (holiday, make_up) == (["09:00-17:00"], ["08:30-17:30"])


async def test_a_change_for_a_date_puts_someone_else_on_duty_and_naming_the_rotas_person_undoes_it(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    async with sessions() as session, session.begin():
        community = await get_community(session, "baiyang")
        assert community is not None
        secretary = (await session.scalars(select(Staff).where(Staff.key == "by-sec-01"))).one()
        await change_shift(session, profile, community, date(2026, 11, 29), StaffRole.WINDOW, "09:00", "by-win-01",
                           secretary, SUNDAY_3PM)
        changed = await on_duty(session, profile, community, StaffRole.WINDOW, SUNDAY_3PM)
        await change_shift(session, profile, community, date(2026, 11, 29), StaffRole.WINDOW, "09:00", "by-win-02",
                           secretary, SUNDAY_3PM)
        undone = await on_duty(session, profile, community, StaffRole.WINDOW, SUNDAY_3PM)

    assert changed == ["by-win-01"]  # who was put in, also the shift's backup
    assert undone == ["by-win-02", "by-win-01"]


MONDAY = date(2026, 11, 23)
MONDAY_8PM = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""Monday's 08:30-17:30 shifts have ended, its 17:30-08:30 night shift is running."""


async def secretary_of(session: AsyncSession, community_key: str = "baiyang") -> tuple[Community, Staff]:
    community = await get_community(session, community_key)
    assert community is not None
    return community, (await session.scalars(select(Staff).where(Staff.key == "by-sec-01"))).one()


async def add_officer(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A second police officer for baiyang (the demo profile has one), to put on a police shift."""
    async with sessions() as session, session.begin():
        community, _ = await secretary_of(session)
        session.add(Staff(key="by-police-02", community_id=community.id, name="周强", role="police", source="console"))


async def test_at_2am_the_secretary_can_put_someone_else_on_yesterdays_night_shift_still_running(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    await add_officer(sessions)
    async with sessions() as session, session.begin():
        community, secretary = await secretary_of(session)
        await change_shift(session, profile, community, MONDAY, StaffRole.POLICE, "17:30", "by-police-02",
                           secretary, TUESDAY_2AM)
        on_now = await on_duty(session, profile, community, StaffRole.POLICE, TUESDAY_2AM)

    assert on_now == ["by-police-02", "by-sec-01"]


async def test_a_shift_of_today_that_has_ended_cannot_be_changed_but_tonights_can(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    await add_officer(sessions)
    async with sessions() as session, session.begin():
        community, secretary = await secretary_of(session)
        with pytest.raises(RotaChangeRefused) as day_shift:
            await change_shift(session, profile, community, MONDAY, StaffRole.WINDOW, "08:30", "by-win-02",
                               secretary, MONDAY_8PM)
        with pytest.raises(RotaChangeRefused) as ended_at_2am:
            await change_shift(session, profile, community, MONDAY, StaffRole.POLICE, "08:30", "by-police-02",
                               secretary, TUESDAY_2AM)
        await change_shift(session, profile, community, MONDAY, StaffRole.POLICE, "17:30", "by-police-02",
                           secretary, MONDAY_8PM)
        changes = (await session.scalars(select(RotaOverride.starts))).all()

    assert (day_shift.value.reason, ended_at_2am.value.reason) == ("past", "past")
    assert changes == ["17:30"]


async def test_saving_the_same_shift_twice_keeps_one_change_the_later(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    sunday = date(2026, 11, 29)
    await add_officer(sessions)
    async with sessions() as session, session.begin():
        community, secretary = await secretary_of(session)
        for person in ("by-police-02", "by-police-01", "by-police-02"):  # by-police-01 is the rota's: undone
            await change_shift(session, profile, community, sunday, StaffRole.POLICE, "08:30", person,
                               secretary, SUNDAY_3PM)
        await change_shift(session, profile, community, sunday, StaffRole.POLICE, "08:30", "by-police-02",
                           secretary, SUNDAY_3PM)
        changes = (await session.execute(select(RotaOverride.day, RotaOverride.starts))).all()
        on_now = await on_duty(session, profile, community, StaffRole.POLICE, SUNDAY_3PM)

    assert changes == [(sunday, "08:30")]
    assert on_now == ["by-police-02", "by-sec-01"]


async def test_two_secretaries_saving_the_same_new_change_at_once_both_succeed(
        sessions: async_sessionmaker[AsyncSession], profile: Profile, database_url: str) -> None:
    """The second waits for the first's row (PostgreSQL) or the write lock (SQLite), then updates it."""
    sunday = date(2026, 11, 29)
    await add_officer(sessions)

    async def save(session: AsyncSession) -> None:
        community, secretary = await secretary_of(session)
        await change_shift(session, profile, community, sunday, StaffRole.POLICE, "08:30", "by-police-02",
                           secretary, SUNDAY_3PM)

    async with sessions() as first, sessions() as second:
        async with first.begin():
            await save(first)
            other = asyncio.create_task(_in_transaction(second, save))
            await asyncio.sleep(0.3)
            assert not other.done()  # it waits for the first's uncommitted change
        await asyncio.wait_for(other, 10)
    async with sessions() as session:
        community, _ = await secretary_of(session)
        changes = (await session.scalars(select(RotaOverride.id))).all()
        on_now = await on_duty(session, profile, community, StaffRole.POLICE, SUNDAY_3PM)

    assert len(changes) == 1
    assert on_now == ["by-police-02", "by-sec-01"]


async def _in_transaction(session: AsyncSession, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    async with session.begin():
        await work(session)


@pytest.mark.parametrize(("shift", "problem"), [
    ("{days: weekend, hours: '09:00-21:00', role: window, person: by-win-99}", "'by-win-99' is no window"),
    ("{days: weekend, hours: '09:00-21:00', role: window, person: by-police-01}", "'by-police-01' is no window"),
    ("{days: weekend, hours: '09:00-21:00', role: window, person: by-win-01, backup: by-bld-01}",
     "'by-bld-01' is neither another window nor the secretary"),
])
def test_the_profile_check_refuses_a_rota_naming_an_unknown_staff_id_or_a_wrong_role(
        tmp_path: Path, shift: str, problem: str) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    (root / "rota.yaml").write_text(f"categories: [handoff]\ncommunities:\n  baiyang:\n    - {shift}\n",
                                    encoding="utf-8")

    with pytest.raises(ProfileError, match=problem) as refused:
        load_profile(root)
    assert "communities.baiyang[0]" in str(refused.value)


def test_the_profile_check_refuses_a_rota_for_a_category_no_role_on_duty_handles(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    (root / "rota.yaml").write_text("categories: [drain_blocked]\n", encoding="utf-8")

    with pytest.raises(ProfileError, match="'drain_blocked' is handled by grid"):
        load_profile(root)


def test_rota_show_prints_each_shift_of_the_day_with_its_change(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'rota.db'}"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0
    asyncio.run(put_on_duty(database_url, "by-win-01"))

    shown = frontdoor("rota", "show", "2026-11-29", "--community", "baiyang", env=env)

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "2026-11-29 (weekend)" in lines[0]
    window = next(line for line in lines if "09:00-21:00" in line)
    police = next(line for line in lines if "08:30-08:30" in line)
    assert all(text in window for text in ("便民服务窗口", "叶艳 (by-win-01)", "instead of 白秋菊 (by-win-02)"))
    assert all(text in police for text in ("社区民警", "孙磊 (by-police-01)", "白晓东 (by-sec-01)"))
    assert "青水社区" not in shown.stdout


async def put_on_duty(database_url: str, staff_key: str) -> None:
    engine = create_engine(database_url)
    profile = load_profile(DEMO_PROFILE)
    async with create_sessionmaker(engine)() as session, session.begin():
        community = await get_community(session, "baiyang")
        assert community is not None
        secretary = (await session.scalars(select(Staff).where(Staff.key == "by-sec-01"))).one()
        await change_shift(session, profile, community, date(2026, 11, 29), StaffRole.WINDOW, "09:00", staff_key,
                           secretary, SUNDAY_3PM)
    await engine.dispose()
