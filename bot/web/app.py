"""App factory. The runtime (profile, database, NLU) is built in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from bot.errors import FrontdoorError
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from bot.web import chat, demo


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """A given `runtime` is used as is (tests); otherwise one is started from `settings`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        started = await start_runtime(settings or Settings())
        app.state.runtime = started
        try:
            yield
        finally:
            await started.close()

    app = FastAPI(title="frontdoor", lifespan=lifespan)
    app.include_router(chat.router)
    if (runtime.settings if runtime else settings or Settings()).demo_pages:
        app.include_router(demo.router)
        app.mount("/static", StaticFiles(directory=demo.STATIC), name="static")

    @app.exception_handler(FrontdoorError)
    async def _typed_error(request: Request, error: FrontdoorError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": str(error)}, status_code=error.status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
