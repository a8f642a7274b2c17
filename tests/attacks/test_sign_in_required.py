"""Every route of the app, read from `app.routes`: without a session a staff route sends the browser to
sign in (GET) or answers 401 (anything else); a route a platform calls refuses a call without its
credential; what is public is listed with the reason (tests/attacks/routes.py)."""

from __future__ import annotations

from bot.app import create_app
from bot.console.pages.deps import checked_form, signed_in
from bot.settings import Settings
from tests.attacks.arena import Arena
from tests.attacks.routes import CREDENTIALED, DEMO_ONLY, PUBLIC, concrete, depends_on, endpoints
from tests.conftest import DEMO_PROFILE


def test_every_route_is_public_by_a_listed_reason_credentialed_or_behind_sign_in(arena: Arena) -> None:
    unknown = [e.key for e in endpoints(arena.app) if e.key not in PUBLIC and e.key not in CREDENTIALED
               and not depends_on(e.dependant, signed_in)]
    stale = [key for key in (*PUBLIC, *CREDENTIALED) if key not in {e.key for e in endpoints(arena.app)}]

    assert unknown == [], "routes with no session check: add the check, or list them in routes.py with the reason"
    assert stale == [], "routes.py lists routes the app no longer has"


def test_every_console_form_post_checks_the_csrf_token(arena: Arena) -> None:
    posts = [e for e in endpoints(arena.app) if e.method == "POST" and e.path.startswith("/console")]

    unchecked = [e.path for e in posts if e.path != "/console/sign-in" and not depends_on(e.dependant, checked_form)]

    assert len(posts) >= 12
    assert unchecked == []


def test_without_a_session_pages_go_to_sign_in_and_actions_get_401(arena: Arena) -> None:
    staff_routes = [e for e in endpoints(arena.app) if e.key not in PUBLIC and e.key not in CREDENTIALED]
    with arena.anonymous() as client:
        answers = {e.key: client.request(e.method, concrete(arena, e.path), data={"csrf_token": arena.csrf(
            "by-sec-01")} if e.method == "POST" else None) for e in staff_routes}

    pages = {key: (a.status_code, a.headers.get("location")) for key, a in answers.items() if key[0] == "GET"}
    actions = {key: a.status_code for key, a in answers.items() if key[0] != "GET"}
    assert len(staff_routes) >= 25
    assert set(pages.values()) == {(303, "/console/sign-in")}, pages
    assert set(actions.values()) == {401}, actions
    assert all(arena.tickets["a1_drain"] not in a.text for a in answers.values())


def test_a_forged_session_cookie_is_no_session(arena: Arena) -> None:
    real = arena.staff("by-sec-01").cookies["frontdoor_console"]
    with arena.anonymous() as client:
        client.cookies.set("frontdoor_console", real[:-2] + ("AA" if not real.endswith("AA") else "BB"),
                           path="/console")
        forged = client.get("/console/tickets")
    with arena.anonymous() as client:
        client.cookies.set("frontdoor_console", real, path="/console")
        borrowed = client.get("/console/tickets")  # the control: the real cookie works from anywhere

    assert (forged.status_code, forged.headers.get("location")) == (303, "/console/sign-in")
    assert borrowed.status_code == 200


def test_platform_routes_refuse_a_call_without_their_credential(arena: Arena) -> None:
    with arena.anonymous() as client:
        answers = {key: client.request(key[0], concrete(arena, key[1]), content=b"<xml><Encrypt>x</Encrypt></xml>"
                                       if key[0] == "POST" else None) for key in CREDENTIALED}

    assert {key: a.status_code for key, a in answers.items()} == {
        ("GET", "/wechat"): 403, ("POST", "/wechat"): 403, ("GET", "/wecom"): 403, ("POST", "/wecom"): 403,
        ("POST", "/telegram/webhook"): 403, ("POST", "/open311/v2/requests.json"): 403,
        ("POST", "/api/web/messages"): 401, ("GET", "/api/web/inbox"): 401}


def test_the_demo_routes_are_not_mounted_in_production() -> None:
    production = Settings(environment="production", secret_key="a-real-secret-for-the-test", demo_pages=False,
                          database_url="sqlite:///unused.db", profile_dir=DEMO_PROFILE)

    mounted = {e.path for e in endpoints(create_app(production))}

    assert DEMO_ONLY - mounted == DEMO_ONLY
    assert "/console/tickets" in mounted
