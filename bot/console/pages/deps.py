"""What console routes depend on: the signed-in staff member, the CSRF check, the page renderer."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from bot.console.access import services_seen
from bot.console.labels import console_labels
from bot.console.sessions import SignedIn, current
from bot.core.errors import FrontdoorError, PermissionDenied
from bot.runtime import Runtime
from bot.web.deps import RuntimeDep

COOKIE = "frontdoor_console"
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
TEMPLATES.env.undefined = StrictUndefined


class SignInNeeded(FrontdoorError):  # noqa: N818 -- handled by a redirect to the sign-in page
    code = "sign_in_needed"
    status = 401


class CsrfRefused(FrontdoorError):  # noqa: N818
    code = "csrf_refused"
    status = 403


async def signed_in(request: Request, runtime: RuntimeDep) -> SignedIn:
    async with runtime.sessions() as session:
        found = await current(session, request.cookies.get(COOKIE), runtime.clock())
    if found is None:
        raise SignInNeeded("sign in first")
    return found


CurrentStaff = Annotated[SignedIn, Depends(signed_in)]


async def checked_form(me: CurrentStaff, csrf_token: Annotated[str, Form()] = "") -> SignedIn:
    """A form post from a page this session rendered: its CSRF token must match the session's."""
    if not hmac.compare_digest(csrf_token.encode(), me.csrf_token.encode()):
        raise CsrfRefused("the form's CSRF token is missing or wrong")
    return me


FormStaff = Annotated[SignedIn, Depends(checked_form)]


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(what)


def render(request: Request, runtime: Runtime, page: str, me: SignedIn | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, page, {
        "t": console_labels(runtime.profile.root), "me": me.staff if me else None,
        "sees_bookings": me is not None and bool(services_seen(me.staff, runtime.profile.services)),
        "csrf": me.csrf_token if me else "", **context}, status_code=status)
