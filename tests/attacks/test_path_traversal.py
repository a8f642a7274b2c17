"""Files served by name never come from outside their folder: the static assets (the only mount that
serves files), the demo page, the ledger downloads (their name comes from the database, never the
request) and every route that takes a name or id in its path. `../`, its URL encodings, absolute
paths, backslashes and NUL bytes: a 4xx or the folder's own file, never another file.

Residents' photos are not served by the app at all: a ticket page links WeChat's own picture URL."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.web.static_files import STATIC
from tests.attacks.arena import Arena
from tests.attacks.routes import FILE_SERVING_MOUNTS, endpoints, mounts
from tests.conftest import ROOT

SECRETS = ("root:x:0:", "def create_app", "[project]", "FRONTDOOR_", "PRIVATE KEY", "sqlite format 3")
"""What a file from outside the folder would show: /etc/passwd, the app's code, pyproject, the settings,
a key, a database."""
ESCAPES = [
    "../../app.py", "..%2f..%2fapp.py", "%2e%2e/%2e%2e/app.py", "%2e%2e%2f%2e%2e%2fapp.py",
    "%252e%252e%252f%252e%252e%252fapp.py", "..%5c..%5capp.py", "..\\..\\app.py", "....//....//app.py",
    "..;/..;/app.py", "%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml", "../../../pyproject.toml",
    "../../../../../../../../etc/passwd", "%2fetc%2fpasswd", "/etc/passwd", "//etc/passwd", "%2F%2Fetc%2Fpasswd",
    f"{ROOT}/pyproject.toml", "file:///etc/passwd", "console.css%00.py", "console.css%00", "..%00/..%00/app.py",
    "%c0%ae%c0%ae/%c0%ae%c0%ae/app.py", "..%c0%af..%c0%afapp.py", "static/../../../app.py",
]
"""From the static folder (bot/web/static): the app's code (bot/app.py) is two folders up."""


def raw_get(url: str, path: str, cookie: str = "") -> tuple[int, bytes]:
    """GET the path exactly as written (an HTTP client would normalise `..` and encodings away)."""
    parts = urlsplit(url)
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{cookie_line}Connection: close\r\n\r\n"
                     .encode())
        answer = b""
        while received := sock.recv(65536):
            answer += received
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def assert_nothing_from_outside(status: int, body: bytes, where: str) -> None:
    assert status != 500, where
    text = body.decode("utf-8", "replace").lower()
    leaked = [secret for secret in SECRETS if secret.lower() in text]
    assert leaked == [], f"{where}: {leaked}"


def test_the_only_file_serving_mount_is_the_static_folder(arena: Arena) -> None:
    assert set(mounts(arena.app)) == set(FILE_SERVING_MOUNTS)
    assert STATIC.resolve() == (ROOT / "bot" / "web" / "static").resolve()


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_static_path_never_leaves_the_static_folder(arena: Arena, escape: str) -> None:
    status, body = raw_get(arena.url, f"/static/{escape}")

    assert_nothing_from_outside(status, body, f"/static/{escape}")
    assert status in {400, 404} or (status == 200 and body in {p.read_bytes() for p in STATIC.iterdir()})


def test_a_file_in_the_static_folder_is_served_so_the_refusals_above_mean_something(arena: Arena) -> None:
    status, body = raw_get(arena.url, "/static/console.css")

    assert status == 200
    assert body == (STATIC / "console.css").read_bytes()


def test_paths_naming_a_record_never_reach_a_file(arena: Arena) -> None:
    """Every route with a path parameter (a ticket number, a notice id, an Open311 request) and the
    demo page, asked for files outside, signed in as the secretary (who sees most)."""
    templates = [e.path for e in endpoints(arena.app) if e.method == "GET" and "{" in e.path]
    cookie = f"frontdoor_console={arena.staff('by-sec-01').cookies['frontdoor_console']}"
    answers = []
    for template in templates:
        for escape in ESCAPES:
            path = re.sub(r"\{[^}]+\}", escape, template)
            answers.append((path, *raw_get(arena.url, path, cookie)))

    assert len(templates) >= 4
    for path, status, body in answers:
        assert_nothing_from_outside(status, body, path)
        assert status in {400, 404, 422}, (path, status)


def test_the_ledger_download_is_named_from_the_database_not_the_request(arena: Arena) -> None:
    client = arena.staff("admin-01")
    answers = [client.get("/console/ledger.xlsx", params={"month": "2026-11", "community": community})
               for community in ("../../etc/passwd", "baiyang/../../x", "baiyang\r\nSet-Cookie: a=b", "qingshui")]

    assert [a.status_code for a in answers[:3]] == [422, 422, 422]
    assert answers[3].headers["content-disposition"] == 'attachment; filename="ledger-qingshui-2026-11.xlsx"'
    assert "set-cookie" not in answers[2].headers


def test_the_demo_page_is_one_fixed_file(arena: Arena) -> None:
    for escape in ("../app.py", "..%2fapp.py", "%2e%2e%2fpyproject.toml", "etc/passwd"):
        status, body = raw_get(arena.url, f"/{escape}")
        assert_nothing_from_outside(status, body, escape)
        assert status == 404

    assert Path(STATIC / "demo.html").read_bytes() == raw_get(arena.url, "/")[1]
