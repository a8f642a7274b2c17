"""Oversize bodies on every route that takes one (read from `app.routes`): a body declared bigger than
64 KiB, or streamed in chunks past it without a declared length, is refused with 413 before the app
reads it; a body just within the limit still reaches the route. Spoken over a raw socket, so the
server is seen answering without waiting for the rest of the body."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from bot.channels.wechat.security import MAX_BODY_BYTES
from tests.attacks.arena import Arena
from tests.attacks.routes import BODY_LIMIT_EXEMPT, BODY_METHODS, concrete, endpoints

CHUNK = 16 * 1024


def status_of_raw_request(url: str, method: str, path: str, headers: dict[str, str], body: list[bytes]) -> int:
    """Send the head and the body pieces, stop (no end of body), and read the status the server answers;
    a server that waits for the rest of the body times out and fails the test."""
    parts = urlsplit(url)
    head = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", *[f"{k}: {v}" for k, v in headers.items()], "", ""]
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode())
        try:
            for piece in body:
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the last piece: what is read next says what
        answer = b""
        while b"\r\n" not in answer:
            received = sock.recv(4096)
            assert received, "connection closed without an answer"
            answer += received
    return int(answer.split(b" ", 2)[1])


def body_routes(arena: Arena) -> list[tuple[str, str]]:
    routes = [(e.method, e.path) for e in endpoints(arena.app) if e.method in BODY_METHODS]
    assert len(routes) >= 18
    return [route for route in routes if route not in BODY_LIMIT_EXEMPT]


def test_a_declared_length_over_the_limit_is_a_413_on_every_route_with_a_body(arena: Arena) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(10 * 1024 * 1024)}

    answers = {path: status_of_raw_request(arena.url, method, concrete(arena, path), headers, [b"a=1&"])
               for method, path in body_routes(arena)}

    assert set(answers.values()) == {413}, answers


def test_a_chunked_body_streamed_past_the_limit_is_a_413_on_every_route_with_a_body(arena: Arena) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
    chunks = [f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"] * (MAX_BODY_BYTES // CHUNK + 1)

    answers = {path: status_of_raw_request(arena.url, method, concrete(arena, path), headers, chunks)
               for method, path in body_routes(arena)}

    assert set(answers.values()) == {413}, answers


def test_a_body_within_the_limit_reaches_every_route(arena: Arena) -> None:
    body = b"a=" + b"x" * (MAX_BODY_BYTES - 2)
    with arena.anonymous() as client:
        answers = {path: client.request(method, concrete(arena, path), content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"}).status_code for method, path in body_routes(arena)}

    assert not {413, 500} & set(answers.values()), answers


def test_an_oversize_chat_message_opens_no_ticket(arena: Arena) -> None:
    before = arena.ticket_count()
    text = "3栋下水道堵了" + "，臭" * 40_000  # valid JSON, over the limit
    with arena.anonymous() as client:
        refused = client.post("/api/chat", json={"sender_id": "big-1", "text": text})

    assert refused.status_code == 413
    assert arena.ticket_count() == before
