"""The residents' web chat over real HTTP: a signed identity per browser, and an inbox that brings what the
office sends (the closed ticket and its 满意 / 不满意 question) after the page's cursor, each message once."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.web.identity import new_identity, sender_of
from bot.office.ticket_actions import close_ticket
from storage.models import Staff, Ticket, TicketStatus
from storage.profile import load_profile
from tests.conftest import DEMO_PROFILE
from tests.web.conftest import APP_CLOCK
from tests.web.seeding import in_database

REPORT = "3栋2单元楼道里的下水道堵了，臭了好几天"


def identity(client: httpx.Client) -> dict[str, str]:
    answer = client.post("/api/web/identity")
    assert answer.status_code == 200
    return {"X-Resident-Token": answer.json()["token"]}


def say(client: httpx.Client, who: dict[str, str], text: str) -> list[dict[str, object]]:
    answer = client.post("/api/web/messages", headers=who, json={"text": text, "community": "baiyang"})
    assert answer.status_code == 200, answer.text
    replies: list[dict[str, object]] = answer.json()
    return replies


def close(database_url: str, number: str) -> None:
    async def work(session: AsyncSession) -> None:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, load_profile(DEMO_PROFILE), number, assignee.key, "已疏通", APP_CLOCK())

    in_database(database_url, work, APP_CLOCK)


def status_of(database_url: str, number: str) -> str:
    async def work(session: AsyncSession) -> str:
        return str(await session.scalar(select(Ticket.status).where(Ticket.number == number)))

    return in_database(database_url, work)


def test_a_token_names_its_resident_and_an_altered_or_foreign_one_names_nobody() -> None:
    token = new_identity("the-secret")
    sender = sender_of(token, "the-secret")

    assert sender is not None
    assert sender.startswith("w")
    assert sender_of(token, "another-secret") is None
    assert sender_of(token[:-1] + ("A" if token[-1] != "A" else "B"), "the-secret") is None
    version, _, signature = token.split(".")
    assert sender_of(f"{version}.w{'0' * 24}.{signature}", "the-secret") is None
    assert sender_of("", "the-secret") is None


def test_messages_and_the_inbox_refuse_a_missing_or_forged_identity(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        real = identity(client)
        forged = {"X-Resident-Token": new_identity("not-the-servers-secret")}
        answers = [client.post("/api/web/messages", json={"text": "你好"}),
                   client.post("/api/web/messages", headers=forged, json={"text": "你好"}),
                   client.get("/api/web/inbox"), client.get("/api/web/inbox", headers=forged)]
        allowed = client.get("/api/web/inbox", headers=real)

    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    assert allowed.status_code == 200
    assert allowed.json() == {"messages": [], "cursor": 0}


def test_the_closed_ticket_reaches_the_page_once_and_its_button_reopens_it(server: str, database_url: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        resident, neighbour = identity(client), identity(client)
        replies = say(client, resident, REPORT)
        [number] = re.findall(r"GD\d{8}-\d{4}", str(replies[0]["text"]))
        say(client, neighbour, "你好")
        close(database_url, number)

        arrived = client.get("/api/web/inbox", headers=resident, params={"after": 0, "wait": 20}).json()
        cursor = arrived["cursor"]
        again = client.get("/api/web/inbox", headers=resident, params={"after": cursor}).json()
        for_neighbour = client.get("/api/web/inbox", headers=neighbour).json()
        [closed] = arrived["messages"]
        unhappy = next(c for c in closed["choices"] if c["label"] == "不满意")
        say(client, resident, unhappy["payload"])

    assert number in closed["text"]
    assert "已疏通" in closed["text"]
    assert [c["label"] for c in closed["choices"]] == ["满意", "不满意"]
    assert cursor == closed["id"]
    assert again == {"messages": [], "cursor": cursor}
    assert for_neighbour == {"messages": [], "cursor": 0}
    assert status_of(database_url, number) == TicketStatus.REOPENED
