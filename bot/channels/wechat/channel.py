"""The WeChat official account as a channel: residents write to `/wechat`; replies, customer-service
messages and subscribe messages go back through the platform's API, and voice notes' audio is fetched from it
where the outbox is delivered."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import State

from bot.channels.plugin import Channel, Plugged, WorkerPlace
from bot.channels.wechat.inbound import CHANNEL as NAME
from bot.settings import Settings
from bot.workers.polling import running

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _routes(_settings: Settings) -> list[APIRouter]:
    from bot.channels.wechat.route import router

    return [router]


async def _open_in_app(runtime: Runtime, stack: AsyncExitStack, state: State) -> Plugged:
    from bot.channels.media import VoiceFetcher
    from bot.channels.wechat.media import wechat_download
    from bot.channels.wechat.responder import SpoolTakeOver
    from bot.channels.wechat.setup import build_official_account
    from bot.channels.wechat.tokens import opened_token_engine

    account = build_official_account(runtime, opened_token_engine(runtime.settings.database_url, stack))
    state.official_account = account
    stack.push_async_callback(account.responder.close)
    await stack.enter_async_context(running(SpoolTakeOver(account.responder)))
    if runtime.settings.in_app_worker:
        fetcher = VoiceFetcher(runtime.sessions, NAME, wechat_download(account.responder.sender.client))
        await stack.enter_async_context(running(fetcher))
    return Plugged(residents=account.responder.sender)


async def _open_in_worker(place: WorkerPlace, stack: AsyncExitStack) -> Plugged:
    from bot.channels.media import VoiceFetcher
    from bot.channels.wechat.media import wechat_download
    from bot.channels.wechat.sender import WeChatSender
    from bot.channels.wechat.tokens import official_account_client, opened_token_engine

    engine = opened_token_engine(place.settings.database_url, stack)
    client = official_account_client(place.settings, engine, place.clock)
    await stack.enter_async_context(running(VoiceFetcher(place.sessions, NAME, wechat_download(client))))
    return Plugged(residents=WeChatSender(place.sessions, client, place.profile,
                                          place.settings.wechat_subscribe_template_id, clock=place.clock))


CHANNEL = Channel(NAME, lambda settings: settings.wechat_token is not None, _routes, _open_in_app, _open_in_worker,
                  pushes_to_residents=True, commands="bot.channels.wechat.cli:wechat_app")
