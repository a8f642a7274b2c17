"""One role reaching another's data by id or number: a building lead acting on tickets of buildings
they do not lead (console and Telegram), an area lead acting on another area's ticket, a secretary on
another community's, clues read by anyone but the community's own police, a ticket handed to staff of
another community, a ledger of another community, another web resident's stored replies, and what the
public Open311 API shows of a ticket with personal data in it. (tests/web covers an area lead opening
and claiming another area's ticket, the secretary and admin refused clues, and notices across
communities.)"""

from __future__ import annotations

import json

import pytest

from tests.attacks.arena import Arena
from tests.attacks.callbacks import post_update, telegram_update
from tests.web.open311.support import ID_NUMBER, V2

ACTIONS = {"claim": {}, "assign": {"staff_key": "by-win-01"}, "reply": {"text": "我来处理"},
           "close": {"result": "已处理"}, "reopen": {"reason": "重新处理"}}
KEEPING_TEXT = {"reply", "close", "reopen"}
"""Refused, these show a ticket one may see again with what was typed (and that showing is audited too)."""
BUILDING_LEAD_OF_12 = 700100116  # by-bld-06 (buildings 12 and 13) on Telegram


def attempts(arena: Arena, who: str, number: str) -> dict[str, int]:
    client, token = arena.staff(who), arena.csrf(who)
    return {action: client.post(f"/console/tickets/{number}/{action}", data={**fields, "csrf_token": token}
                                ).status_code for action, fields in ACTIONS.items()}


@pytest.mark.parametrize(("who", "ticket", "may_see"), [
    ("by-bld-06", "a1_drain", False),  # building 3: not one of theirs
    ("by-bld-06", "a1_light", True),  # building 12 is theirs, but the service team handles it
    ("by-area-06", "a1_light", False),  # 东一片's, not 北片's
    ("qs-sec-01", "a1_drain", False),  # another community's secretary
    ("by-police-01", "a6_drain", False),
    ("by-win-01", "a1_drain", False),
])
def test_staff_cannot_act_on_a_ticket_outside_their_remit(arena: Arena, who: str, ticket: str,
                                                          may_see: bool) -> None:
    number = arena.tickets[ticket]
    state, counts = arena.ticket_state(number), arena.table_counts()

    page = arena.staff(who).get(f"/console/tickets/{number}")
    tried = attempts(arena, who, number)
    after = arena.table_counts()

    assert page.status_code == (200 if may_see else 403)
    assert tried == dict.fromkeys(ACTIONS, 403)
    assert arena.ticket_state(number) == state
    shown = 1 + len(KEEPING_TEXT & ACTIONS.keys()) if may_see else 0
    assert after.pop("audit_log") - counts.pop("audit_log") == shown  # every page seen is audited
    assert after == counts


@pytest.mark.parametrize(("who", "area", "own"), [
    ("by-area-06", "a1", set()), ("by-bld-06", "a1", {"a1_light"}), ("qs-area-01", "a6", set()),
    ("qs-sec-01", "a1", {"qs_drain"}),  # 青水社区 has an area a1 too: only its own tickets show
])
def test_the_queue_filtered_to_another_area_shows_only_the_roles_own_tickets(arena: Arena, who: str, area: str,
                                                                             own: set[str]) -> None:
    for status in ("open", "all"):
        page = arena.staff(who).get("/console/tickets", params={"area": area, "status": status})
        assert page.status_code == 200
        assert {name for name, number in arena.tickets.items() if number in page.text} == own


