"""公示 and 议事 in the console over real HTTP: a 公示 with a private term is refused in Chinese with the text
kept, one published counts the objection filed against it and closes with its result (also in the ledger); a
proposal from a resident's suggestion is opened and closed with its counts, and no voter is ever named."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.labels import console_labels
from bot.office.objections import file_objection
from bot.office.ticketing import TicketRequest, open_ticket
from bot.office.votes import cast_vote
from storage.models import Building, Community, Proposal, Publicity, Resident
from storage.profile import Profile
from tests.conftest import DEMO_PROFILE
from tests.web.conftest import APP_CLOCK
from tests.web.seeding import in_database
from tests.web.test_console import csrf_of, give_passwords, signed_in

WORDS = console_labels(DEMO_PROFILE)
DIBAO = {"subject": "dibao", "title": "2026年第四季度低保审核结果公示",
         "body": "经入户调查和评议，下列家庭符合最低生活保障条件：张建国、李秀英。", "window_days": "7",
         "building_numbers": ""}
RESIDENT_NAME, RESIDENT_PHONE = "钱学军", "13800001111"
"""Every seeded resident's: an anonymous objector's or a voter's must show on no page."""
SUGGESTION = "建议在3栋旁边的空地装两个充电桩，电动车就不用拉电线上楼了"


