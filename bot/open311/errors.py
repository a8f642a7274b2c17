"""Open311 errors: typed, each with its HTTP status; the router renders them in the spec's format
`[{"code": 400, "description": "..."}]`."""

from __future__ import annotations

from bot.core.errors import FrontdoorError


class Open311Error(FrontdoorError):
    code = "open311"
    status = 400


class InvalidFieldError(Open311Error):
    """A parameter is missing or cannot be used (unknown service code, no building at the location ...)."""

    code = "invalid_field"
    status = 400


class ApiKeyError(Open311Error):
    """No api_key, or one that is unknown or revoked."""

    code = "api_key_refused"
    status = 403


class RequestNotFoundError(Open311Error):
    code = "request_not_found"
    status = 404


class JurisdictionNotFoundError(Open311Error):
    code = "jurisdiction_not_found"
    status = 404
