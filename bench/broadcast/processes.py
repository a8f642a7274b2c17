"""The processes a part runs: `frontdoor worker` subprocesses and the fake Telegram Bot API, and what the
fake reports it received."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import httpx

from bench.broadcast.database import Sessions
from bench.broadcast.measures import Figures
from storage.repositories import notices
from tests.fakes.remote import fake_in_process_of_its_own
from tests.fakes.telegram_api import ACCEPTED_PATH, REPORT_PATH, SENT_PATH

ROOT = Path(__file__).resolve().parent.parent.parent
LOGS = ROOT / "build" / "bench-broadcast"
TOKEN = "123456:BENCH-broadcast"


class Workers:
    """`frontdoor worker` subprocesses on the bench database and the fake; any still running on exit
    are killed."""

    def __init__(self, url: str, api_base: str, lease: float | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDOOR_")} | {
            "FRONTDOOR_DATABASE_URL": url, "FRONTDOOR_PROFILE_DIR": "profiles/demo",
            "FRONTDOOR_TELEGRAM_TOKEN": TOKEN, "FRONTDOOR_TELEGRAM_API_BASE": api_base}
        if lease is not None:
            self.env["FRONTDOOR_OUTBOX_LEASE_SECONDS"] = str(lease)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[BinaryIO] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (LOGS / f"worker-{name}.log").open("wb")
        self.logs.append(log)
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--name", name], cwd=ROOT,
                                   env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    @staticmethod
    def stop(process: subprocess.Popen[bytes]) -> None:
        """SIGTERM: the worker finishes the sends in hand and leaves."""
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        process.kill()  # SIGKILL: no goodbye
        process.wait()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)
        for log in self.logs:
            log.close()


def fake_telegram(name: str) -> AbstractContextManager[str]:
    """The fake Bot API in its own process with Telegram's limits enforced; yields its base URL."""
    return fake_in_process_of_its_own("tests.fakes.telegram_api", "--token", TOKEN, "--enforce-limits", "--quiet",
                                      log=LOGS / f"fake-{name}.log")


@dataclass
class FakeState:
    report: Figures
    sent: dict[int, int]
    """Messages each chat received."""
    accepted: list[tuple[int, float]] = field(default_factory=list)
    """Each successful send, in order: chat id and wall-clock acceptance time."""


async def fake_result(client: httpx.AsyncClient, base_url: str, path: str) -> Any:
    answer = await client.get(f"{base_url}{path}", timeout=60)
    answer.raise_for_status()
    return answer.json()["result"]


async def fake_accepted(client: httpx.AsyncClient, base_url: str) -> list[tuple[int, float]]:
    return [(int(chat), float(at)) for chat, at in await fake_result(client, base_url, ACCEPTED_PATH)]


async def fake_state(base_url: str) -> FakeState:
    async with httpx.AsyncClient() as client:
        report = await fake_result(client, base_url, REPORT_PATH)
        sent = {int(chat): int(n) for chat, n in (await fake_result(client, base_url, SENT_PATH)).items()}
        return FakeState(report, sent, await fake_accepted(client, base_url))


async def until_delivered(sessions: Sessions, notice_id: int, worker: subprocess.Popen[bytes],
                          within: float) -> notices.DeliveryReport:
    """Poll the delivery report until nothing is pending; the worker must stay up meanwhile."""
    deadline = time.monotonic() + within
    while True:
        async with sessions() as session:
            report = await notices.delivery_report(session, notice_id)
        if not report.pending:
            return report
        if worker.poll() is not None:
            raise RuntimeError(f"worker exited with {worker.returncode}; see {LOGS}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"still {report.pending} pending after {within:.0f} s; see {LOGS}")
        await asyncio.sleep(1.0)
