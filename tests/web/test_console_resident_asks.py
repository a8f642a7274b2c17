"""What a resident asks a person to act on shows in the queue and at the top of the ticket page, over real HTTP: a
report withdrawn (until staff answer the resident on it) and a certificate to be brought to the door; a certificate
ticket shows what is asked for, its ID number masked."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.console.labels import console_labels
from tests.conftest import DEMO_PROFILE
from tests.web.test_console import csrf_of, give_passwords, signed_in

WORDS = console_labels(DEMO_PROFILE)
ID_NUMBER = "110101199003074514"


def chat(server: str, sender: str, *texts: str) -> list[list[dict[str, Any]]]:
    with httpx.Client(base_url=server, timeout=10) as client:
        return [client.post("/api/chat", json={"sender_id": sender, "text": text, "message_id": f"{sender}-{i}",
                                               "community": "baiyang"}).json() for i, text in enumerate(texts)]


def ticket_number(replies: list[list[dict[str, Any]]]) -> str:
    found = re.search(r"GD\d{8}-\d{4}", " ".join(reply["text"] for turn in replies for reply in turn))
    assert found is not None, replies
    return found.group(0)


def queue_row(queue: str, number: str) -> str:
    found = re.search(rf'<tr class="ticket-row" data-number="{number}">.*?</tr>', queue, flags=re.S)
    assert found is not None
    return found.group(0)


def test_a_withdrawn_report_is_flagged_in_the_queue_and_on_its_page_until_staff_answer_it(
        server: str, database_url: str) -> None:
    number = ticket_number(chat(server, "web-withdraw", "3栋2单元楼道里的下水道堵了，臭了好几天", "谢谢",
                                "这个单子撤了吧 已经通了"))
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        queue = client.get("/console/tickets").text
        page = client.get(f"/console/tickets/{number}").text
        client.post(f"/console/tickets/{number}/claim", data={"csrf_token": csrf_of(page)})
        queue_claimed = client.get("/console/tickets").text
        client.post(f"/console/tickets/{number}/reply",
                    data={"csrf_token": csrf_of(page), "text": "好的，我们去看一下"})
        queue_after = client.get("/console/tickets").text
        page_after = client.get(f"/console/tickets/{number}").text

    assert WORDS["ask_withdrawn"] in queue_row(queue, number)
    banner = rf'class="resident-ask"[^>]*><strong>{WORDS["ask_withdrawn"]}</strong>：这个单子撤了吧 已经通了'
    assert re.search(banner, page)
    assert WORDS["ask_withdrawn"] in queue_row(queue_claimed, number)  # whoever claims it still sees it
    assert WORDS["ask_withdrawn"] not in queue_row(queue_after, number)
    assert 'class="resident-ask"' not in page_after


def test_a_certificate_page_shows_what_is_asked_for_the_id_masked_and_a_delivery_asked(
        server: str, database_url: str) -> None:
    number = ticket_number(chat(server, "web-cert", "帮我开个居住证明", "本人", ID_NUMBER, "孩子上学要用",
                                "13912345678", "确认", "能送到家吗 俺腿脚不好"))
    give_passwords(database_url, "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        queue = client.get("/console/tickets").text
        page = client.get(f"/console/tickets/{number}").text

    assert WORDS["ask_delivery"] in queue_row(queue, number)
    certificate = re.search(r'<dl class="certificate">.*?</dl>', page, flags=re.S)
    assert certificate is not None
    shown = re.sub(r"<[^>]+>", " ", certificate.group(0))
    for said in ("居住证明", "本人", "110101********4514", "孩子上学要用", WORDS["certificate_handover_delivery"]):
        assert said in shown
    assert ID_NUMBER not in page
    assert "能送到家吗 俺腿脚不好" in page
