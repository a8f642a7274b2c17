"""Every state-changing console form (read from `app.routes`) posted by a signed-in browser without
the session's CSRF token, with the token of another session of the same person, or with another
staff member's token is refused with 403 and changes nothing; the same post with the right token
goes through, so the refusal is the token's doing. (tests/web covers a missing or made-up token on
claim and the notice forms; signing in has its own cookie token, also covered there.)"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.attacks.arena import Arena
from tests.attacks.routes import endpoints
from tests.web.test_console_notices import ANNOUNCEMENT

ME = "by-sec-01"
STALE_PAGE = "页面已过期"
"""The console's words for a refused token (profiles/demo/console.yaml csrf_heading)."""
WRONG_TOKENS = {"missing": None, "another-session-of-mine": "by-sec-01#2", "a-colleagues": "by-area-01"}
DRAIN = "4栋3单元楼道里的下水道堵了，臭了好几天"  # 东一片: the secretary may do everything to it
BOOKING = "帮我约下周二上午九点的社保"  # the window's: the secretary sees it
PUBLICITY = {"subject": "dibao", "title": "低保审核结果公示", "body": "下列家庭符合低保条件：张建国。",
             "window_days": "7"}
PROPOSAL = {"title": "东门晚上几点关", "body": "请各户投票决定东门关门时间", "options": "十点\n十一点"}
FORMS: dict[str, dict[str, str]] = {
    "/console/sign-out": {},
    "/console/tickets/{number}/claim": {},
    "/console/tickets/{number}/assign": {"staff_key": "by-win-01", "confirm": "1"},
    "/console/tickets/{number}/reply": {"text": "师傅下午两点到"},
    "/console/tickets/{number}/close": {"result": "已疏通"},
    "/console/tickets/{number}/reopen": {"reason": "又堵了"},
    "/console/tickets/{number}/pause": {"reason": "materials", "note": "缺户口本首页"},
    "/console/tickets/{number}/resume": {},
    "/console/tickets/{number}/merge": {"into": "GD20261123-9999"},
    "/console/tickets/{number}/split": {"resident": "1"},
    "/console/tickets/{number}/follow-up": {"fixed": "false", "satisfied": "false", "note": "又堵了"},
    "/console/notices/preview": ANNOUNCEMENT,
    "/console/notices": ANNOUNCEMENT,
    "/console/notices/{notice_id:int}/approve": {},
    "/console/notices/{notice_id:int}/send": {},
    "/console/notices/{notice_id:int}/schedule": {"send_at": "2099-01-01T09:00"},
    "/console/notices/{notice_id:int}/cancel": {"reason": "不发了"},
    "/console/publicity": PUBLICITY,
    "/console/publicity/{publicity_id:int}/publish": {},
    "/console/publicity/{publicity_id:int}/close": {"outcome": "经核实，符合条件"},
    "/console/proposals": PROPOSAL,
    "/console/proposals/{proposal_id:int}/open": {},
    "/console/proposals/{proposal_id:int}/close": {},
    "/console/appointments/{number}/done": {"day": ""},
    "/console/rota": {"community": "baiyang", "day": "2099-01-03", "role": "window", "starts": "09:00",
                      "staff_key": "by-win-01"},
}
"""Each console form with what a real post of it carries besides the token."""


def form_routes(arena: Arena) -> list[str]:
    return sorted(e.path for e in endpoints(arena.app)
                  if e.method == "POST" and e.path.startswith("/console") and e.path != "/console/sign-in")


def test_every_console_form_is_attacked_here(arena: Arena) -> None:
    assert form_routes(arena) == sorted(FORMS)


def fresh(arena: Arena, kind: str, fields: dict[str, str], then: str = "") -> int:
    """A draft 公示 or proposal written by the secretary, then published or opened when `then` says so."""
    client, token = arena.staff(ME), arena.csrf(ME)
    created = client.post(f"/console/{kind}", data={**fields, "csrf_token": token})
    assert created.status_code == 303, created.text
    found = int(created.headers["location"].rpartition("/")[2])
    if then:
        assert client.post(f"/console/{kind}/{found}/{then}", data={"csrf_token": token}).status_code == 303
    return found


