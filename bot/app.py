"""App factory. The runtime (profile, database, NLU) is built in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from bot.channels.registry import configured_channels, plug_into, push_channels, shared_rate
from bot.channels.wechat.security import CallbackRejected
from bot.console.pages import admin as console_admin
from bot.console.pages import appointments as console_appointments
from bot.console.pages import clues as console_clues
from bot.console.pages import errors as console_errors
from bot.console.pages import notice_page as console_notice_page
from bot.console.pages import notices as console_notices
from bot.console.pages import numbers as console_numbers
from bot.console.pages import proposals as console_proposals
from bot.console.pages import publicity as console_publicity
from bot.console.pages import rota as console_rota
from bot.console.pages import signin as console_signin
from bot.console.pages import tickets as console_tickets
from bot.open311 import routes as open311
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from bot.web import demo, forms
from bot.web.bodies import RequestGuard
from bot.web.headers import SecurityHeaders
from bot.web.static_files import STATIC
from bot.workers.delivery import OutboxDispatcher
from bot.workers.polling import running
from bot.workers.worker import assemble_worker, worker_name
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
            dispatcher = OutboxDispatcher(started.sessions, worker=worker_name(), push_channels=push_channels(),
                                          clock=started.clock)
            plugged = []
            for channel in configured_channels(configured):
                if channel.open_in_app is not None:
                    plugged.append(plug_into(dispatcher, channel, await channel.open_in_app(started, stack,
                                                                                            app.state)))
            if configured.in_app_worker:
                worker = assemble_worker(configured, started.sessions, started.profile, dispatcher,
                                         shared_rate(plugged), started.clock)
                await stack.enter_async_context(running(worker))
            yield

    app = FastAPI(title="frontdoor", lifespan=lifespan)
    app.add_middleware(RequestGuard)
    app.add_middleware(SecurityHeaders, chat_frame_ancestors=configured.web_chat_frame_ancestors)
    app.include_router(open311.router)
    app.include_router(forms.router)
    for channel in configured_channels(configured):
        for router in channel.routes(configured):
            app.include_router(router)
    if configured.demo_pages:  # the demo page and its chat take any sender id given: never in production
        app.include_router(demo.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for console in (console_signin, console_tickets, console_notices, console_notice_page, console_publicity,
                    console_proposals, console_numbers, console_clues, console_admin, console_rota,
                    console_appointments):
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
