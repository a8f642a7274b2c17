"""Signing in and out of the console."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.console import sessions
from bot.console.sessions import SESSION_LIFETIME, SignInThrottled
from bot.web.console.deps import COOKIE, CurrentStaff, FormStaff, render
from bot.web.deps import RuntimeDep

router = APIRouter(prefix="/console")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return render(request, runtime, "sign_in.html", None, problem="")


@router.post("/sign-in")
async def sign_in(request: Request, runtime: RuntimeDep, username: Annotated[str, Form()],
                  password: Annotated[str, Form()]) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        async with runtime.sessions() as session, session.begin():
            started = await sessions.sign_in(session, username.strip(), password, client, datetime.now(UTC))
    except SignInThrottled as throttled:
        return render(request, runtime, "sign_in.html", None, status=throttled.status, problem="sign_in_throttled")
    if started is None:
        return render(request, runtime, "sign_in.html", None, status=401, problem="sign_in_refused")
    token, _ = started
    response = RedirectResponse("/console/tickets", status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=runtime.settings.environment == "production", path="/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, runtime: RuntimeDep, me: FormStaff) -> Response:
    async with runtime.sessions() as session, session.begin():
        await sessions.sign_out(session, request.cookies.get(COOKIE))
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("", include_in_schema=False)
async def home(me: CurrentStaff) -> Response:
    return RedirectResponse("/console/tickets", status_code=303)
