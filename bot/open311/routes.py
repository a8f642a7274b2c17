"""`/open311/v2/`: the Open311 GeoReport v2 API, JSON only, errors in the spec's format."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from bot.core.errors import FrontdoorError
from bot.open311.filing import file_request
from bot.open311.reading import RequestFilters, community_id_of, find_requests, get_request
from bot.open311.schema import CreatedRequestOut, ErrorOut, FilingForm, ServiceOut, ServiceRequestOut
from bot.open311.services import list_services
from bot.web.deps import RuntimeDep

TAG = "Open311 GeoReport v2"
FORMAT_NOTE = ("JSON only: the same path ending in `.xml` is answered with 400 in the spec's error format "
               "`[{\"code\": 400, \"description\": \"...\"}]`.")


def error_response(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


class Open311Route(APIRoute):
    """Every error of these routes, a malformed parameter included, in the spec's format (with 400
    rather than FastAPI's 422)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer_in_spec_format(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                first = error.errors()[0]
                return error_response(400, f"{first['loc'][-1]}: {first['msg']}")
            except FrontdoorError as error:
                return error_response(error.status, str(error))

        return answer_in_spec_format


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": list[ErrorOut], "description": "An error in the spec's format."} for status in statuses}


router = APIRouter(prefix="/open311/v2", tags=[TAG], route_class=Open311Route)
Jurisdiction = Annotated[str | None, Query(max_length=40, description="A community key, e.g. baiyang.")]


@router.get("/services.json", summary="List the services", responses=_errors(404),
            description="The complaint categories requests can be filed for. " + FORMAT_NOTE)
async def read_services(runtime: RuntimeDep, jurisdiction_id: Jurisdiction = None) -> list[ServiceOut]:
    async with runtime.sessions() as session:
        await community_id_of(session, jurisdiction_id)
    return list_services(runtime.profile)


@router.get("/requests.json", summary="List service requests", responses=_errors(400, 404),
            description="Requests (tickets) of the offered services, newest first, at most 1000. Without "
                        "service_request_id: those requested in the date window (the last 90 days by default; "
                        "at most 90 days). No personal data. " + FORMAT_NOTE)
async def read_requests(
    runtime: RuntimeDep,
    service_request_id: Annotated[str | None, Query(max_length=2000, description=(
        "Comma-separated ticket numbers; when given, the other filters are ignored."))] = None,
    service_code: Annotated[str | None, Query(max_length=500, description="Comma-separated service codes.")] = None,
    start_date: Annotated[datetime | None, Query(description="W3C datetime; no offset: district time.")] = None,
    end_date: Annotated[datetime | None, Query(description="W3C datetime; no offset: district time.")] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed or open,closed.")] = None,
    jurisdiction_id: Jurisdiction = None,
) -> list[ServiceRequestOut]:
    filters = RequestFilters(service_request_id, service_code, start_date, end_date, status, jurisdiction_id)
    async with runtime.sessions() as session:
        return await find_requests(session, runtime.profile, filters, runtime.clock())


@router.get("/requests/{service_request_id}.json", summary="Get one service request", responses=_errors(404),
            description="A one-element list, as the spec has it; 404 for an unknown number. " + FORMAT_NOTE)
async def read_request(runtime: RuntimeDep, service_request_id: str,
                       jurisdiction_id: Jurisdiction = None) -> list[ServiceRequestOut]:
    async with runtime.sessions() as session:
        return await get_request(session, runtime.profile, service_request_id, jurisdiction_id, runtime.clock())


@router.post("/requests.json", summary="File a service request", status_code=201, responses=_errors(400, 403),
             description="Form-encoded. Needs api_key (403 without a valid one), service_code, description and a "
                         "location: lat and long (the nearest building), address_string naming a building, or "
                         "address_id (`<community key>:<building number>`). The ticket is routed like one from "
                         "chat. " + FORMAT_NOTE)
async def create_request(runtime: RuntimeDep, form: Annotated[FilingForm, Form()]) -> list[CreatedRequestOut]:
    async with runtime.sessions() as session, session.begin():
        filed = await file_request(session, runtime.profile, form, runtime.clock())
    return [CreatedRequestOut(service_request_id=filed.number, service_notice=filed.notice)]


@router.api_route("/{path:path}", methods=["GET", "POST"], include_in_schema=False)
async def unsupported(path: str) -> JSONResponse:
    """Anything else under the prefix, in the spec's format: `.xml` is refused, the rest is not found."""
    if path.endswith(".xml"):
        return error_response(400, "format: only JSON is served; use .json")
    return error_response(404, f"no such resource: {path}")
