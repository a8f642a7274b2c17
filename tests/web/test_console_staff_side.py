"""The console as staff find it over real HTTP: signing in by phone number or name (a name two share is refused
with a hint), the queue filtered by the assignee's name, and a notice composer that speaks no English."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.accounts import add_console_staff
from bot.console.labels import console_labels
from storage.models import Staff, Ticket
from tests.conftest import DEMO_PROFILE
from tests.web.seeding import in_database
from tests.web.test_console import PASSWORD, csrf_of, give_passwords, open_ticket, post_sign_in, signed_in
from tests.web.test_console_notices import compose_token, seed_forecast_subscribers

WORDS = console_labels(DEMO_PROFILE)
SECRETARY_PHONE = "13690060267"  # by-sec-01 白晓东 in the demo profile
SECRETARY_NAME = "白晓东"
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def assignee_name(database_url: str, number: str) -> str:
    async def name(session: AsyncSession) -> str:
        return str(await session.scalar(select(Staff.name).join(Ticket, Ticket.assignee_id == Staff.id)
                                         .where(Ticket.number == number)))

    return in_database(database_url, name)


def visible_text(html: str) -> str:
    """The page's text as read: no scripts, tags or attributes."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", html, flags=re.S))


def test_staff_sign_in_with_their_phone_number_or_their_name(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")

    with httpx.Client(base_url=server, timeout=10) as by_phone, httpx.Client(base_url=server, timeout=10) as by_name:
        phone = post_sign_in(by_phone, SECRETARY_PHONE, PASSWORD)
        name = post_sign_in(by_name, SECRETARY_NAME, PASSWORD)
        queue = by_name.get("/console/tickets")

    assert (phone.status_code, name.status_code) == (303, 303)
    assert SECRETARY_NAME in queue.text
    assert WORDS["username"] == "工号、手机号或姓名"


def test_a_name_two_staff_members_share_is_refused_with_a_hint_to_use_the_phone(
        server: str, database_url: str) -> None:
    async def namesake(session: AsyncSession) -> None:
        await add_console_staff(session, "qs-namesake", SECRETARY_NAME, "window", "qingshui", PASSWORD)

    give_passwords(database_url, "by-sec-01")
    in_database(database_url, namesake)

    with httpx.Client(base_url=server, timeout=10) as client:
        refused = post_sign_in(client, SECRETARY_NAME, PASSWORD)
        by_phone = post_sign_in(client, SECRETARY_PHONE, PASSWORD)

    assert refused.status_code == 401
    assert WORDS["sign_in_ambiguous"] in refused.text
    assert "手机号" in WORDS["sign_in_ambiguous"]
    assert by_phone.status_code == 303


def test_the_queue_filters_by_the_assignees_name(server: str, database_url: str) -> None:
    number = open_ticket(server)
    name = assignee_name(database_url, number)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        theirs = client.get("/console/tickets", params={"assignee": name})
        by_part = client.get("/console/tickets", params={"assignee": name[1:]})
        someone_else = client.get("/console/tickets", params={"assignee": "叶艳"})
        form = client.get("/console/tickets")

    assert name != "叶艳"
    assert number in theirs.text
    assert number in by_part.text
    assert number not in someone_else.text
    assert f'<option value="{name}">' in form.text  # the filter suggests names
    assert WORDS["filter_assignee"] == "承办人姓名"


def test_the_notice_composer_speaks_no_english_before_or_after_a_mistake(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-police-01")
    seed_forecast_subscribers(database_url)

    with signed_in(server, "by-police-01") as client:
        empty = client.get("/console/notices/new?kind=forecast")
        token = compose_token(client)
        blank = {"kind": "forecast", "period": "", "area_keys": ["a1"], "csrf_token": token}
        preview = client.post("/console/notices/preview", data=blank)
        saved = client.post("/console/notices", data=blank)
        whole = client.post("/console/notices/preview", data={**blank, "period": "11月16日至22日"})

    assert "String should" not in empty.text
    assert preview.status_code == 422
    assert not ENGLISH.search(preview.json()["problem"] + preview.json()["detail"]), preview.json()
    assert WORDS["notice_period"] in preview.json()["detail"]
    assert saved.status_code == 422
    problem = re.search(r'<p class="problem" role="alert">(.*?)</p>', saved.text, flags=re.S)
    assert problem is not None
    assert not ENGLISH.search(visible_text(problem.group(1))), problem.group(1)
    assert WORDS["notice_period"] in problem.group(1)
    assert whole.status_code == 200, whole.text
    assert whole.json()["recipients"] == 3
    assert re.fullmatch(r"\S+3人", whole.json()["channels"]), whole.json()["channels"]


def test_a_form_posted_incomplete_gets_a_chinese_page_not_the_validators_english(
        server: str, database_url: str) -> None:
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get(f"/console/tickets/{number}").text)
        empty = client.post(f"/console/tickets/{number}/close", data={"result": "", "csrf_token": token})

    assert empty.status_code == 422
    assert WORDS["input_heading"] in empty.text
    assert not ENGLISH.search(visible_text(empty.text).replace(WORDS["console_title"], "")), visible_text(empty.text)
