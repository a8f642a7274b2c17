"""The rota page over real HTTP: the secretary sees this week and puts someone else on a shift for a date, which
sends the next hand-off to them; a window clerk only reads it; a person of another role is refused."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from storage.db import create_engine, create_sessionmaker
from storage.models import Staff, Ticket
from tests.web.test_console import csrf_of, give_passwords, report, signed_in


def rota_change(client: httpx.Client, **fields: str) -> httpx.Response:
    token = csrf_of(client.get("/console/rota").text)
    return client.post("/console/rota", data={"csrf_token": token, "community": "baiyang", "role": "window",
                                              "starts": "08:30", **fields})


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


