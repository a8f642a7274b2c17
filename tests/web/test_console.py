"""The staff console over real HTTP: sign-in and its throttle, the ticket queue and page, the actions,
and the refusals (no session, no CSRF token, another area's ticket)."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import sessions as console_sessions
from bot.console.accounts import set_password
from storage.db import create_engine, create_sessionmaker
from storage.models import ChannelIdentity, FollowUp, FollowUpMethod, OutboxMessage, Resident, Ticket
from storage.repositories import outbox
from tests.conftest import MONDAY_10AM
from tests.web.seeding import in_database

PASSWORD = "correct horse battery"
REPORT = {"sender_id": "web-1", "text": "3栋2单元楼道里的下水道堵了，臭了好几天", "message_id": "w-1",
          "community": "baiyang"}


def give_passwords(database_url: str, *keys: str) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session, session.begin():
            for key in keys:
                await set_password(session, key, PASSWORD)
        await engine.dispose()

    asyncio.run(run())


def stored_ticket(database_url: str) -> tuple[Ticket, list[str]]:
    async def run() -> tuple[Ticket, list[str]]:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session:
            ticket = (await session.scalars(select(Ticket))).one()
            kinds = list(await session.scalars(select(OutboxMessage.kind).where(
                OutboxMessage.ticket_id == ticket.id, OutboxMessage.resident_id.is_not(None))
                .order_by(OutboxMessage.id)))
        await engine.dispose()
        return ticket, kinds

    return asyncio.run(run())


def post_sign_in(client: httpx.Client, key: str, password: str) -> httpx.Response:
    """Sign in as a browser does: the form first (its CSRF token and cookie), then the post."""
    form = client.get("/console/sign-in")
    return client.post("/console/sign-in", data={"username": key, "password": password,
                                                 "csrf_token": csrf_of(form.text)})


@contextmanager
def signed_in(server: str, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as client:
        answer = post_sign_in(client, key, PASSWORD)
        assert answer.status_code == 303, answer.text
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def open_ticket(server: str) -> str:
    return report(server, REPORT["sender_id"], REPORT["text"])


def report(server: str, sender: str, text: str) -> str:
    """A resident's report on the demo page's chat; the number of the ticket it made or joined."""
    with httpx.Client(base_url=server, timeout=10) as client:
        replies = client.post("/api/chat", json={"sender_id": sender, "text": text, "message_id": f"{sender}-1",
                                                 "community": "baiyang"}).json()
    found = re.search(r"GD\d{8}-\d{4}", replies[0]["text"])
    assert found is not None
    return found.group(0)


def test_the_secretary_claims_replies_and_closes_a_ticket_and_the_resident_is_told(
        server: str, database_url: str) -> None:
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        queue = client.get("/console/tickets")
        page = client.get(f"/console/tickets/{number}")
        token = csrf_of(page.text)
        actions = [client.post(f"/console/tickets/{number}/{action}", data={"csrf_token": token, **fields})
                   for action, fields in (("claim", {}), ("reply", {"text": "师傅下午两点到"}),
                                          ("close", {"result": "已疏通下水道"}))]
        closed_page = client.get(f"/console/tickets/{number}")

    assert queue.status_code == 200
    assert number in queue.text
    assert "下水道堵塞" in page.text
    assert [a.status_code for a in actions] == [303, 303, 303]
    assert "已疏通下水道" in closed_page.text
    assert "已办结" in closed_page.text
    ticket, kinds = stored_ticket(database_url)
    assert ticket.status == "closed"
    assert kinds == ["ticket_claimed", "handoff_to_resident", "ticket_closed"]


def test_a_form_without_its_csrf_token_is_refused(server: str, database_url: str) -> None:
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        missing = client.post(f"/console/tickets/{number}/claim", data={})
        wrong = client.post(f"/console/tickets/{number}/claim", data={"csrf_token": "forged"})

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert stored_ticket(database_url)[0].status == "open"


def test_an_area_lead_cannot_open_another_areas_ticket_by_url(server: str, database_url: str) -> None:
    number = open_ticket(server)  # building 3: 东一片, led by by-area-01
    give_passwords(database_url, "by-area-01", "by-area-06")

    with signed_in(server, "by-area-06") as other, signed_in(server, "by-area-01") as own:
        refused = other.get(f"/console/tickets/{number}")
        listed = other.get("/console/tickets")
        claim = other.post(f"/console/tickets/{number}/claim", data={"csrf_token": csrf_of(listed.text)})
        allowed = own.get(f"/console/tickets/{number}")

    assert refused.status_code == 403
    assert number not in listed.text
    assert claim.status_code == 403
    assert allowed.status_code == 200


def test_no_session_goes_to_sign_in_and_a_post_is_refused(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        page = client.get("/console/tickets")
        post = client.post("/console/tickets/GD20261123-0001/claim", data={"csrf_token": "x"})

    assert page.status_code == 303
    assert page.headers["location"] == "/console/sign-in"
    assert post.status_code == 401


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    with httpx.Client(base_url=server, timeout=10) as client:
        failures = [post_sign_in(client, "by-sec-01", f"wrong {i}") for i in range(5)]
        right = post_sign_in(client, "by-sec-01", PASSWORD)

    assert [f.status_code for f in failures] == [401] * 5
    assert right.status_code == 429
    assert "frontdoor_console" not in right.cookies


def test_the_session_cookie_is_http_only_and_same_site(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    with httpx.Client(base_url=server, timeout=10) as client:
        answer = post_sign_in(client, "by-sec-01", PASSWORD)

    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_sign_in_post_without_the_forms_token_is_refused(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    with httpx.Client(base_url=server, timeout=10) as client:
        bare = client.post("/console/sign-in", data={"username": "by-sec-01", "password": PASSWORD})
        client.get("/console/sign-in")
        forged = client.post("/console/sign-in", data={"username": "by-sec-01", "password": PASSWORD,
                                                       "csrf_token": "chosen-by-another-site"})

    assert (bare.status_code, forged.status_code) == (403, 403)
    assert "frontdoor_console" not in bare.cookies
    assert "frontdoor_console" not in forged.cookies


def test_the_ticket_page_says_when_the_resident_cannot_be_reached_and_lists_what_was_not_delivered(
        server: str, database_url: str) -> None:
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")
    with signed_in(server, "by-sec-01") as client:
        reachable = client.get(f"/console/tickets/{number}")

    async def unfollow_and_refuse(session: AsyncSession) -> None:
        ticket = (await session.scalars(select(Ticket))).one()
        await session.execute(update(ChannelIdentity).where(ChannelIdentity.resident_id == ticket.resident_id)
                              .values(active=False))
        await session.execute(update(Resident).where(Resident.id == ticket.resident_id).values(phone="13800001111"))
        refused = outbox.enqueue(session, "ticket_closed", {"text": "您反映的问题已办结"},
                                 resident_id=ticket.resident_id, ticket_id=ticket.id)
        outbox.settle_undeliverable(refused, "outside_48h_window_without_consent")

    in_database(database_url, unfollow_and_refuse)
    with signed_in(server, "by-sec-01") as client:
        unreached = client.get(f"/console/tickets/{number}")

    assert "居民收不到推送" not in reachable.text
    assert "居民收不到推送" in unreached.text
    assert "居民没有可推送的账号" in unreached.text
    assert "请电话联系：13800001111" in unreached.text
    assert "未送达" in unreached.text
    assert "超出微信48小时回复期限" in unreached.text


async def test_the_password_is_checked_off_the_event_loop(sessions: async_sessionmaker[AsyncSession],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 costs tens of milliseconds of CPU by design: on the loop, every webhook would wait behind it."""
    threads: list[int] = []

    def checked(stored_hash: str | None, password: str) -> bool:
        threads.append(threading.get_ident())
        return False

    monkeypatch.setattr(console_sessions, "verify_password", checked)
    async with sessions() as session, session.begin():
        signed = await console_sessions.sign_in(session, "by-sec-01", "wrong password", "127.0.0.1", MONDAY_10AM)

    assert signed is None
    assert threads
    assert threads[0] != threading.get_ident()


