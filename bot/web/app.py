"""App factory. The runtime (profile, database, NLU) is built in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from bot.channels.telegram.sender import CHANNEL as TELEGRAM
from bot.channels.telegram.setup import start_telegram, stop_telegram
from bot.channels.wechat.inbound import CHANNEL as WECHAT
from bot.channels.wechat.security import CallbackRejected
from bot.channels.wechat.setup import build_official_account
from bot.channels.wechat.tokens import token_engine
from bot.channels.wecom.notifier import CHANNEL as WECOM
from bot.channels.wecom.setup import build_wecom
from bot.delivery import OutboxDispatcher
from bot.polling import running
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from bot.web import chat, demo, open311, telegram, wechat, wecom
from bot.web.bodies import RequestGuard
from bot.web.console import admin as console_admin
from bot.web.console import clues as console_clues
from bot.web.console import errors as console_errors
from bot.web.console import notice_page as console_notice_page
from bot.web.console import notices as console_notices
from bot.web.console import numbers as console_numbers
from bot.web.console import signin as console_signin
from bot.web.console import tickets as console_tickets
from bot.worker import assemble_worker, worker_name
from storage.clock import Clock, system_clock

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None,
               clock: Clock = system_clock) -> FastAPI:
    """A given `runtime` is used as is (tests); otherwise one is started from `settings` on `clock`."""

    configured = runtime.settings if runtime else settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = runtime or await start_runtime(configured, clock)
        app.state.runtime = started
        async with AsyncExitStack() as stack:
            if runtime is None:
                stack.push_async_callback(started.close)
            dispatcher = OutboxDispatcher(started.sessions, worker=worker_name(), clock=started.clock)
            if configured.wechat_token is not None or configured.wecom_token is not None:
                engine = token_engine(configured.database_url)  # both keep their API tokens through it
                stack.callback(engine.dispose)
            if configured.wechat_token is not None:
                account = build_official_account(started, engine)
                app.state.official_account = account
                dispatcher.residents[WECHAT] = account.responder.sender
                stack.push_async_callback(account.responder.drain)
            if configured.wecom_token is not None:
                wecom_channel = build_wecom(started, engine)
                app.state.wecom_callback = wecom_channel.callback
                dispatcher.staff[WECOM] = wecom_channel.notifier
            if configured.telegram_token is not None:
                telegram_channel = await start_telegram(started)
                stack.push_async_callback(stop_telegram, telegram_channel)
                app.state.telegram = telegram_channel
                app.state.telegram_webhook_secret = (configured.telegram_webhook_secret.get_secret_value()
                                                     if configured.telegram_webhook_secret else "")
                dispatcher.residents[TELEGRAM] = dispatcher.staff[TELEGRAM] = telegram_channel.sender
            if configured.in_app_worker:
                telegram_sender = app.state.telegram.sender if configured.telegram_token is not None else None
                worker = assemble_worker(configured, started.sessions, started.profile, dispatcher, telegram_sender,
                                         started.clock)
                await stack.enter_async_context(running(worker))
            yield

    app = FastAPI(title="frontdoor", lifespan=lifespan)
    app.add_middleware(RequestGuard)
    app.include_router(open311.router)
    if configured.wechat_token is not None:
        app.include_router(wechat.router)
    if configured.wecom_token is not None:
        app.include_router(wecom.router)
    if configured.telegram_token is not None and configured.telegram_webhook_secret is not None:
        app.include_router(telegram.router)
    if configured.demo_pages:  # the demo's chat takes any sender id it is given: never in production
        app.include_router(chat.router)
        app.include_router(demo.router)
    app.mount("/static", StaticFiles(directory=demo.STATIC), name="static")
    for console in (console_signin, console_tickets, console_notices, console_notice_page, console_numbers,
                    console_clues, console_admin):
        app.include_router(console.router, include_in_schema=False)
    console_errors.install(app)

    @app.exception_handler(CallbackRejected)
    async def _rejected_callback(request: Request, error: CallbackRejected) -> PlainTextResponse:
        log.warning("%s %s refused: %s", request.method, request.url.path, error)
        return PlainTextResponse(str(error), status_code=error.status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
