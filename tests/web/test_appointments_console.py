"""The day's bookings (预约名单) over real HTTP, booked by residents in the chat first. Today is Monday 2026-11-23.

A window clerk sees the window's bookings of a day, a home visit with the address to go to and the phone to call,
and marks one done; the police see the meetings with them and not the window's; the secretary sees all; a
building lead has no list. A booking of another service, a stale form and an unknown number are refused."""

from __future__ import annotations

import asyncio
import itertools
import re

import httpx
from sqlalchemy import select

from storage.db import create_engine, create_sessionmaker
from storage.models import Appointment
from tests.web.test_console import csrf_of, give_passwords, signed_in

TUESDAY = "2026-12-01"
WEDNESDAY = "2026-12-02"
MESSAGE_IDS = itertools.count(1)


def chat(server: str, sender: str, *texts: str) -> str:
    """A resident's messages on the demo page's chat; the replies to the last, joined."""
    replies: list[dict[str, str]] = []
    with httpx.Client(base_url=server, timeout=10) as client:
        for text in texts:
            replies = client.post("/api/chat", json={"sender_id": sender, "text": text, "community": "baiyang",
                                                     "message_id": f"m-{next(MESSAGE_IDS)}"}).json()
    return "\n".join(reply["text"] for reply in replies)


def booked(server: str, sender: str, *texts: str) -> str:
    """The number of the booking the messages, then a yes to the summary, made."""
    said = chat(server, sender, *texts, "确认")
    found = re.search(r"YY\d{8}-\d{4}", said)
    assert found is not None, said
    return found.group(0)


def statuses(database_url: str) -> dict[str, str]:
    async def run() -> dict[str, str]:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session:
            found = {number or "": status for number, status in
                     (await session.execute(select(Appointment.number, Appointment.status))).all()}
        await engine.dispose()
        return found

    return asyncio.run(run())


def rows(page: str) -> list[str]:
    """The booking numbers listed, in the page's order."""
    return re.findall(r'class="booking-row [a-z]+" data-number="(YY\d{8}-\d{4})"', page)


def mark_done(client: httpx.Client, number: str, day: str) -> httpx.Response:
    token = csrf_of(client.get(f"/console/appointments?day={day}").text)
    return client.post(f"/console/appointments/{number}/done",
                       data={"csrf_token": token, "day": day})


def test_the_window_sees_its_days_bookings_with_where_to_visit_and_marks_one_done(
        server: str, database_url: str) -> None:
    visit = booked(server, "r-visit", "我腿脚不好 想约上门办理 下周二下午三点 电话13912345678", "北门外平房区5号")
    insurance = booked(server, "r-insurance", "帮我约下周二上午九点的社保")
    gone = booked(server, "r-gone", "帮我约下周二上午十点的社保")
    assert "已取消" in chat(server, "r-gone", "下周二的预约取消")
    legal = booked(server, "r-legal", "帮我约下周三上午的法律咨询")
    police = booked(server, "r-police", "下周二我想约社区民警", "下周三下午两点")
    give_passwords(database_url, "by-win-01", "by-sec-01", "by-police-01")

    with signed_in(server, "by-win-01") as clerk:
        tuesday = clerk.get(f"/console/appointments?day={TUESDAY}")
        done = mark_done(clerk, visit, TUESDAY)
        after = clerk.get(done.headers["location"])
        wednesday = clerk.get(f"/console/appointments?day={WEDNESDAY}")
        today = clerk.get("/console/appointments?day=not-a-day")
    with signed_in(server, "by-police-01") as officer:
        officers_wednesday = officer.get(f"/console/appointments?day={WEDNESDAY}").text
    with signed_in(server, "by-sec-01") as secretary:
        secretarys_wednesday = secretary.get(f"/console/appointments?day={WEDNESDAY}").text

    assert tuesday.status_code == 200
    assert rows(tuesday.text) == [insurance, gone, visit]
    assert all(words in tuesday.text for words in ("北门外平房区5号", 'href="tel:13912345678"', "15:00-16:00",
                                                   "社保医保业务 1人", "上门办理 1人", "已取消",
                                                   "居民说：</span>我腿脚不好 想约上门办理"))
    assert done.status_code == 303
    assert f'class="booking-row done" data-number="{visit}"' in after.text
    assert statuses(database_url)[visit] == "done"
    assert (rows(wednesday.text), rows(officers_wednesday)) == ([legal], [police])
    assert rows(secretarys_wednesday) == [legal, police]
    assert (today.status_code, rows(today.text)) == (200, [])
    assert 'data-day="2026-11-23"' in today.text


def test_bookings_are_refused_to_whom_they_are_not_for(server: str, database_url: str) -> None:
    insurance = booked(server, "r-insurance", "帮我约下周二上午九点的社保")
    give_passwords(database_url, "by-police-01", "by-bld-01", "by-win-01")

    with signed_in(server, "by-bld-01") as building_lead:
        no_list = building_lead.get("/console/appointments")
        tickets = building_lead.get("/console/tickets").text
    with signed_in(server, "by-police-01") as officer:
        not_theirs = mark_done(officer, insurance, TUESDAY)
        police_nav = officer.get("/console/tickets").text
    with signed_in(server, "by-win-01") as clerk:
        stale = clerk.post(f"/console/appointments/{insurance}/done", data={"csrf_token": "stale", "day": TUESDAY})
        unknown = mark_done(clerk, "YY20261201-9999", TUESDAY)

    assert no_list.status_code == 403
    assert 'href="/console/appointments"' not in tickets
    assert 'href="/console/appointments"' in police_nav
    assert (not_theirs.status_code, stale.status_code, unknown.status_code) == (403, 403, 404)
    assert statuses(database_url)[insurance] == "booked"
