"""The console as staff find it over real HTTP: signing in by staff id, phone number or name (one throttle per
account whichever is typed; a name or phone several share signs in the one whose password it is), the queue
filtered by the assignee's name, and a notice composer that speaks no English."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.accounts import add_console_staff
from bot.console.labels import console_labels
from bot.console.sessions import MAX_FAILURES_PER_ACCOUNT
from storage.models import SignInAttempt, Staff, StaffSession, Ticket
from tests.conftest import DEMO_PROFILE
from tests.web.seeding import in_database
from tests.web.test_console import (
    PASSWORD,
    csrf_of,
    from_address,
    give_passwords,
    open_ticket,
    post_sign_in,
    signed_in,
)
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


def test_staff_sign_in_with_their_staff_id_phone_number_or_name(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")

    with httpx.Client(base_url=server, timeout=10) as browser:
        form = browser.get("/console/sign-in")
        signed = [post_sign_in(browser, username, PASSWORD).status_code
                  for username in ("by-sec-01", SECRETARY_PHONE, SECRETARY_NAME, f" {SECRETARY_NAME} ")]
        queue = browser.get("/console/tickets")

    assert signed == [303] * 4
    assert SECRETARY_NAME in queue.text
    label = re.search(r"<label>([^<]*)<br><input name=\"username\"", form.text)
    assert label is not None, form.text
    assert tuple(word for word in ("工号", "手机号", "姓名") if word in label.group(1)) == ("工号", "手机号", "姓名")


def add_namesake(database_url: str, password: str, phone: str | None = None) -> None:
    """A second active staff member named like the secretary (and, if given, with this phone number)."""
    async def namesake(session: AsyncSession) -> None:
        staff = await add_console_staff(session, "qs-namesake", SECRETARY_NAME, "window", "qingshui", password)
        staff.phone = phone

    in_database(database_url, namesake)


def problem_of(page: httpx.Response) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', page.text, flags=re.S)
    return found.group(1) if found else ""


def sessions_of(database_url: str) -> list[str]:
    """The staff ids of everyone with a console session."""
    async def keys(session: AsyncSession) -> list[str]:
        return list((await session.scalars(select(Staff.key).join(StaffSession, StaffSession.staff_id == Staff.id)
                                           .order_by(Staff.key))).all())

    return in_database(database_url, keys)


def attempts_with(database_url: str, username: str) -> list[bool]:
    async def recorded(session: AsyncSession) -> list[bool]:
        return list((await session.scalars(select(SignInAttempt.succeeded)
                                           .where(SignInAttempt.username == username))).all())

    return in_database(database_url, recorded)


def test_one_account_gets_one_budget_whether_its_id_phone_or_name_is_typed(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    usernames = ["by-sec-01", SECRETARY_PHONE, SECRETARY_NAME] * 2

    with from_address(server, "127.0.0.4") as guesser:
        guesses = [post_sign_in(guesser, username, f"guess {i}").status_code for i, username in enumerate(usernames)]
        right = [post_sign_in(guesser, username, PASSWORD).status_code
                 for username in ("by-sec-01", SECRETARY_PHONE, SECRETARY_NAME)]

    assert guesses == [401] * MAX_FAILURES_PER_ACCOUNT + [429]
    assert right == [429] * 3
    assert sessions_of(database_url) == []


def test_unknown_usernames_are_throttled_by_what_was_typed(server: str, database_url: str) -> None:
    with from_address(server, "127.0.0.5") as guesser:
        guesses = [post_sign_in(guesser, "王某某", f"guess {i}").status_code for i in range(6)]
        another = post_sign_in(guesser, "李某某", "guess").status_code

    assert guesses == [401] * MAX_FAILURES_PER_ACCOUNT + [429]
    assert another == 401
    assert attempts_with(database_url, "王某某") == [False] * MAX_FAILURES_PER_ACCOUNT


def test_a_shared_name_with_a_wrong_password_is_refused_like_any_wrong_password_recorded_and_throttled(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    add_namesake(database_url, "the namesake's own password")

    with from_address(server, "127.0.0.6") as guesser, from_address(server, "127.0.0.7") as elsewhere:
        unknown = post_sign_in(elsewhere, "无此人", "guess")
        wrong = [post_sign_in(guesser, SECRETARY_NAME, f"guess {i}") for i in range(6)]
        by_id = post_sign_in(guesser, "by-sec-01", PASSWORD).status_code
        namesake_by_id = post_sign_in(guesser, "qs-namesake", "the namesake's own password").status_code

    assert [page.status_code for page in wrong] == [401] * MAX_FAILURES_PER_ACCOUNT + [429]
    assert {problem_of(page) for page in wrong[:-1]} == {problem_of(unknown)} == {WORDS["sign_in_refused"]}
    assert WORDS["sign_in_ambiguous"] not in wrong[0].text
    assert attempts_with(database_url, SECRETARY_NAME) == [False] * MAX_FAILURES_PER_ACCOUNT
    assert (by_id, namesake_by_id) == (429, 429)  # the guesses at the name count against both who bear it
    assert sessions_of(database_url) == []


def test_a_shared_name_or_phone_with_the_password_of_exactly_one_of_them_signs_that_one_in(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    add_namesake(database_url, "the namesake's own password", phone=SECRETARY_PHONE)

    with httpx.Client(base_url=server, timeout=10) as secretary, httpx.Client(base_url=server, timeout=10) as other:
        by_name = post_sign_in(secretary, SECRETARY_NAME, PASSWORD).status_code
        by_phone = post_sign_in(other, SECRETARY_PHONE, "the namesake's own password").status_code
        theirs = secretary.get("/console/tickets").status_code

    assert (by_name, by_phone, theirs) == (303, 303, 200)
    assert sessions_of(database_url) == ["by-sec-01", "qs-namesake"]


def test_only_a_password_that_fits_several_sharing_a_name_tells_that_it_is_shared(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    add_namesake(database_url, PASSWORD)

    with httpx.Client(base_url=server, timeout=10) as client:
        wrong = post_sign_in(client, SECRETARY_NAME, "a wrong password")
        both = post_sign_in(client, SECRETARY_NAME, PASSWORD)
        by_id = post_sign_in(client, "by-sec-01", PASSWORD)

    assert (wrong.status_code, problem_of(wrong)) == (401, WORDS["sign_in_refused"])
    assert (both.status_code, problem_of(both)) == (401, WORDS["sign_in_ambiguous"])
    assert "工号" in problem_of(both)  # the staff id is the one thing no two share
    assert by_id.status_code == 303
    assert sessions_of(database_url) == ["by-sec-01"]


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
    assert f'placeholder="{WORDS["filter_assignee"]}"' in form.text
    assert "姓名" in WORDS["filter_assignee"]


def test_the_default_status_filter_is_named_for_every_ticket_not_closed_and_shows_a_claimed_one(
        server: str, database_url: str) -> None:
    """It was labelled 「待处理」 like the status, and showed 处理中 tickets under it."""
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        page = client.get(f"/console/tickets/{number}")
        client.post(f"/console/tickets/{number}/claim", data={"csrf_token": csrf_of(page.text)})
        queue = client.get("/console/tickets")

    assert re.search(rf'<option value="open" selected>{re.escape(WORDS["filter_not_closed"])}</option>', queue.text)
    assert WORDS["status_claimed"] in WORDS["filter_not_closed"]
    assert number in queue.text


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
