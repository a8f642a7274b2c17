"""SQL in every parameter a request can carry, on SQLite and PostgreSQL: every console filter (the
ticket queue's status, intake type, category, area, assignee and overdue; the dashboard's dates; the
ledger's month and community; the compose page's kind and community; the bookings' day and community), the
record a path names, the forms' free fields, sign-in, and every Open311 parameter. Each answer is an ordinary
one (200 with fewer rows, or a 4xx), never a 500, never a row the role may not see; the tables are all still
there and no row was added or lost, and no payload ever reached the database as SQL text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import event

from tests.attacks.arena import Arena
from tests.web.open311.support import V2
from tests.web.test_console import csrf_of

PAYLOADS = (
    "' OR '1'='1", "' OR 1=1 --", "1; DROP TABLE tickets--", "') UNION SELECT number, description FROM tickets --",
    "\" OR \"\"=\"", "'||(SELECT pg_sleep(2))||'", "1 OR SLEEP(2)", "%' OR '%'='", "\\' OR 1=1 #",
    "a1' OR '1'='1", "GD20261123-0001' OR 'a'='a", "' OR 1=1\x00", "A" * 5000, "１＝１", "99999999999999999999",
)
"""One of each kind: quotes closed, comments, stacked statements, UNION, other quoting, time delays (PostgreSQL,
MySQL), LIKE wildcards, escapes, a real area key or ticket number widened, a NUL, length, full width, overflow."""
FEW = PAYLOADS[:2] + PAYLOADS[2:3] + PAYLOADS[11:12]
"""Where the query is the same and only the role differs, or the field is free text."""
DATES = ("0001-01-01", "9999-12-31", "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "0000-00-00",
         "2026-13-45T99:99:99", "2026-11-01' OR 1=1 --", "1e999", "NaN")
QUEUE_FILTERS = ("status", "intake_type", "category", "area", "assignee", "overdue")
TICKET = re.compile(r"GD\d{8}-\d{4}")
INJECTED = re.compile(r"sleep\(|'1'\s*=\s*'1|\bor\s+1\s*=\s*1\b|union select number|drop table|'%'\s*=\s*'%", re.I)
"""What a payload looks like inside a statement's own text (bound parameters are not part of it)."""


class Probe:
    """Sends requests and keeps what went wrong, so one run names every bad answer at once; sees the SQL
    the app runs meanwhile."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.sent = 0
        self.statements: list[str] = []
        """What the app ran for the request in hand."""
        self.executed = 0

    def saw(self, _connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        """A `before_cursor_execute` listener on the app's engine."""
        self.statements.append(statement)
        self.executed += 1

    def check(self, send: Callable[..., httpx.Response], url: str, what: str, allowed_numbers: set[str] | None = None,
              statuses: Iterable[int] = (200, 303, 400, 403, 404, 409, 422), **request: Any) -> httpx.Response:
        """`send(url, **request)` (a client's get or post), judged."""
        self.statements.clear()
        try:
            response = send(url, **request)
        except httpx.TransportError as error:  # a server that fell over mid-answer
            self.problems.append(f"{what}: {type(error).__name__} {error}")
            return httpx.Response(599)
        self.sent += 1
        if response.status_code not in set(statuses):
            self.problems.append(f"{what}: {response.status_code} {response.text[:200]!r}")
        self.problems += [f"{what}: ran ...{statement[max(found.start() - 80, 0):found.end() + 80]!r}..."
                          for statement in self.statements if (found := INJECTED.search(statement))]
        if allowed_numbers is not None:
            echoed = set(TICKET.findall(f"{url} {request}"))  # a filter form shows the value it was given
            shown = set(TICKET.findall(response.text)) - allowed_numbers - echoed
            if shown:
                self.problems.append(f"{what}: shows tickets {sorted(shown)} the role may not see")
        return response


@pytest.fixture
def probe(arena: Arena) -> Iterator[Probe]:
    engine = arena.app.state.runtime.engine.sync_engine
    made = Probe()
    event.listen(engine, "before_cursor_execute", made.saw)
    yield made
    event.remove(engine, "before_cursor_execute", made.saw)


