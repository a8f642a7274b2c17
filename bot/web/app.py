"""App factory. The runtime (profile, database, NLU) is built in the lifespan, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from bot.channels.wechat.security import CallbackRejected
from bot.channels.wechat.setup import build_official_account
from bot.channels.wechat.tokens import token_engine
from bot.errors import FrontdoorError
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from bot.web import chat, demo, wechat

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """A given `runtime` is used as is (tests); otherwise one is started from `settings`."""

    configured = runtime.settings if runtime else settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = runtime or await start_runtime(configured)
        app.state.runtime = started
        async with AsyncExitStack() as stack:
            if runtime is None:
                stack.push_async_callback(started.close)
            if configured.wechat_token is not None:
                engine = token_engine(configured.database_url)
                stack.callback(engine.dispose)
                app.state.official_account = build_official_account(started, engine)
                stack.push_async_callback(app.state.official_account.responder.drain)
            yield

    app = FastAPI(title="frontdoor", lifespan=lifespan)
    app.include_router(chat.router)
    if configured.wechat_token is not None:
        app.include_router(wechat.router)
    if configured.demo_pages:
        app.include_router(demo.router)
        app.mount("/static", StaticFiles(directory=demo.STATIC), name="static")

    @app.exception_handler(CallbackRejected)
    async def _rejected_callback(request: Request, error: CallbackRejected) -> PlainTextResponse:
        log.warning("%s %s refused: %s", request.method, request.url.path, error)
        return PlainTextResponse(str(error), status_code=error.status)

    @app.exception_handler(FrontdoorError)
    async def _typed_error(request: Request, error: FrontdoorError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": str(error)}, status_code=error.status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