def test_a_building_lead_on_telegram_cannot_act_on_or_read_a_ticket_outside_their_remit(arena: Arena) -> None:
    number = arena.tickets["a1_drain"]
    before = arena.ticket_state(number)
    sent_before = len(arena.telegram_api.sent_messages(BUILDING_LEAD_OF_12))
    with arena.anonymous() as client:
        answers = [post_update(client, telegram_update(BUILDING_LEAD_OF_12, text)).status_code
                   for text in (f"转 {number} 叶艳", f"/ticket {number}")]  # handing on; reading (as closing)
    arena.telegram_api.wait_for(lambda: len(arena.telegram_api.sent_messages(BUILDING_LEAD_OF_12)) >= sent_before + 2,
                                timeout=10)
    replies = [m["text"] for m in arena.telegram_api.sent_messages(BUILDING_LEAD_OF_12)[sent_before:]]

    assert answers == [200, 200]
    assert arena.ticket_state(number) == before
    assert not [reply for reply in replies if "下水道" in reply or "501" in reply]


def test_only_the_communitys_own_police_read_its_clues(arena: Arena) -> None:
    refused = {who: arena.staff(who).get("/console/clues") for who in (
        "by-area-01", "by-bld-01", "by-win-01", "by-svc-01", "qs-sec-01")}
    other_police = arena.staff("qs-police-01").get("/console/clues")
    own_police = arena.staff("by-police-01").get("/console/clues")

    assert {who: r.status_code for who, r in refused.items()} == dict.fromkeys(refused, 403)
    assert all(arena.clue_text not in r.text for r in refused.values())
    assert other_police.status_code == 200
    assert arena.clue_text not in other_police.text
    assert arena.clue_text in own_police.text


def test_a_ticket_cannot_be_handed_to_staff_of_another_community(arena: Arena) -> None:
    number = arena.open_ticket("6栋楼道里的下水道堵了，臭了好几天", "handed-across")
    before = arena.ticket_state(number)

    handed = arena.staff("by-sec-01").post(f"/console/tickets/{number}/assign", data={
        "staff_key": "qs-sec-01", "csrf_token": arena.csrf("by-sec-01")})

    assert handed.status_code == 404
    assert arena.ticket_state(number) == before
    assert arena.staff("qs-sec-01").get(f"/console/tickets/{number}").status_code == 403


def test_a_secretary_asking_for_another_communitys_ledger_gets_their_own(arena: Arena) -> None:
    answer = arena.staff("qs-sec-01").get("/console/ledger.xlsx", params={"month": "2026-11", "community": "baiyang"})

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="ledger-qingshui-2026-11.xlsx"'


def test_another_web_resident_naming_the_same_message_id_gets_no_stored_replies(arena: Arena) -> None:
    first = {"sender_id": "victim-1", "text": "7栋2单元楼道里的下水道堵了", "message_id": "m-1", "community": "baiyang"}
    with arena.anonymous() as client:
        victim = client.post("/api/chat", json=first).json()
        retried = client.post("/api/chat", json=first).json()
        thief = client.post("/api/chat", json={**first, "sender_id": "thief-1", "text": "你好"}).json()

    assert retried == victim  # the victim's own retry: the stored replies
    assert "GD" in victim[0]["text"]
    assert all("7栋" not in reply["text"] and "GD" not in reply["text"] for reply in thief)


def test_open311_shows_a_chat_ticket_without_its_personal_data(arena: Arena) -> None:
    text = f"8栋2单元502室门口下水道堵了，我叫王秀英，电话13912345678，身份证{ID_NUMBER}"
    number = arena.open_ticket(text, "open311-private")
    with arena.anonymous() as client:
        one = client.get(f"{V2}/requests/{number}.json")
        listed = client.get(f"{V2}/requests.json", params={"service_request_id": number})
        elsewhere = client.get(f"{V2}/requests/{number}.json", params={"jurisdiction_id": "qingshui"})

    assert (one.status_code, listed.status_code, elsewhere.status_code) == (200, 200, 404)
    for body in (one.text, listed.text):
        flat = json.dumps(json.loads(body), ensure_ascii=False)
        assert number in flat
        for secret in ("13912345678", ID_NUMBER, "502", "2单元", "王秀英", "open311-private"):
            assert secret not in flat, secret
