"""Typed errors with a code; the web layer maps them to HTTP statuses, the CLI to messages."""

from __future__ import annotations


class FrontdoorError(Exception):
    code = "error"
    status = 500


class RoutingError(FrontdoorError):
    """No accountable person could be found: a profile gap that must not lose the ticket."""

    code = "no_accountable_staff"
    status = 500