def form_url(arena: Arena, route: str, number: str, notice_id: int) -> str:
    """The route with real things to post to: a 公示 or proposal in the stage its action needs."""
    url = route.replace("{number}", number).replace("{notice_id:int}", str(notice_id))
    closing = route.endswith("/close")
    if "{publicity_id:int}" in route:
        url = url.replace("{publicity_id:int}", str(fresh(arena, "publicity", PUBLICITY, "publish" if closing else "")))
    if "{proposal_id:int}" in route:
        url = url.replace("{proposal_id:int}", str(fresh(arena, "proposals", PROPOSAL, "open" if closing else "")))
    return url


def fresh_notice(arena: Arena) -> int:
    created = arena.staff(ME).post("/console/notices", data={**ANNOUNCEMENT, "csrf_token": arena.csrf(ME)})
    assert created.status_code == 303, created.text
    return int(created.headers["location"].rpartition("/")[2])


@pytest.mark.parametrize("route", [route for route in FORMS if route != "/console/sign-out"])
def test_a_form_without_the_sessions_own_token_is_refused_and_changes_nothing(arena: Arena, route: str) -> None:
    number = arena.open_ticket(DRAIN, f"csrf-{route.rsplit('/', 1)[-1]}")
    if route.endswith("/reply"):  # only the assignee answers the resident
        assert post(arena.staff(ME), f"/console/tickets/{number}/claim", {}, arena.csrf(ME)).status_code == 303
    notice_id = fresh_notice(arena)
    booking = arena.book("csrf-booking", BOOKING) if route.startswith("/console/appointments") else ""
    url = form_url(arena, route, booking or number, notice_id)

    def state() -> tuple[object, ...]:
        return (arena.table_counts(), arena.ticket_state(number), arena.notice_stage(notice_id),
                booking and arena.booking_status(booking))

    before = state()
    client = arena.staff(ME)

    refused = {name: post(client, url, FORMS[route], arena.csrf(token) if token else None)
               for name, token in WRONG_TOKENS.items()}
    after = state()
    accepted = post(client, url, FORMS[route], arena.csrf(ME))

    assert {name: answer.status_code for name, answer in refused.items()} == dict.fromkeys(WRONG_TOKENS, 403)
    assert all(STALE_PAGE in answer.text for answer in refused.values())
    assert after == before
    assert accepted.status_code not in {401, 403}, accepted.text
    assert not booking or arena.booking_status(booking) == "done", (url, accepted.status_code)


def test_signing_out_needs_the_sessions_own_token(arena: Arena) -> None:
    client = arena.staff("by-win-01#sign-out")

    refused = [post(client, "/console/sign-out", {}, arena.csrf(token) if token else None).status_code
               for token in (None, "by-sec-01#2", "by-win-01")]
    still_in = client.get("/console/tickets")
    signed_out = post(client, "/console/sign-out", {}, arena.csrf("by-win-01#sign-out"))
    after = client.get("/console/tickets")

    assert refused == [403, 403, 403]
    assert still_in.status_code == 200
    assert signed_out.status_code == 303
    assert (after.status_code, after.headers.get("location")) == (303, "/console/sign-in")


def test_a_token_in_the_query_string_or_a_header_is_not_the_forms_token(arena: Arena) -> None:
    number = arena.open_ticket(DRAIN, "csrf-elsewhere")
    client, token = arena.staff(ME), arena.csrf(ME)

    in_query = client.post(f"/console/tickets/{number}/claim", params={"csrf_token": token})
    in_header = client.post(f"/console/tickets/{number}/claim", headers={"X-CSRF-Token": token})
    as_json = client.post(f"/console/tickets/{number}/claim", json={"csrf_token": token})

    assert [a.status_code for a in (in_query, in_header, as_json)] == [403, 403, 403]
    assert arena.ticket_state(number)[0] == "open"


def test_every_page_with_a_form_carries_the_sessions_token_and_no_other(arena: Arena) -> None:
    pages = ["/console/tickets", f"/console/tickets/{arena.tickets['a1_drain']}", "/console/notices",
             "/console/notices/new?kind=announcement", f"/console/notices/{arena.notice_id}",
             "/console/publicity/new", "/console/proposals/new"]
    client = arena.staff(ME)

    tokens = {page: set(re.findall(r'name="csrf_token" value="([^"]+)"', client.get(page).text)) for page in pages}

    assert tokens == {page: {arena.csrf(ME)} for page in pages}


def post(client: httpx.Client, url: str, fields: dict[str, str] | dict[str, str | list[str]],
         token: str | None) -> httpx.Response:
    data = dict(fields) if token is None else {**fields, "csrf_token": token}
    return client.post(url, data=data)