def visible_numbers(client: httpx.Client) -> set[str]:
    """What the role's own queue lists, unfiltered: the most it may see."""
    page = client.get("/console/tickets", params={"status": "all"})
    assert page.status_code == 200
    return set(TICKET.findall(page.text))


def test_console_filters_and_paths_answer_sql_plainly_and_show_no_more_than_the_role_sees(
        arena: Arena, probe: Probe) -> None:
    before = arena.table_counts()
    for key, payloads in (("by-area-06", PAYLOADS), ("by-bld-01", FEW), ("by-sec-01", FEW)):
        client = arena.staff(key)
        allowed = visible_numbers(client)
        for payload in payloads:
            for name in QUEUE_FILTERS:
                probe.check(client.get, "/console/tickets", f"{key} tickets?{name}={payload[:30]!r}", allowed,
                            params={name: payload})
            probe.check(client.get, f"/console/tickets/{quote(payload, safe='')}", f"{key} tickets/{payload[:30]!r}",
                        allowed)
        probe.check(client.get, "/console/tickets", f"{key} tickets with unknown page, sort and search", allowed,
                    params={"page": PAYLOADS[0], "sort": PAYLOADS[2], "q": PAYLOADS[3]})
    area_lead = arena.staff("by-area-06")
    allowed = visible_numbers(area_lead)
    for value in (*PAYLOADS, *DATES):
        for params in ({"from": value}, {"to": value}):
            probe.check(area_lead.get, "/console/dashboard", f"dashboard {params}", allowed, params=params)
        for name in ("kind", "community"):
            probe.check(area_lead.get, "/console/notices/new", f"compose {name}={value[:30]!r}", params={name: value})
    admin = arena.staff("admin-01")
    for value in (*PAYLOADS, *DATES):
        for params in ({"month": value}, {"month": "2026-11", "community": value}):
            probe.check(admin.get, "/console/ledger.xlsx", f"ledger {params}", params=params)
    for value in ("0001-01", "9999-12"):
        probe.check(admin.get, "/console/ledger.pdf", f"ledger.pdf {value}", params={"month": value})
    for path in ("/console/audit", "/console/staff", "/console/notices"):
        probe.check(admin.get, path, path, params={name: PAYLOADS[0] for name in ("page", "q", "staff", "action")})
    probe.check(arena.staff("by-police-01").get, "/console/clues", "clues", params={"q": PAYLOADS[3]})
    clerk, clerk_token = arena.staff("by-win-01"), arena.csrf("by-win-01")
    for value in (*FEW, *DATES):  # the day is read as a date before any query; the community is bound
        probe.check(clerk.get, "/console/appointments", f"bookings day={value[:30]!r}", params={"day": value})
        probe.check(admin.get, "/console/appointments", f"admin's bookings community={value[:30]!r}",
                    params={"day": "2026-11-24", "community": value})
        probe.check(clerk.post, f"/console/appointments/{quote(value, safe='')}/done", f"booking done {value[:30]!r}",
                    data={"csrf_token": clerk_token, "day": value})
    secretary = arena.staff("by-sec-01")
    for notice_id in ("0", "-1", "99999999999999999999", quote("1 OR 1=1")):
        probe.check(secretary.get, f"/console/notices/{notice_id}", f"notice {notice_id}")
        probe.check(secretary.get, f"/console/notices/{notice_id}/report.json", f"notice report {notice_id}")

    assert probe.problems == [], "\n".join(probe.problems)
    assert probe.sent > 300
    assert probe.executed > probe.sent, "the probe sees the SQL the app runs"
    after = arena.table_counts()
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the police read the clue, once
    assert after == before


