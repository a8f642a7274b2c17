"""Filing through the Open311 API over real HTTP, on both databases: refused without a valid key,
routed exactly like a chat ticket, located by point or address; and the API-key command."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bot.cli.open311 import open311_app
from bot.conversation.pipeline import Pipeline
from bot.office.ticketing import TicketRequest, open_ticket
from bot.runtime import Runtime
from storage.db import create_engine, create_sessionmaker
from storage.models import ApiKey, Building, ChannelIdentity, Community, OutboxMessage, Resident, Ticket
from storage.profile import Profile
from storage.profile.sync import sync_profile
from storage.repositories.api_keys import revoke_api_key, verify_api_key
from tests.web.open311.support import DRAIN, V2, new_key, reported, spec_error

BAIYANG_12 = (30.286470, 120.150380)  # a few metres from 白杨社区12栋
QINGSHUI_5 = (30.279390, 120.163760)  # a few metres from 青水社区5栋


async def post(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post(f"{V2}/requests.json", data=fields)


async def filed_ticket(sessions: async_sessionmaker[AsyncSession], response: httpx.Response) -> Ticket:
    assert response.status_code == 201, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None
    assert created["service_request_id"] in created["service_notice"]
    async with sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == created["service_request_id"]))
    assert ticket is not None
    return ticket


async def building_of(sessions: async_sessionmaker[AsyncSession], ticket: Ticket) -> tuple[str, str]:
    async with sessions() as session:
        building = await session.get_one(Building, ticket.building_id)
        community = await session.get_one(Community, building.community_id)
    return community.key, building.number


async def test_filing_needs_a_valid_api_key(client: httpx.AsyncClient, runtime: Runtime) -> None:
    fields = {"service_code": "drain_blocked", "description": "下水道堵了", "address_id": "baiyang:3"}
    revoked = await new_key(runtime.sessions)
    async with runtime.sessions() as session, session.begin():
        key = await verify_api_key(session, revoked)
        assert key is not None
        await revoke_api_key(session, key.id)

    assert "api_key" in spec_error(await post(client, **fields), 403)
    spec_error(await post(client, **fields, api_key="o311_wrong"), 403)
    spec_error(await post(client, **fields, api_key=revoked), 403)
    async with runtime.sessions() as session:
        assert await session.scalar(select(Ticket.id).limit(1)) is None


@pytest.mark.parametrize(("service_code", "address"), [
    ("drain_blocked", "白杨社区3栋2单元501"),  # grid: the building lead
    ("lighting", "白杨社区12栋"),  # the community's service team
    ("general", "青水8号楼"),  # the catch-all, by an alias of the community
])
async def test_a_filed_request_is_routed_like_a_chat_ticket(client: httpx.AsyncClient, runtime: Runtime,
                                                            service_code: str, address: str) -> None:
    key = await new_key(runtime.sessions)

    response = await post(client, api_key=key, service_code=service_code, description="这里有问题，请尽快处理",
                          address_string=address, account_id="portal-user-1", phone="+86 139-1234-5678")

    ticket = await filed_ticket(runtime.sessions, response)
    assert (ticket.channel, ticket.category_key) == ("open311", service_code)
    async with runtime.sessions() as session:  # closed without commit: the chat-like ticket is rolled back
        building = await session.get_one(Building, ticket.building_id)
        community = await session.get_one(Community, ticket.community_id)
        resident = await session.get_one(Resident, ticket.resident_id)
        chat_like = await open_ticket(session, runtime.profile, TicketRequest(
            community=community, resident=resident, channel="web", category=runtime.profile.categories[service_code],
            description="x", building=building), ticket.created_at)
        assert (chat_like.ticket.assignee_id, chat_like.ticket.due_at) == (ticket.assignee_id, ticket.due_at)
        alert = await session.scalar(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
        identity = await session.scalar(select(ChannelIdentity).where(ChannelIdentity.resident_id == resident.id))
        api_key = await session.scalar(select(ApiKey))
    assert alert is not None
    assert (alert.kind, alert.staff_id) == ("ticket_assigned", ticket.assignee_id)
    assert resident.phone == "13912345678"
    assert identity is not None
    assert api_key is not None
    assert (identity.channel, identity.external_id) == ("open311", f"{api_key.id}:portal-user-1")


async def test_a_filed_drain_goes_to_whoever_chat_sends_it_to(client: httpx.AsyncClient, runtime: Runtime,
                                                             pipeline: Pipeline) -> None:
    chat_number = await reported(pipeline, DRAIN, "r-1")
    key = await new_key(runtime.sessions)

    filed = await filed_ticket(runtime.sessions, await post(
        client, api_key=key, service_code="drain_blocked", description=DRAIN, address_id="baiyang:3"))

    async with runtime.sessions() as session:
        chat = await session.scalar(select(Ticket).where(Ticket.number == chat_number))
    assert chat is not None
    assert (filed.assignee_id, filed.building_id, filed.intake_type) == (chat.assignee_id, chat.building_id,
                                                                         chat.intake_type)


async def test_lat_long_picks_the_nearest_building(client: httpx.AsyncClient, runtime: Runtime) -> None:
    anywhere = await new_key(runtime.sessions)
    qingshui_only = await new_key(runtime.sessions, "qingshui")
    fields = {"service_code": "sanitation", "description": "垃圾堆了好几天没人清理"}

    near_baiyang = await filed_ticket(runtime.sessions, await post(
        client, **fields, api_key=anywhere, lat=BAIYANG_12[0], long=BAIYANG_12[1]))
    near_qingshui = await filed_ticket(runtime.sessions, await post(
        client, **fields, api_key=qingshui_only, lat=QINGSHUI_5[0], long=QINGSHUI_5[1]))
    outside = await post(client, **fields, api_key=qingshui_only, lat=BAIYANG_12[0], long=BAIYANG_12[1])
    far = await post(client, **fields, api_key=anywhere, lat=31.0, long=121.0)

    assert await building_of(runtime.sessions, near_baiyang) == ("baiyang", "12")
    assert await building_of(runtime.sessions, near_qingshui) == ("qingshui", "5")
    assert "no building" in spec_error(outside, 400)
    assert "no building" in spec_error(far, 400)


async def test_one_account_is_one_resident(client: httpx.AsyncClient, runtime: Runtime) -> None:
    key = await new_key(runtime.sessions)
    fields = {"api_key": key, "service_code": "noise", "description": "楼上半夜装修太吵", "address_id": "baiyang:7"}

    first = await filed_ticket(runtime.sessions, await post(client, **fields, device_id="phone-1"))
    again = await filed_ticket(runtime.sessions, await post(client, **fields, device_id="phone-1"))
    other = await filed_ticket(runtime.sessions, await post(client, **fields, email="someone@example.org"))

    assert first.resident_id == again.resident_id != other.resident_id


@pytest.mark.parametrize(("fields", "says"), [
    ({"description": "下水道堵了", "address_id": "baiyang:3"}, "service_code"),
    ({"service_code": "drains", "description": "下水道堵了", "address_id": "baiyang:3"}, "service_code"),
    ({"service_code": "emergency", "description": "有人晕倒了", "address_id": "baiyang:3"}, "service_code"),
    ({"service_code": "drain_blocked", "address_id": "baiyang:3"}, "description"),
    ({"service_code": "drain_blocked", "description": "下水道堵了"}, "location"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "lat": "30.28"}, "long"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "lat": "north", "long": "120.1"}, "lat"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "address_id": "baiyang:999"}, "address_id"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "address_string": "3栋"}, "community"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "address_id": "baiyang:3",
      "jurisdiction_id": "atlantis"}, "jurisdiction_id"),
    ({"service_code": "drain_blocked", "description": "下水道堵了", "address_id": "baiyang:3", "phone": "12345"},
     "phone"),
])
async def test_an_incomplete_filing_gets_400_in_the_spec_format(client: httpx.AsyncClient, runtime: Runtime,
                                                                fields: dict[str, str], says: str) -> None:
    key = await new_key(runtime.sessions)

    assert says in spec_error(await post(client, api_key=key, **fields), 400)


async def test_a_key_tied_to_a_community_files_only_there(client: httpx.AsyncClient, runtime: Runtime) -> None:
    key = await new_key(runtime.sessions, "qingshui")
    fields = {"api_key": key, "service_code": "lift", "description": "电梯坏了困人"}

    other = await post(client, **fields, address_id="baiyang:3")
    elsewhere = await post(client, **fields, address_id="qingshui:3", jurisdiction_id="baiyang")
    own = await filed_ticket(runtime.sessions, await post(client, **fields, address_string="3栋"))

    assert "outside" in spec_error(other, 400)
    assert "qingshui" in spec_error(elsewhere, 400)
    assert await building_of(runtime.sessions, own) == ("qingshui", "3")


def test_key_create_prints_a_key_once_that_the_api_accepts(database_url: str, profile: Profile,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDOOR_DATABASE_URL", database_url)
    asyncio.run(_load_profile(database_url, profile))
    runner = CliRunner()

    created = runner.invoke(open311_app, ["key-create", "city-portal", "--community", "baiyang"])
    unknown = runner.invoke(open311_app, ["key-create", "city-portal", "--community", "atlantis"])
    listed = runner.invoke(open311_app, ["key-list"])

    assert created.exit_code == 0, created.output
    plain = created.output.strip().splitlines()[-1]
    assert plain.startswith("o311_")
    assert unknown.exit_code == 1
    assert "city-portal" in listed.output
    assert plain not in listed.output
    key = asyncio.run(_verify(database_url, plain))
    assert key is not None
    assert (key.name, key.active) == ("city-portal", True)
    assert runner.invoke(open311_app, ["key-revoke", str(key.id)]).exit_code == 0
    assert asyncio.run(_verify(database_url, plain)) is None


async def _load_profile(database_url: str, profile: Profile) -> None:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await sync_profile(session, profile)
    await engine.dispose()


async def _verify(database_url: str, plain: str) -> ApiKey | None:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session:
        key = await verify_api_key(session, plain)
    await engine.dispose()
    return key
