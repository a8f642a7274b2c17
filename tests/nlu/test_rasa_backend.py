"""RasaBackend: Rasa's /model/parse mapped to a ParseResult, and the embedded classifier taking over
when Rasa is slow, down or talks nonsense.

Offline tests talk to a small HTTP server on 127.0.0.1 that answers like Rasa. Tests marked `rasa`
talk to a real Rasa server and run only with FRONTDOOR_RASA_URL set (`make test-rasa`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage
from bot.runtime import load_backend
from bot.settings import Settings
from nlu.embedded import EmbeddedClassifier
from nlu.rasa_backend import RasaBackend
from nlu.result import FALLBACK_INTENT, Entity, IntentScore
from storage.models import Ticket
from tests.conftest import MONDAY_10AM

RASA_URL = os.environ.get("FRONTDOOR_RASA_URL")
needs_rasa_url = pytest.mark.skipif(not RASA_URL, reason="set FRONTDOOR_RASA_URL to a Rasa server (make test-rasa)")

TEXT = "3栋2单元楼道灯坏了，电话13812345678"
RASA_ANSWER: dict[str, Any] = {
    "text": TEXT,
    "intent": {"name": "appeal_report", "confidence": 0.93},
    "entities": [
        {"entity": "address", "start": 0, "end": 5, "value": "3栋2单元", "extractor": "DIETClassifier",
         "confidence_entity": 0.99},
        {"entity": "phone", "start": 13, "end": 24, "value": 13812345678, "extractor": "RegexEntityExtractor"},
    ],
    "intent_ranking": [{"name": "appeal_report", "confidence": 0.93}, {"name": "emergency", "confidence": 0.05},
                       {"name": "greet", "confidence": 0.02}],
    "response_selector": {"all_retrieval_intents": [], "default": {}},
}


@dataclass
class FakeRasa:
    """What the fake server answers next: a status, a body, and how long it thinks first."""

    url: str
    status: int = 200
    body: bytes = json.dumps(RASA_ANSWER, ensure_ascii=False).encode()
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event | None = None
    """Set: each answer waits for it (at most 10 s), so a test can look at what happens meanwhile."""

    def answer(self, payload: Any, status: int = 200) -> None:
        self.status, self.body = status, json.dumps(payload, ensure_ascii=False).encode()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
            fake.received.set()
            if fake.hold is not None:
                fake.hold.wait(10)
            time.sleep(fake.delay)
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(fake.body)))
            self.end_headers()
            self.wfile.write(fake.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_rasa_answer_maps_to_parse_result(fake_rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    with RasaBackend(fake_rasa.url + "/", timeout=2.0, fallback=classifier) as backend:
        result = backend.parse(TEXT)

    assert fake_rasa.requests == [{"path": "/model/parse", "json": {"text": TEXT}}]
    assert result.text == TEXT
    assert result.intent == IntentScore("appeal_report", 0.93)
    assert [s.name for s in result.ranking] == ["appeal_report", "emergency", "greet"]
    assert result.entities == (Entity("address", "3栋2单元", 0, 5, "3栋2单元"),
                               Entity("phone", "13812345678", 13, 24, "13812345678"))
    assert backend.stats() == {"parsed": 1, "fallbacks": 0, "skipped": 0}


def test_rasa_nlu_fallback_is_our_fallback_and_leaves_the_ranking_to_the_classifier(
        fake_rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    fake_rasa.answer({"text": "嗯那个", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": [],
                      "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3},
                                         {"name": "greet", "confidence": 0.21},
                                         {"name": "affirm", "confidence": 0.2}]})

    with RasaBackend(fake_rasa.url, timeout=2.0, fallback=classifier) as backend:
        result = backend.parse("嗯那个")

    assert result.is_fallback
    assert result.intent == IntentScore(FALLBACK_INTENT, 0.3)
    assert [s.name for s in result.ranking] == ["greet", "affirm"]
    assert backend.fallbacks == 0


def test_rasa_without_an_intent_is_a_fallback(fake_rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    fake_rasa.answer({"text": "", "intent": {"name": None, "confidence": 0.0}, "entities": []})

    with RasaBackend(fake_rasa.url, timeout=2.0, fallback=classifier) as backend:
        result = backend.parse("")

    assert result.intent == IntentScore(FALLBACK_INTENT, 0.0)
    assert result.ranking == ()


def assert_embedded_answered(backend: RasaBackend, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture,
                             reason: str) -> None:
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_backend"):
        first = backend.parse(TEXT)
        second = backend.parse("你好")

    assert first == classifier.parse(TEXT)
    assert second == classifier.parse("你好")
    assert backend.stats() == {"parsed": 0, "fallbacks": 2, "skipped": 0}
    assert len(caplog.records) == 2
    assert reason in caplog.text
    # What residents write may carry phone numbers and addresses: it never reaches the log.
    assert "13812345678" not in caplog.text
    assert "楼道" not in caplog.text


def test_closed_port_falls_back_to_embedded_and_counts(closed_port_url: str, classifier: EmbeddedClassifier,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with RasaBackend(closed_port_url, timeout=2.0, fallback=classifier) as backend:
        assert_embedded_answered(backend, classifier, caplog, "connection failed")


def test_slow_rasa_times_out_and_falls_back(fake_rasa: FakeRasa, classifier: EmbeddedClassifier,
                                            caplog: pytest.LogCaptureFixture) -> None:
    fake_rasa.delay = 1.0

    with (RasaBackend(fake_rasa.url, timeout=0.2, fallback=classifier) as backend,
          caplog.at_level(logging.WARNING, logger="nlu.rasa_backend")):
        first = backend.parse(TEXT)
        second = backend.parse("你好")

    assert first == classifier.parse(TEXT)
    assert second == classifier.parse("你好")
    assert backend.stats() == {"parsed": 0, "fallbacks": 2, "skipped": 1}, "the second does not wait again"
    assert "timed out" in caplog.text
    assert "13812345678" not in caplog.text
    assert "楼道" not in caplog.text


@pytest.mark.parametrize(("status", "body", "reason"), [
    (500, b'{"error": "model not loaded"}', "HTTP 500"),
    (200, b"<html>proxy error</html>", "not JSON"),
    (200, b'["appeal_report"]', "not a JSON object"),
    (200, b'{"intent": "appeal_report"}', "an intent needs"),
    (200, b'{"intent": {"name": "greet", "confidence": 0.9}, "entities": [{"entity": "address"}]}', "an entity needs"),
])
def test_answer_that_is_not_a_parse_falls_back(fake_rasa: FakeRasa, classifier: EmbeddedClassifier,
                                               caplog: pytest.LogCaptureFixture,
                                               status: int, body: bytes, reason: str) -> None:
    fake_rasa.status, fake_rasa.body = status, body

    with RasaBackend(fake_rasa.url, timeout=2.0, fallback=classifier) as backend:
        assert_embedded_answered(backend, classifier, caplog, reason)


def test_rasa_coming_back_is_used_again(fake_rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    with RasaBackend(fake_rasa.url, timeout=2.0, fallback=classifier) as backend:
        fake_rasa.status = 503
        backend.parse(TEXT)
        fake_rasa.status = 200
        result = backend.parse(TEXT)

    assert result.intent == IntentScore("appeal_report", 0.93)
    assert backend.stats() == {"parsed": 1, "fallbacks": 1, "skipped": 0}


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hung_rasa_is_left_alone_after_one_timeout_until_the_pause_ends(
        fake_rasa: FakeRasa, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture) -> None:
    fake_rasa.delay = 1.0  # hung: each message would wait for the whole timeout, holding up the process
    clock = FakeClock()

    with (RasaBackend(fake_rasa.url, timeout=0.2, fallback=classifier, pause_seconds=30, clock=clock) as backend,
          caplog.at_level(logging.INFO, logger="nlu.rasa_backend")):
        answers = [backend.parse(TEXT) for _ in range(6)]
        asked_while_hung = len(fake_rasa.requests)
        clock.now += 29
        backend.parse(TEXT)
        clock.now += 2
        fake_rasa.delay = 0.0
        back = backend.parse(TEXT)
        again = backend.parse(TEXT)

    assert answers == [classifier.parse(TEXT)] * 6
    assert asked_while_hung == 1, "after a timeout Rasa is not asked until the pause ends"
    assert len(fake_rasa.requests) == 3, "once the pause is over one message tries Rasa, then all do"
    assert back.intent == again.intent == IntentScore("appeal_report", 0.93)
    assert backend.stats() == {"parsed": 2, "fallbacks": 7, "skipped": 6}
    assert "timed out; the fallback backend answers for the next 30 s" in caplog.text
    assert "answers again" in caplog.text
    assert "13812345678" not in caplog.text


def test_refused_connections_pause_rasa_after_three_in_a_row(
        closed_port_url: str, classifier: EmbeddedClassifier, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()

    with (RasaBackend(closed_port_url, timeout=2.0, fallback=classifier, pause_seconds=30, clock=clock) as backend,
          caplog.at_level(logging.WARNING, logger="nlu.rasa_backend")):
        for _ in range(5):
            backend.parse(TEXT)

    assert backend.stats() == {"parsed": 0, "fallbacks": 5, "skipped": 2}
    assert "failed 3 times in a row" in caplog.text


def test_a_failed_try_after_the_pause_pauses_again_at_once(closed_port_url: str,
                                                           classifier: EmbeddedClassifier) -> None:
    clock = FakeClock()

    with RasaBackend(closed_port_url, timeout=2.0, fallback=classifier, pause_seconds=30, clock=clock) as backend:
        for _ in range(3):
            backend.parse(TEXT)
        clock.now += 31
        backend.parse(TEXT)  # tries, fails
        backend.parse(TEXT)

    assert backend.stats() == {"parsed": 0, "fallbacks": 5, "skipped": 1}


def test_settings_choose_the_backend(fake_rasa: FakeRasa, tmp_path: Path) -> None:
    small = tmp_path / "small.yml"
    small.write_text('nlu:\n- intent: greet\n  examples: "- 你好\\n- 在吗"\n'
                     '- intent: goodbye\n  examples: "- 再见\\n- 拜拜"\n', encoding="utf-8")

    embedded = load_backend(Settings(nlu_data=[small], nlu_model=None))
    rasa = load_backend(Settings(nlu_data=[small], nlu_model=None, nlu_backend="rasa", rasa_url=fake_rasa.url,
                                 rasa_timeout_seconds=0.5))

    assert isinstance(embedded, EmbeddedClassifier)
    assert isinstance(rasa, RasaBackend)
    assert isinstance(rasa.fallback, EmbeddedClassifier)
    assert rasa.parse(TEXT).intent == IntentScore("appeal_report", 0.93)
    rasa.close()


# --- against a real Rasa server --------------------------------------------------------------------

RESIDENT_MESSAGES = {
    "你好": "greet",
    "3栋2单元楼道里的下水道堵了，臭了好几天": "appeal_report",
    "我想开个居住证明": "certificate_request",
}


@pytest.fixture
def rasa_backend(classifier: EmbeddedClassifier) -> Iterator[RasaBackend]:
    assert RASA_URL is not None
    with RasaBackend(RASA_URL, timeout=10.0, fallback=classifier) as backend:
        yield backend


@pytest.mark.rasa
@needs_rasa_url
@pytest.mark.parametrize(("text", "intent"), RESIDENT_MESSAGES.items())
def test_real_rasa_parses_resident_messages(rasa_backend: RasaBackend, text: str, intent: str) -> None:
    result = rasa_backend.parse(text)

    assert rasa_backend.stats() == {"parsed": 1, "fallbacks": 0, "skipped": 0}, "Rasa itself answered"
    assert result.text == text
    assert result.intent.name == intent
    assert 0.0 < result.intent.confidence <= 1.0
    confidences = [s.confidence for s in result.ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert FALLBACK_INTENT not in {s.name for s in result.ranking}
    for entity in result.entities:
        assert entity.text == text[entity.start:entity.end]


@pytest.mark.rasa
@needs_rasa_url
def test_real_rasa_finds_the_address_entity(rasa_backend: RasaBackend) -> None:
    text = "12栋3单元楼上天天半夜装修"

    result = rasa_backend.parse(text)

    assert all(e.text == text[e.start:e.end] for e in result.entities)
    assert {e.entity for e in result.entities} <= {"address", "phone", "time", "id_number", "ticket_number",
                                                    "certificate_type", "service", "notice_topic"}


async def test_a_message_waiting_on_rasa_leaves_the_event_loop_free(
        pipeline: Pipeline, fake_rasa: FakeRasa, classifier: EmbeddedClassifier) -> None:
    """While Rasa thinks, the server goes on serving (other messages, webhooks' 5-second answers): the parse
    runs off the event loop. Here the test's own coroutine runs while the message waits on the fake Rasa."""
    fake_rasa.hold = threading.Event()
    with_rasa = dataclasses.replace(pipeline, nlu=RasaBackend(fake_rasa.url, 15.0, fallback=classifier))
    handling = asyncio.create_task(with_rasa.handle(
        InboundMessage("web", "r-rasa-held", "m1", TEXT, MONDAY_10AM, "baiyang")))

    await asyncio.to_thread(fake_rasa.received.wait, 10)
    await asyncio.sleep(0.05)
    waiting = not handling.done()
    fake_rasa.hold.set()
    replies = await handling

    assert waiting
    assert fake_rasa.requests
    assert replies


@pytest.mark.rasa
@needs_rasa_url
async def test_pipeline_with_real_rasa_opens_the_routed_ticket(
        pipeline: Pipeline, rasa_backend: RasaBackend, sessions: async_sessionmaker[AsyncSession]) -> None:
    with_rasa = dataclasses.replace(pipeline, nlu=rasa_backend)

    drain = "3栋2单元楼道里的下水道堵了，臭了好几天"
    replies = await with_rasa.handle(InboundMessage("wechat", "wx-rasa-1", "m-1", drain, MONDAY_10AM, "baiyang"))

    assert rasa_backend.stats() == {"parsed": 1, "fallbacks": 0, "skipped": 0}
    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket))).all()
    assert ticket.category_key == "drain_blocked"
    assert ticket.number is not None
    assert ticket.number in "\n".join(r.text for r in replies)