async def test_failures_slow_an_account_down_more_and_more_without_locking_it(
        sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    """Past five failures from one address the next try waits 30 s after the last failure, then 1 min, 2 min ...:
    the staff member who mistyped gets in after a pause, not after a quarter of an hour."""
    monkeypatch.setattr(console_sessions, "verify_password", lambda stored, password: password == "right")

    async def attempt(password: str, seconds: int) -> str:
        try:
            async with sessions() as session, session.begin():
                signed = await console_sessions.sign_in(session, "by-sec-01", password, "10.0.0.1",
                                                        MONDAY_10AM + timedelta(seconds=seconds))
        except console_sessions.SignInThrottled:
            return "wait"
        return "in" if signed else "wrong"

    first = [await attempt(f"typo {i}", i) for i in range(5)]
    paused = await attempt("right", 20)         # 16 s after the fifth failure
    sixth = await attempt("typo 5", 35)         # the 30 s are over
    longer = await attempt("right", 80)         # 45 s after the sixth: its pause is 1 min
    signed_in = await attempt("right", 96)

    assert first == ["wrong"] * 5
    assert (paused, sixth, longer, signed_in) == ("wait", "wrong", "wait", "in")


def from_address(server: str, address: str) -> httpx.Client:
    """A browser connecting from another loopback address: the app counts failures per address."""
    return httpx.Client(base_url=server, timeout=10, transport=httpx.HTTPTransport(local_address=address))


def test_a_success_starts_the_count_again_and_a_guesser_elsewhere_locks_nobody_out(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    with from_address(server, "127.0.0.2") as staff_desk, from_address(server, "127.0.0.3") as guesser:
        first = [post_sign_in(staff_desk, "by-sec-01", f"typo {i}").status_code for i in range(4)]
        signed = post_sign_in(staff_desk, "by-sec-01", PASSWORD).status_code
        then = [post_sign_in(staff_desk, "by-sec-01", f"typo again {i}").status_code for i in range(4)]
        again = post_sign_in(staff_desk, "by-sec-01", PASSWORD).status_code
        guesses = [post_sign_in(guesser, "by-sec-01", f"guess {i}").status_code for i in range(6)]
        guesser_right = post_sign_in(guesser, "by-sec-01", PASSWORD).status_code
        still = post_sign_in(staff_desk, "by-sec-01", PASSWORD).status_code

    assert first == then == [401] * 4
    assert (signed, again) == (303, 303)
    assert guesses == [401] * 5 + [429]
    assert guesser_right == 429
    assert still == 303


async def test_concurrent_guesses_at_one_account_check_no_more_passwords_than_the_limit(
        sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []

    def counted(stored_hash: str | None, password: str) -> bool:
        checked.append(password)
        return False

    monkeypatch.setattr(console_sessions, "verify_password", counted)

    async def guess(i: int) -> str:
        try:
            async with sessions() as session, session.begin():
                await console_sessions.sign_in(session, "by-sec-01", f"guess {i}", "198.51.100.9", MONDAY_10AM)
        except console_sessions.SignInThrottled:
            return "throttled"
        return "refused"

    outcomes = await asyncio.gather(*(guess(i) for i in range(20)))

    assert len(checked) == console_sessions.MAX_FAILURES_PER_ACCOUNT
    assert outcomes.count("refused") == console_sessions.MAX_FAILURES_PER_ACCOUNT


def test_the_reply_box_names_the_channel_the_resident_wrote_from(server: str, database_url: str) -> None:
    """The reply box said 「会发到居民用的微信、Telegram或网页聊天」 whatever the resident used."""
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get(f"/console/tickets/{number}").text)
        client.post(f"/console/tickets/{number}/claim", data={"csrf_token": token})
        page = client.get(f"/console/tickets/{number}").text

    assert "会发到居民的网页聊天" in page
    assert "Telegram或" not in page


@contextmanager
def closed_by_the_secretary(server: str, database_url: str) -> Iterator[tuple[httpx.Client, str, str, str]]:
    """A ticket reported and closed by the secretary, signed in as them: the client, the ticket's number, the form
    token and the closed ticket's page."""
    number = open_ticket(server)
    give_passwords(database_url, "by-sec-01")
    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get(f"/console/tickets/{number}").text)
        client.post(f"/console/tickets/{number}/close", data={"csrf_token": token, "result": "已修好"})
        yield client, number, token, client.get(f"/console/tickets/{number}").text


def test_the_follow_up_form_records_only_what_the_resident_answered(server: str, database_url: str) -> None:
    """Both answers of the 回访 form were ticked 满意 / 已解决 beforehand: a click on 记录 without asking recorded a
    satisfied resident, and the satisfaction rate the office is judged by counted it."""
    with closed_by_the_secretary(server, database_url) as (client, number, token, page):
        unanswered = client.post(f"/console/tickets/{number}/follow-up", data={"csrf_token": token, "note": "没打通"})

    status_line = page[page.index('class="status-line"'):]
    assert status_line[:status_line.index("</p>")].count("已办结") == 1  # 「已办结 · … · 已办结」 said it twice
    assert "办结于：" in status_line
    form = page[page.index("/follow-up"):]
    form = form[:form.index("</form>")]
    radios = re.findall(r"<input type=\"radio\"[^>]*>", form)
    assert len(radios) == 4
    assert not any("checked" in radio for radio in radios)
    assert sum("required" in radio for radio in radios) == 2
    assert unanswered.status_code == 422


def phone_follow_ups(database_url: str) -> int:
    async def run() -> int:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session:
            count = len((await session.scalars(select(FollowUp).where(FollowUp.method == FollowUpMethod.PHONE))).all())
        await engine.dispose()
        return count

    return asyncio.run(run())


def test_the_follow_up_form_sent_twice_records_one_follow_up_and_a_later_one_is_recorded(
        server: str, database_url: str) -> None:
    """A second tap on 记录回访 (a slow phone, the page sent again) recorded the same 回访 twice, and the office's
    follow-up figures counted both."""
    with closed_by_the_secretary(server, database_url) as (client, number, token, page):
        seen = re.search(r'name="seen" value="(\d+)"', page)
        assert seen is not None
        form = {"csrf_token": token, "fixed": "true", "satisfied": "true", "note": "电话回访 说挺好", "seen": seen[1]}
        first, again = (client.post(f"/console/tickets/{number}/follow-up", data=form) for _ in range(2))
        shown = client.get(f"/console/tickets/{number}").text
        recorded_once = phone_follow_ups(database_url)
        later = re.search(r'name="seen" value="(\d+)"', shown)
        assert later is not None
        client.post(f"/console/tickets/{number}/follow-up", data=form | {"seen": later[1], "note": "一周后再问"})

    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["location"] == f"/console/tickets/{number}"
    assert recorded_once == 1
    assert shown.count("电话回访：问题已解决") == 1
    assert phone_follow_ups(database_url) == 2


def test_the_secretary_pauses_merges_splits_and_records_a_phone_follow_up_from_the_console(
        server: str, database_url: str) -> None:
    number = open_ticket(server)
    gate = report(server, "web-gate-1", "东门的路灯不亮了 晚上黑乎乎的")
    joined = report(server, "web-gate-2", "东门口那个路灯坏了好几天了")
    road = report(server, "web-road", "东围墙外的路上路灯不亮了")
    assert joined == gate
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get(f"/console/tickets/{number}").text)
        paused = client.post(f"/console/tickets/{number}/pause",
                             data={"csrf_token": token, "reason": "materials", "note": "缺户口本首页"})
        paused_page = client.get(f"/console/tickets/{number}")
        queue = client.get("/console/tickets")
        resumed = client.post(f"/console/tickets/{number}/resume", data={"csrf_token": token})
        unknown = client.post(f"/console/tickets/{number}/pause", data={"csrf_token": token, "reason": "lunch"})
        gate_page = client.get(f"/console/tickets/{gate}")
        merged = client.post(f"/console/tickets/{road}/merge", data={"csrf_token": token, "into": gate.lower()})
        after_merge = client.get(f"/console/tickets/{gate}")
        resident = re.findall(r'name="resident" value="(\d+)"', after_merge.text)
        split = client.post(f"/console/tickets/{gate}/split", data={"csrf_token": token, "resident": resident[-1]})
        closed = client.post(f"/console/tickets/{number}/close", data={"csrf_token": token, "result": "已疏通"})
        visit = client.post(f"/console/tickets/{number}/follow-up",
                            data={"csrf_token": token, "fixed": "false", "satisfied": "false", "note": "又堵了"})
        reopened_page = client.get(f"/console/tickets/{number}")

    assert [paused.status_code, resumed.status_code, merged.status_code, split.status_code, closed.status_code,
            visit.status_code] == [303] * 6
    assert "已暂停计时：" in paused_page.text
    assert "等待补充材料" in paused_page.text
    assert "暂停计时中" in queue.text
    assert unknown.status_code == 422
    assert "反映人数：2" in gate_page.text
    assert merged.headers["location"] == f"/console/tickets/{gate}"
    assert "反映人数：3" in after_merge.text
    assert "东围墙外的路上路灯不亮了" in after_merge.text
    assert split.headers["location"] != f"/console/tickets/{gate}"
    assert "重新办理" in reopened_page.text
    assert "电话回访" in reopened_page.text
