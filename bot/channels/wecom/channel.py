"""WeCom as a channel for staff: new-ticket cards go out through its API, and staff commands come back
to `/wecom`."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import State

from bot.channels.plugin import Channel, Plugged, WorkerPlace
from bot.channels.wecom.notifier import CHANNEL as NAME
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _routes(_settings: Settings) -> list[APIRouter]:
    from bot.channels.wecom.route import router

    return [router]


async def _open_in_app(runtime: Runtime, stack: AsyncExitStack, state: State) -> Plugged:
    from bot.channels.wechat.tokens import opened_token_engine
    from bot.channels.wecom.setup import build_wecom

    wecom = build_wecom(runtime, opened_token_engine(runtime.settings.database_url, stack))
    state.wecom_callback = wecom.callback
    return Plugged(staff=wecom.notifier)


async def _open_in_worker(place: WorkerPlace, stack: AsyncExitStack) -> Plugged:
    from bot.channels.wechat.tokens import opened_token_engine, wecom_client
    from bot.channels.wecom.notifier import WeComNotifier

    settings = place.settings
    engine = opened_token_engine(settings.database_url, stack)
    return Plugged(staff=WeComNotifier(place.sessions, place.profile, wecom_client(settings, engine, place.clock),
                                       settings.wecom_agent_id, settings.public_url, place.clock))


CHANNEL = Channel(NAME, lambda settings: settings.wecom_token is not None, _routes, _open_in_app, _open_in_worker)
