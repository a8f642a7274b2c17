"""Signing in and out of the console."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.console import sessions
from bot.console.pages.deps import COOKIE, CurrentStaff, FormStaff, render
from bot.console.sessions import SESSION_LIFETIME, AmbiguousName, SignInThrottled
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep

router = APIRouter(prefix="/console")
SIGN_IN_COOKIE = "frontdoor_sign_in"


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _form(request, runtime, "", 200)


def _form(request: Request, runtime: Runtime, problem: str, status: int) -> HTMLResponse:
    """The sign-in form with a fresh CSRF token, also set as a cookie the post must send back (there is
    no session yet to keep it in), so no other site can sign a browser in to an account of its choosing."""
    token = secrets.token_urlsafe(24)
    page = render(request, runtime, "sign_in.html", None, status=status, problem=problem, csrf=token)
    page.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="strict", path="/console/sign-in",
                    secure=_secure(request, runtime))
    return page


@router.post("/sign-in")
async def sign_in(request: Request, runtime: RuntimeDep, username: Annotated[str, Form()],
                  password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "") -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _form(request, runtime, "sign_in_expired", 403)
    client = request.client.host if request.client else "unknown"
    try:
        async with runtime.sessions() as session, session.begin():
            started = await sessions.sign_in(session, username.strip(), password, client, runtime.clock())
    except SignInThrottled as throttled:
        return _form(request, runtime, throttled.code, throttled.status)
    if isinstance(started, AmbiguousName):  # only ever after a right password
        return _form(request, runtime, started.code, started.status)
    if started is None:
        return _form(request, runtime, "sign_in_refused", 401)
    token, _ = started
    response = RedirectResponse("/console/tickets", status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=_secure(request, runtime), path="/console")
    return response


def _secure(request: Request, runtime: Runtime) -> bool:
    """Cookies only over https whenever the page came over https (behind nginx, uvicorn reads the scheme from
    X-Forwarded-Proto of a trusted proxy), and always in production."""
    return request.url.scheme == "https" or runtime.settings.environment == "production"


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