def created_id(answer: httpx.Response, kind: str) -> int:
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(rf"/console/{kind}/(\d+)", answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return int(found.group(1))


def seed_resident(database_url: str, building: str, room: str) -> int:
    async def seed(session: AsyncSession) -> int:
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        found = (await session.scalars(select(Building).where(Building.community_id == community.id,
                                                              Building.number == building))).one()
        resident = Resident(community_id=community.id, building_id=found.id, unit="1", room=room,
                            display_name=RESIDENT_NAME, phone=RESIDENT_PHONE)
        session.add(resident)
        await session.flush()
        return resident.id

    return in_database(database_url, seed, APP_CLOCK)


def object_to(database_url: str, profile: Profile, publicity_id: int, resident_id: int) -> str:
    """An anonymous objection, filed as the chat files it; the ticket's number."""
    async def file(session: AsyncSession) -> str:
        publicity = await session.get_one(Publicity, publicity_id)
        resident = await session.get_one(Resident, resident_id)
        opened = await file_objection(session, profile, publicity, resident, "web", "张建国家里有车，不符合条件",
                                      APP_CLOCK())
        return opened.ticket.number or ""

    return in_database(database_url, file, APP_CLOCK)


def suggest(database_url: str, profile: Profile, resident_id: int) -> str:
    async def file(session: AsyncSession) -> str:
        community = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        resident = await session.get_one(Resident, resident_id)
        opened = await open_ticket(session, profile, TicketRequest(
            community=community, resident=resident, channel="web", category=profile.categories["resident_suggestion"],
            description=SUGGESTION), APP_CLOCK())
        return opened.ticket.number or ""

    return in_database(database_url, file, APP_CLOCK)


def vote(database_url: str, proposal_id: int, resident_id: int, option: int) -> None:
    async def cast(session: AsyncSession) -> None:
        proposal = await session.get_one(Proposal, proposal_id)
        await cast_vote(session, proposal, await session.get_one(Resident, resident_id), option, APP_CLOCK())

    in_database(database_url, cast, APP_CLOCK)


def test_a_publicity_with_a_private_term_is_refused_in_chinese_and_the_text_is_kept(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    body = "下列家庭符合最低生活保障条件：王小明（患尿毒症，需长期透析）。"

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get("/console/publicity/new").text)
        refused = client.post("/console/publicity", data={**DIBAO, "body": body, "csrf_token": token})
        listed = client.get("/console/publicity")

    assert refused.status_code == 422
    assert WORDS["publicity_problem_forbidden_term"] in refused.text
    assert "透析" in refused.text
    assert body in refused.text
    assert DIBAO["title"] in refused.text
    assert WORDS["no_publicity"] in listed.text


def test_a_published_publicity_counts_its_objections_and_closes_with_the_outcome(
        server: str, database_url: str, profile: Profile) -> None:
    give_passwords(database_url, "by-sec-01", "by-bld-01", "qs-sec-01")
    resident = seed_resident(database_url, "3", "301")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get("/console/publicity/new").text)
        publicity_id = created_id(client.post("/console/publicity", data={**DIBAO, "csrf_token": token}),
                                  "publicity")
        draft = client.get(f"/console/publicity/{publicity_id}")
        published = client.post(f"/console/publicity/{publicity_id}/publish", data={"csrf_token": token})
        number = object_to(database_url, profile, publicity_id, resident)
        watched = client.get(f"/console/publicity/{publicity_id}")
        listed = client.get("/console/publicity")
        objection = client.get(f"/console/tickets/{number}")
        closed = client.post(f"/console/publicity/{publicity_id}/close",
                             data={"csrf_token": token, "outcome": "经入户核实，车辆已于去年转让，仍符合条件。"})
        result = client.get(f"/console/publicity/{publicity_id}")
        ledger = client.get("/console/ledger.xlsx?month=2026-11")
    with signed_in(server, "by-bld-01") as building_lead:
        seen_by_lead = building_lead.get(f"/console/publicity/{publicity_id}")
        refused = building_lead.post(f"/console/publicity/{publicity_id}/close",
                                     data={"csrf_token": csrf_of(seen_by_lead.text)})
    with signed_in(server, "qs-sec-01") as other_community:
        elsewhere = other_community.get(f"/console/publicity/{publicity_id}")
        their_list = other_community.get("/console/publicity")

    assert WORDS["publicity_names_warning"] in draft.text
    assert "张建国" in draft.text
    assert published.status_code == 303
    assert WORDS["publicity_stage_open"] in watched.text
    assert number in watched.text
    assert f"{WORDS['publicity_objections']}（1）" in watched.text
    assert WORDS["publicity_anonymous"] in watched.text
    row = re.search(rf'data-id="{publicity_id}".*?</tr>', listed.text, re.S)
    assert row is not None
    assert f"{WORDS['col_objections']} 1" in row.group(0)
    assert f"{WORDS['publicity_closes']} 2026-11-29" in row.group(0)  # 7 days from Monday 23 November
    assert WORDS["objection_to"] in objection.text
    assert DIBAO["title"] in objection.text
    assert WORDS["objection_anonymous"] in objection.text
    for page in (watched.text, objection.text, listed.text):
        assert RESIDENT_NAME not in page
        assert RESIDENT_PHONE not in page
        assert f"#{resident}" not in _text_of(page)
    assert closed.status_code == 303
    assert WORDS["publicity_result_objected"] in result.text
    assert "仍符合条件" in result.text
    assert WORDS["publicity_stage_closed"] in result.text
    sheet = load_workbook(io.BytesIO(ledger.content))["公示"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[4]) for r in rows] == [(DIBAO["title"], "低保", 1)]
    assert str(rows[0][5]).startswith("有异议")
    assert seen_by_lead.status_code == 200
    assert WORDS["publicity_close"] not in seen_by_lead.text
    assert refused.status_code == 403
    assert elsewhere.status_code == 403
    assert DIBAO["title"] not in their_list.text


def test_a_publicity_closed_while_its_objections_are_looked_into_gets_its_outcome_later(
        server: str, database_url: str, profile: Profile) -> None:
    give_passwords(database_url, "by-sec-01")
    resident = seed_resident(database_url, "5", "502")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get("/console/publicity/new").text)
        publicity_id = created_id(client.post("/console/publicity", data={**DIBAO, "csrf_token": token}),
                                  "publicity")
        client.post(f"/console/publicity/{publicity_id}/publish", data={"csrf_token": token})
        object_to(database_url, profile, publicity_id, resident)
        client.post(f"/console/publicity/{publicity_id}/close", data={"csrf_token": token, "outcome": ""})
        awaiting = client.get(f"/console/publicity/{publicity_id}")
        given = client.post(f"/console/publicity/{publicity_id}/close",
                            data={"csrf_token": token, "outcome": "经核实，张建国家车辆为营运用车，维持原结果。"})
        final = client.get(f"/console/publicity/{publicity_id}")

    assert WORDS["publicity_publish_outcome"] in awaiting.text
    assert given.status_code == 303
    assert "维持原结果" in final.text
    assert WORDS["publicity_publish_outcome"] not in final.text


