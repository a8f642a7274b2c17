"""What the Open311 tests share: the spec's field lists, a runtime served over HTTP, API keys, and
tickets reported in chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.office.ticket_actions import close_ticket
from bot.runtime import Runtime
from bot.settings import Settings
from nlu.id_number import check_char
from storage.models import Staff, Ticket
from storage.profile import Profile
from storage.repositories.api_keys import create_api_key
from storage.repositories.directory import get_community
from tests.bot.transcript import Resident, play
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA

V2 = "/open311/v2"
DRAIN = "3栋2单元501室的下水道堵了，臭了好几天"  # grid: building 3's 楼长
LIGHT = "12栋楼道灯坏了，晚上黑灯瞎火的"  # the community's service team
DISPUTE = "5栋邻居天天吵架，矛盾很大，请社区来调解一下"  # a legal matter between people: never published
ID_NUMBER = "11010119900307123" + check_char("11010119900307123")
WINDOW = {"start_date": "2026-11-22T00:00:00+08:00", "end_date": "2026-11-24T00:00:00+08:00"}
SERVICE_FIELDS = {"service_code": str, "service_name": str, "description": str, "metadata": bool, "type": str,
                  "keywords": str, "group": str}
REQUEST_FIELDS: dict[str, Any] = {
    "service_request_id": str, "status": str, "status_notes": (str, type(None)), "service_name": str,
    "service_code": str, "description": str, "agency_responsible": str, "service_notice": (str, type(None)),
    "requested_datetime": str, "updated_datetime": str, "expected_datetime": str, "address": (str, type(None)),
    "address_id": (str, type(None)), "zipcode": (str, type(None)), "lat": (float, type(None)),
    "long": (float, type(None)), "media_url": (str, type(None)),
}


async def new_key(sessions: async_sessionmaker[AsyncSession], community: str | None = None) -> str:
    """A new API key (tied to `community` when given), in plain text."""
    async with sessions() as session, session.begin():
        found = await get_community(session, community) if community else None
        _, plain = await create_api_key(session, "test tool", found.id if found else None, MONDAY_10AM)
    return plain


async def reported(pipeline: Pipeline, text: str, sender: str) -> str:
    """A resident reports in chat (at MONDAY_10AM); the ticket's number."""
    await play(Resident(pipeline, sender), f"居民: {text}\n助手: 已登记")
    async with pipeline.sessions() as session:
        number = await session.scalar(select(Ticket.number).order_by(Ticket.id.desc()).limit(1))
    assert number is not None
    return number


async def close(runtime: Runtime, number: str, result: str) -> None:
    async with runtime.sessions() as session, session.begin():
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        assignee = await session.get_one(Staff, ticket.assignee_id)
        await close_ticket(session, runtime.profile, number, assignee.key, result, MONDAY_10AM + timedelta(hours=1))


def spec_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["code"] == status
    assert isinstance(error["description"], str)
    assert error["description"]
    return str(error["description"])


def check_service_request(item: dict[str, Any]) -> None:
    """Every GeoReport v2 field, with its type; datetimes W3C with the district's offset."""
    assert set(REQUEST_FIELDS) <= set(item)
    for field, kind in REQUEST_FIELDS.items():
        assert isinstance(item[field], kind), (field, item[field])
    assert item["status"] in {"open", "closed"}
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert datetime.fromisoformat(item[field]).utcoffset() == timedelta(hours=8), item[field]


def numbers(items: list[dict[str, Any]]) -> set[str]:
    return {item["service_request_id"] for item in items}


def open311_runtime(database_url: str, profile: Profile, pipeline: Pipeline) -> Runtime:
    """The runtime the app is served with: the pipeline's clock for chat, no in-app worker."""
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA],
                        in_app_worker=False)
    return Runtime(settings, profile, pipeline.sessions.kw["bind"], pipeline.sessions, pipeline)
