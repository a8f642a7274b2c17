"""A Rasa server in its own virtual environment, for the fault scripts: started, waited for, killed
(SIGKILL), hung (SIGSTOP) and resumed (SIGCONT), and stopped at the end whatever happened."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

import httpx

READY_WITHIN_S = 300.0


class RasaServer:
    """`rasa run --enable-api` for `model` on 127.0.0.1:`port`, its output appended to `log`."""

    def __init__(self, rasa_bin: Path, model: Path, port: int, log: Path) -> None:
        self.rasa_bin, self.model, self.port, self.log = rasa_bin, model, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.launched_at = 0.0
        self.starts = 0

    def launch(self) -> None:
        """Start the server (it takes a while to load its model: `until_ready`)."""
        if self.process is not None:
            raise RuntimeError("Rasa is running already")
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(self.rasa_bin), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(self.port),
                 "-m", str(self.model)], env=env, stdout=out, stderr=subprocess.STDOUT)
        self.launched_at = time.monotonic()
        self.starts += 1

    async def until_ready(self) -> float:
        """Wait until the server parses; returns the seconds since its launch."""
        async with httpx.AsyncClient(timeout=5) as client:
            while not await self.answers(client):
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"Rasa is not running; see {self.log}")
                if time.monotonic() - self.launched_at > READY_WITHIN_S:
                    raise RuntimeError(f"Rasa not ready after {READY_WITHIN_S:.0f} s; see {self.log}")
                await asyncio.sleep(1.0)
        return time.monotonic() - self.launched_at

    async def answers(self, client: httpx.AsyncClient) -> bool:
        try:
            return (await client.post(f"{self.url}/model/parse", json={"text": "你好"})).status_code == 200
        except httpx.HTTPError:
            return False

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None, "Rasa is not running"
        self.process.send_signal(number)

    def kill(self) -> None:
        """SIGKILL: no goodbye; the port refuses connections at once."""
        self.signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)  # a hung server cannot take SIGTERM
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> RasaServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
