"""Every route of the app as mounted with every channel on, read from `app.routes`, and what protects
each: a staff session (the default: a new route needs one unless listed here with the reason), a
platform credential, or nothing because it is public by design."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant

from tests.attacks.arena import Arena

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAM = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): "the Open311 API's description; console routes are not in it",
    ("GET", "/docs"): "the API's documentation page",
    ("GET", "/docs/oauth2-redirect"): "part of the documentation page",
    ("GET", "/redoc"): "the API's documentation page",
    ("GET", "/healthz"): "liveness probe: says ok and nothing else",
    ("GET", "/open311/v2/services.json"): "Open311 is public by the spec: the service categories",
    ("GET", "/open311/v2/requests.json"): "Open311 is public by the spec: requests with no personal data",
    ("GET", "/open311/v2/requests/{service_request_id}.json"): "Open311 is public by the spec, as above",
    ("GET", "/open311/v2/{path:path}"): "the spec's 404 and .xml refusal for anything else",
    ("POST", "/open311/v2/{path:path}"): "the spec's 404 and .xml refusal for anything else",
    ("GET", "/console/sign-in"): "the sign-in form",
    ("POST", "/console/sign-in"): "signing in (its own CSRF cookie, throttled)",
    ("GET", "/"): "demo page, development only: Settings refuse demo_pages in production",
    ("GET", "/chat"): "the residents' chat page (it asks for its own signed identity)",
    ("POST", "/api/web/identity"): "a new resident identity for a browser: a random id, signed",
    ("GET", "/api/web/communities"): "each community's name and office phone, as on its notice board",
    ("GET", "/api/demo/tickets"): "demo page, development only (lists every ticket)",
    ("POST", "/api/chat"): "the demo page's chat, development only",
    ("GET", "/static"): "the console's and demo's CSS and scripts",
    ("GET", "/forms/{name}"): "the blank forms the policy guides link residents to (bot/web/forms.py)",
}
"""Routes anyone may call without signing in, and why."""

CREDENTIALED: dict[tuple[str, str], str] = {
    ("GET", "/wechat"): "WeChat's URL check: the signature over the server token",
    ("POST", "/wechat"): "WeChat's callbacks: the signature over the server token, fresh timestamp",
    ("GET", "/wecom"): "WeCom's URL check: msg_signature over the callback token",
    ("POST", "/wecom"): "WeCom's callbacks: msg_signature over the token and the encrypted payload",
    ("POST", "/telegram/webhook"): "Telegram's updates: the secret token header",
    ("POST", "/open311/v2/requests.json"): "filing: an Open311 api_key",
    ("POST", "/api/web/messages"): "a resident's web chat: the signed identity in X-Resident-Token",
    ("GET", "/api/web/inbox"): "a resident's inbox on the web chat: the signed identity in X-Resident-Token",
}
"""Routes a platform or a civic tool calls, refused without its credential instead of a session."""

DEMO_ONLY = frozenset({"/", "/api/demo/tickets", "/api/chat"})

BODY_LIMIT_EXEMPT: dict[tuple[str, str], str] = {}
"""POST routes not held to the body limit, and why (none: every route that takes a body is)."""

FILE_SERVING_MOUNTS = {"/static": "bot/web/static: the console's and demo's CSS and scripts"}
"""Mounts that serve files by name (each is attacked by tests/attacks/test_path_traversal.py)."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """As declared, with its {parameters}."""
    endpoint: Callable[..., Any] | None
    dependant: Dependant | None

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def endpoints(app: FastAPI) -> list[Endpoint]:
    """One per route and method; a mount (static files) counts as a GET."""
    found = []
    for route in _routes(app):
        methods = sorted((getattr(route, "methods", None) or {"GET"}) - {"HEAD"})
        for method in methods:
            found.append(Endpoint(method, str(route.path), getattr(route, "endpoint", None),
                                  getattr(route, "dependant", None)))
    return found


def mounts(app: FastAPI) -> list[str]:
    return [str(route.path) for route in _routes(app) if getattr(route, "methods", None) is None]


def _routes(app: FastAPI) -> Iterator[Any]:
    """Routes of included routers flattened (FastAPI 0.16x keeps included routers whole in app.routes)."""
    flatten = getattr(routing, "iter_route_contexts", None)
    return iter(flatten(app.routes)) if flatten is not None else iter(app.routes)


def concrete(arena: Arena, path: str) -> str:
    """The path with each parameter filled by something real (a seeded ticket, the seeded notice), so a
    route that forgot its guard would show real data; an unknown parameter fails the suite until added."""
    samples = {"number": arena.tickets["a1_drain"], "service_request_id": arena.tickets["a1_drain"],
               "notice_id": str(arena.notice_id), "path": "anything.json", "name": "dibao_application.pdf",
               "attachment_id": "1", "publicity_id": "1", "proposal_id": "1"}

    def fill(match: re.Match[str]) -> str:
        assert match.group(1) in samples, f"no sample value for the path parameter {match.group(0)} of {path}"
        return samples[match.group(1)]

    return _PARAM.sub(fill, path)


def depends_on(dependant: Dependant | None, call: Callable[..., Any]) -> bool:
    """Whether `call` is anywhere in the route's dependency tree."""
    if dependant is None:
        return False
    return dependant.call is call or any(depends_on(sub, call) for sub in dependant.dependencies)
