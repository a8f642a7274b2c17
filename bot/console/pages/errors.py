"""Console errors as pages: no session sends the browser to sign in; a refusal, a missing ticket or staff member,
a stale form or a form the browser let through incomplete gets a page saying so (in the profile's words, never a
validator's English), with the right status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bot.console.pages.deps import CsrfRefused, SignInNeeded, render
from bot.core.errors import (
    AppointmentNotFoundError,
    FrontdoorError,
    NoticeNotFoundError,
    PermissionDenied,
    StaffNotFoundError,
    TicketNotFoundError,
)

PAGES: dict[type[FrontdoorError], tuple[str, str]] = {
    PermissionDenied: ("forbidden_heading", "forbidden_explanation"),
    TicketNotFoundError: ("not_found_heading", "not_found_explanation"),
    NoticeNotFoundError: ("not_found_heading", "not_found_explanation"),
    StaffNotFoundError: ("not_found_heading", "not_found_explanation"),
    AppointmentNotFoundError: ("not_found_heading", "not_found_explanation"),
    CsrfRefused: ("csrf_heading", "csrf_explanation"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, error: SignInNeeded) -> Response:
        if request.method == "GET":
            return RedirectResponse("/console/sign-in", status_code=303)
        return JSONResponse({"error": error.code}, status_code=error.status)

    @app.exception_handler(FrontdoorError)
    async def _typed(request: Request, error: FrontdoorError) -> Response:
        if not request.url.path.startswith("/console"):
            return JSONResponse({"error": error.code, "detail": str(error)}, status_code=error.status)
        heading, explanation = next((words for kind, words in PAGES.items() if isinstance(error, kind)),
                                    ("state_heading", "state_explanation"))
        return render(request, request.app.state.runtime, "error.html", None, status=error.status,
                      heading=heading, explanation=explanation)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        if not request.url.path.startswith("/console"):
            return await request_validation_exception_handler(request, error)
        return render(request, request.app.state.runtime, "error.html", None, status=422,
                      heading="input_heading", explanation="input_explanation")
