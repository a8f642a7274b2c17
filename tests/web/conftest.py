"""The real app served by uvicorn on 127.0.0.1 for one test, on that test's database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from bot.app import create_app
from bot.settings import Settings
from storage.clock import Clock, system_clock
from tests.conftest import DEMO_PROFILE, MONDAY_10AM, NLU_DATA, running_from
from tests.fakes.remote import free_port


@contextmanager
def served(settings: Settings, clock: Clock = system_clock) -> Iterator[str]:
    """The app of `settings` on `clock` under uvicorn on a free port until the block ends (start-up and
    shutdown run its lifespan, so the in-process worker delivers the outbox meanwhile)."""
    with served_app(create_app(settings, clock=clock), log_level="warning") as url:
        yield url


@contextmanager
def served_app(app: FastAPI, **config: Any) -> Iterator[str]:
    """`app` under uvicorn in a thread on a free port until the block ends; `config` goes to uvicorn."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start: see its log above")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


APP_CLOCK = running_from(MONDAY_10AM)
"""The clock of the apps served for tests: the test week's Monday morning, moving on as time passes."""


@pytest.fixture
def server(database_url: str, nlu_model: Path) -> Iterator[str]:
    settings = Settings(database_url=database_url, profile_dir=DEMO_PROFILE, nlu_data=[NLU_DATA], nlu_model=nlu_model)
    with served(settings, APP_CLOCK) as url:
        yield url