def test_a_suggestion_becomes_a_proposal_whose_counts_show_and_whose_voters_do_not(
        server: str, database_url: str, profile: Profile) -> None:
    give_passwords(database_url, "by-sec-01")
    voters = [seed_resident(database_url, "3", room) for room in ("101", "102", "103")]
    number = suggest(database_url, profile, voters[0])

    with signed_in(server, "by-sec-01") as client:
        ticket = client.get(f"/console/tickets/{number}")
        form = client.get(f"/console/proposals/new?suggestion={number}")
        token = csrf_of(form.text)
        proposal_id = created_id(client.post("/console/proposals", data={
            "csrf_token": token, "suggestion": number, "community": "baiyang", "title": "3栋旁空地装充电桩",
            "body": SUGGESTION, "options": "同意\n不同意\n弃权", "closes_at": "", "building_numbers": "3"}),
            "proposals")
        draft = client.get(f"/console/proposals/{proposal_id}")
        opened = client.post(f"/console/proposals/{proposal_id}/open", data={"csrf_token": token})
        for resident, option in zip(voters, (0, 0, 1), strict=True):
            vote(database_url, proposal_id, resident, option)
        counted = client.get(f"/console/proposals/{proposal_id}")
        closed = client.post(f"/console/proposals/{proposal_id}/close", data={"csrf_token": token})
        final = client.get(f"/console/proposals/{proposal_id}")
        listed = client.get("/console/proposals")
        ticket_after = client.get(f"/console/tickets/{number}")

    assert f'href="/console/proposals/new?suggestion={number}"' in ticket.text
    assert WORDS["to_proposal"] in ticket.text
    assert SUGGESTION in form.text
    assert re.findall(r'class="count">(\d+)<', draft.text) == []
    assert opened.status_code == 303
    assert re.findall(r'class="count">(\d+)<', counted.text) == []  # while voting, a count could give one away
    assert WORDS["proposal_counts_after_close"] in counted.text
    assert re.search(r'data-field="voted">3 / \d+<', counted.text)
    assert closed.status_code == 303
    assert WORDS["proposal_stage_closed"] in final.text
    assert [int(c) for c in re.findall(r'class="count">(\d+)<', final.text)] == [2, 1, 0]
    assert "3栋旁空地装充电桩" in listed.text
    assert WORDS["proposal_made"] in ticket_after.text
    for page in (counted.text, final.text, listed.text):
        assert not {"101", "102", "103", "1/101"} & set(re.findall(r"\b\d+(?:/\d+)?\b", _text_of(page)))
        assert RESIDENT_NAME not in page


def _text_of(page: str) -> str:
    """The page's visible text, without tags and attribute values."""
    return re.sub(r"<[^>]+>", " ", page)


def test_a_proposal_with_one_option_is_refused_with_what_was_typed(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        token = csrf_of(client.get("/console/proposals/new").text)
        refused = client.post("/console/proposals", data={
            "csrf_token": token, "title": "小区东门晚上几点关", "body": "东门关门时间请大家定", "options": "十点"})

    assert refused.status_code == 422
    assert WORDS["proposal_problem_input"] in refused.text
    assert "东门关门时间请大家定" in refused.text


def test_a_window_staff_member_sees_the_pages_but_not_the_forms(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-win-01")

    with signed_in(server, "by-win-01") as client:
        pages = [client.get(url) for url in ("/console/publicity", "/console/proposals")]
        forms = [client.get(url) for url in ("/console/publicity/new", "/console/proposals/new")]

    assert [p.status_code for p in pages] == [200, 200]
    assert WORDS["publicity_new"] not in pages[0].text
    assert [f.status_code for f in forms] == [403, 403]
