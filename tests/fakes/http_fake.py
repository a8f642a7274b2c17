"""What the local HTTP fakes share: a threaded JSON server on 127.0.0.1, its lifecycle and the waiting helpers.

A fake subclasses ``LocalHTTPFake`` with the type of call it records, answers requests in ``respond``
and records each call with ``_publish``, which wakes ``wait_for``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import SplitResult, urlsplit

CallT = TypeVar("CallT")


@dataclass(frozen=True)
class RawAnswer:
    """An answer that is not JSON (a media file): its bytes and their type."""

    content: bytes
    content_type: str


class LocalHTTPFake(Generic[CallT]):
    """A fake API server; thread-safe, started with ``start()`` or as a context manager."""

    thread_name: ClassVar[str] = "local-http-fake"
    content_type: ClassVar[str] = "application/json"

    def __init__(self, *, port: int = 0, echo: bool = False) -> None:
        self._port, self._echo = port, echo
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified after every recorded call
        self._calls: list[CallT] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def respond(self, url: SplitResult, headers: Message, raw_body: bytes) -> tuple[int, dict[str, Any] | RawAnswer]:
        """Answer one request (called by an HTTP handler thread): HTTP status and JSON payload (or raw bytes)."""
        raise NotImplementedError

    # Lifecycle

    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # What happened

    @property
    def calls(self) -> list[CallT]:
        with self._lock:
            return list(self._calls)

    def _publish(self, call: CallT) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until ``predicate()`` holds, re-checking after every call; raise TimeoutError otherwise."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError(f"condition not met within {timeout}s; calls: {self._calls}")

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Like ``wait_for`` but polls, so the event loop keeps running the code under test.

        The timeout is built in (rather than left to ``asyncio.timeout``) so a forgetful test fails, not hangs.
        """
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s; calls: {self.calls}")
            await asyncio.sleep(0.01)


def serve_until_interrupted() -> None:
    """Block the main thread of ``python -m tests.fakes.…`` until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many concurrent senders must queue, not be reset
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: LocalHTTPFake[Any]) -> None:
        self.fake = fake
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._handle(self._read_chunked())
        else:
            self._handle(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    def _handle(self, raw_body: bytes) -> None:
        assert isinstance(self.server, _Server)
        fake = self.server.fake
        status, payload = fake.respond(urlsplit(self.path), self.headers, raw_body)
        if isinstance(payload, RawAnswer):
            data, content_type = payload.content, payload.content_type
        else:
            data, content_type = json.dumps(payload, ensure_ascii=False).encode(), fake.content_type
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out has gone
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the fakes record calls (and echo them when asked) instead."""
