"""The rota page over real HTTP: the secretary sees today and the next six days and puts someone else on a shift
for a date, which sends the next hand-off to them; a window clerk only reads it; a person of another role is
refused. At 02:00 yesterday's night shift, still running, is there to change, its ended day shift is not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.models import Staff, Ticket
from tests.conftest import DEMO_PROFILE, NLU_DATA, running_from
from tests.web.conftest import served
from tests.web.test_console import csrf_of, give_passwords, report, signed_in

TUESDAY_2AM = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def rota_change(client: httpx.Client, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/console/rota").text)
    return client.post("/console/rota", data={"csrf_token": token, "community": "baiyang", "role": "window",
                                              "starts": "08:30", **fields})


def section(page: str, day: str) -> str:
    """The page's part for `day` (ISO), up to the next day's."""
    start = page.index(f'data-day="{day}"')
    end = page.find("<section", start)
    return page[start:end if end >= 0 else len(page)]


def test_a_change_on_the_console_sends_the_next_handoff_to_whom_the_secretary_chose(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01", "by-win-01")
    with signed_in(server, "by-sec-01") as secretary, signed_in(server, "by-win-01") as clerk:
        week = secretary.get("/console/rota")
        wrong_role = rota_change(secretary, day="2026-11-23", staff_key="by-police-01")
        clerk_refused = rota_change(clerk, day="2026-11-23", staff_key="by-win-01")
        changed = rota_change(secretary, day="2026-11-23", staff_key="by-win-02")
        after = secretary.get("/console/rota")

    assert week.status_code == 200
    assert all(day in week.text for day in ("周一 11-23", "周日 11-29"))
    assert "周日 11-22" not in week.text
    assert "周一 11-30" not in week.text
    assert 'name="staff_key"' in week.text
    assert (wrong_role.status_code, clerk_refused.status_code, changed.status_code) == (422, 403, 303)
    assert "只能选本社区在岗的同岗位人员" in wrong_role.text
    assert "已调整" in after.text
    number = report(server, "web-rota", "转人工")
    assert ticket_assignee(database_url, number) == "by-win-02"


def ticket_assignee(database_url: str, number: str) -> str:
    async def run() -> str:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session:
            query = select(Staff.key).join(Ticket, Ticket.assignee_id == Staff.id).where(Ticket.number == number)
            found = (await session.scalars(query)).one()
        await engine.dispose()
        return found

    return asyncio.run(run())




def test_at_2am_yesterdays_night_shift_is_open_to_change_and_next_monday_is_on_the_page(
        database_url: str, nlu_model: Path) -> None:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA], nlu_model=nlu_model)
    with served(settings, running_from(TUESDAY_2AM)) as server:
        give_passwords(database_url, "by-sec-01")  # once the app has loaded the profile's staff
        with signed_in(server, "by-sec-01") as secretary:
            page = secretary.get("/console/rota").text
            ended = rota_change(secretary, day="2026-11-23", staff_key="by-win-02")
            running = rota_change(secretary, day="2026-11-23", role="police", starts="17:30", staff_key="by-police-01")
            next_monday = rota_change(secretary, day="2026-11-30", staff_key="by-win-02")
            after = secretary.get("/console/rota").text

    days = [part.split('"')[0] for part in page.split('data-day="')[1:]]
    assert days == [f"2026-11-{day}" for day in range(23, 31)]  # yesterday while its night shift runs, then 7
    monday = section(page, "2026-11-23")
    assert 'data-starts="17:30"' in monday  # the night shift, running (one officer: nobody else to pick)
    assert 'name="staff_key"' not in monday  # the ended window shift (two clerks) has no form
    assert section(page, "2026-11-30").count('name="staff_key"') == 1  # next Monday's window shift
    assert (ended.status_code, running.status_code, next_monday.status_code) == (422, 303, 303)
    assert "这一班已经结束" in ended.text
    assert "已调整" in section(after, "2026-11-30")