def test_console_form_fields_answer_sql_plainly_and_change_nothing(arena: Arena, probe: Probe) -> None:
    number = arena.open_ticket("5栋楼道里的下水道堵了，臭了好几天", "sql-forms")  # 东一片: the secretary may act
    before = arena.table_counts()
    secretary, token = arena.staff("by-sec-01"), arena.csrf("by-sec-01")
    admin, admin_token = arena.staff("admin-01"), arena.csrf("admin-01")
    for payload in PAYLOADS:
        probe.check(secretary.post, f"/console/tickets/{number}/assign", f"assign {payload[:30]!r}",
                    data={"csrf_token": token, "staff_key": payload})
        probe.check(secretary.post, f"/console/notices/{arena.notice_id}/schedule", f"schedule {payload[:30]!r}",
                    data={"csrf_token": token, "send_at": payload})
        for field in ("community", "area_keys", "building_numbers", "kind"):
            probe.check(admin.post, "/console/notices/preview", f"preview {field}={payload[:30]!r}", data={
                "csrf_token": admin_token, "kind": "announcement", "headline": "通知", "body": "停水", field: payload})

    assert probe.problems == [], "\n".join(probe.problems)
    assert arena.ticket_state(number)[0] == "open"
    assert arena.table_counts() == before


def test_sign_in_with_sql_for_a_name_is_refused_plainly(arena: Arena, probe: Probe) -> None:
    with arena.anonymous() as client:
        for name in ("' OR '1'='1' --", "by-sec-01'--", "\x00"):
            token = csrf_of(client.get("/console/sign-in").text)  # each answer sets a fresh one
            answer = probe.check(client.post, "/console/sign-in", f"sign-in {name!r}", statuses=(400, 401, 429), data={
                "username": name, "password": "' OR '1'='1", "csrf_token": token})
            assert "frontdoor_console" not in answer.cookies

    assert probe.problems == [], "\n".join(probe.problems)


def test_open311_parameters_answer_sql_plainly_in_the_specs_format(arena: Arena, probe: Probe) -> None:
    before = arena.table_counts()
    with arena.anonymous() as client:
        public = set(TICKET.findall(client.get(f"{V2}/requests.json").text))
        for name, values in (("service_request_id", PAYLOADS), ("service_code", PAYLOADS), ("status", PAYLOADS),
                             ("jurisdiction_id", PAYLOADS), ("start_date", (*FEW, *DATES)),
                             ("end_date", (*FEW, *DATES)), ("api_key", FEW), ("lat", FEW), ("long", FEW)):
            for value in values:
                answer = probe.check(client.get, f"{V2}/requests.json", f"requests?{name}={value[:30]!r}", public,
                                     params={name: value})
                if name == "service_request_id" and answer.status_code == 200 and answer.json() != []:
                    probe.problems.append(f"service_request_id={value[:30]!r} found {answer.text[:100]}")
        for value in PAYLOADS:
            probe.check(client.get, f"{V2}/services.json", f"services?jurisdiction_id={value[:30]!r}",
                        params={"jurisdiction_id": value})
            probe.check(client.get, f"{V2}/requests/{quote(value, safe='')}.json", f"requests/{value[:30]!r}.json",
                        public)
            probe.check(client.post, f"{V2}/requests.json", f"POST api_key={value[:30]!r}", data={
                "api_key": value, "service_code": "drain_blocked", "description": "下水道堵了", "address_id": value})

    assert probe.problems == [], "\n".join(probe.problems)
    assert arena.table_counts() == before


def test_open311_filing_fields_answer_sql_plainly(arena: Arena, probe: Probe) -> None:
    key = arena.open311_key()
    located = {"address_id": "baiyang:3"}
    with arena.anonymous() as client:
        for name, values in (("service_code", PAYLOADS), ("address_id", PAYLOADS), ("address_string", PAYLOADS),
                             ("jurisdiction_id", PAYLOADS), ("lat", (*FEW, *DATES[-2:])), ("long", FEW),
                             ("description", FEW), ("account_id", FEW), ("email", FEW), ("phone", FEW)):
            for value in values:
                where = {"lat": "30.2861", "long": "120.149135"} if name in {"lat", "long"} else located
                fields = {"api_key": key, "service_code": "drain_blocked", "description": "下水道堵了", **where,
                          name: value}
                probe.check(client.post, f"{V2}/requests.json", f"POST {name}={value[:30]!r}",
                            statuses=(201, 400, 404), data=fields)

    assert probe.problems == [], "\n".join(probe.problems)
