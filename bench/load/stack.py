"""The processes under test, each of its own: the fake WeChat/WeCom API and the fake Telegram Bot API
(staff cards go to WeCom or Telegram, as the demo roster says), `frontdoor serve --workers N` (the in-app
worker off) and one `frontdoor worker`, configured as a production official account in safe mode; and
their CPU and memory, read from /proc. The listening socket is made here and handed to the server
(`serve --fd`), as systemd's socket activation does in deploy/systemd: a server killed and started again
finds connections made meanwhile waiting for it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx

from bench.load.wechat import APP_ID, APP_SECRET, CORP_ID, CORP_SECRET
from tests.channels.wechat_server import AES_KEY, TOKEN
from tests.fakes.remote import fake_in_process_of_its_own

ROOT = Path(__file__).resolve().parents[2]
STARTED = "Application startup complete"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


TELEGRAM_TOKEN = "123456:BENCH-load"


def app_environment(database_url: str, api_base: str, telegram_base: str) -> dict[str, str]:
    """The app's settings: this database, the demo profile, WeChat (and WeCom and Telegram, for staff
    cards) through the fakes, WeChat in safe mode, delivery left to the `frontdoor worker` process."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDOOR_")}
    return inherited | {
        "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": "profiles/demo",
        "FRONTDOOR_IN_APP_WORKER": "false",
        "FRONTDOOR_WECHAT_TOKEN": TOKEN, "FRONTDOOR_WECHAT_AES_KEY": AES_KEY, "FRONTDOOR_WECHAT_APP_ID": APP_ID,
        "FRONTDOOR_WECHAT_APP_SECRET": APP_SECRET, "FRONTDOOR_WECHAT_API_BASE": api_base,
        "FRONTDOOR_WECHAT_COMMUNITY": "baiyang",
        "FRONTDOOR_WECOM_TOKEN": TOKEN, "FRONTDOOR_WECOM_AES_KEY": AES_KEY, "FRONTDOOR_WECOM_CORP_ID": CORP_ID,
        "FRONTDOOR_WECOM_SECRET": CORP_SECRET, "FRONTDOOR_WECOM_AGENT_ID": "1000002",
        "FRONTDOOR_WECOM_API_BASE": api_base,
        "FRONTDOOR_TELEGRAM_TOKEN": TELEGRAM_TOKEN, "FRONTDOOR_TELEGRAM_API_BASE": telegram_base,
    }


# --- /proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server on this machine: every `postgres` process (backends, writers) plus
    what the postmaster's exited children used (connections closed meanwhile)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
    ticks = sum(int(f[11]) + int(f[12]) for f in stats.values())
    ticks += sum(int(f[13]) + int(f[14]) for f in stats.values() if int(f[1]) not in stats)  # the postmaster
    return ticks / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Child processes of `pid` that run the app (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and b"resource_tracker" not in command:
            found.append(int(entry.name))
    return sorted(found)


# --- the processes


@dataclass
class Stack:
    url: str
    """The app's base URL."""
    server: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    api_base: str
    telegram_base: str
    logs: Path
    workers: int
    files: list[BinaryIO] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    listening: int = -1
    """The file descriptor of the listening socket the server serves on, held by this process."""
    restarts: int = 0

    def kill_and_restart_server(self, startup_seconds: float = 180) -> None:
        """SIGKILL to every server process (nothing of their shutdown runs), then `frontdoor serve` started
        again as before; returns once it serves."""
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()
        self.restarts += 1
        log = self.logs / "server.log"
        self.server = _start(_serve_command(self.workers, self.listening), self.env, log, self.files, append=True,
                             fds=(self.listening,))
        _wait_until_served(self.url, self.server, log, self.workers * (self.restarts + 1), startup_seconds)

    def server_pids(self) -> list[int]:
        """The uvicorn worker processes (the serving process itself when there is one)."""
        return children(self.server.pid) or [self.server.pid]

    def alive(self) -> dict[str, bool]:
        return {"server": self.server.poll() is None, "worker": self.worker.poll() is None}


def trained_model(folder: Path) -> Path:
    """The classifier trained once (again when the training data is newer) and saved, as a deployment keeps it
    (FRONTDOOR_NLU_MODEL): a server that starts, or starts again, loads it instead of training."""
    from bot.runtime import load_classifier
    from bot.settings import Settings

    path, data = folder / "nlu-model.pkl", Settings().nlu_data
    if not path.is_file() or any(source.stat().st_mtime > path.stat().st_mtime for source in data):
        folder.mkdir(parents=True, exist_ok=True)
        load_classifier(data, None).save(path)
    return path


def _start(command: list[str], env: dict[str, str], log: Path, files: list[BinaryIO],
           append: bool = False, fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    """The command in a session of its own, so that its worker processes can be killed with it."""
    out = log.open("ab" if append else "wb")
    files.append(out)
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *command], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds)


def _serve_command(workers: int, listening: int) -> list[str]:
    return ["serve", "--workers", str(workers), "--fd", str(listening)]


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    return sock


def _wait_until_served(url: str, server: subprocess.Popen[bytes], log: Path, started: int, within: float) -> None:
    """Until the log shows `started` server processes started in all, and the app answers."""
    deadline = time.monotonic() + within
    while log.read_text(errors="replace").count(STARTED) < started:
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start; {log}:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    httpx.get(f"{url}/healthz", timeout=10).raise_for_status()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _close(files: list[BinaryIO]) -> None:
    for file in files:
        file.close()


@contextmanager
def running_stack(database_url: str, workers: int, logs: Path, startup_seconds: float = 180) -> Iterator[Stack]:
    """The fake API, the app and the worker, started in that order and stopped on the way out."""
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        api_base = stack.enter_context(fake_in_process_of_its_own("tests.fakes.wechat_api", log=logs / "fake-api.log"))
        telegram_base = stack.enter_context(fake_in_process_of_its_own(
            "tests.fakes.telegram_api", "--token", TELEGRAM_TOKEN, "--enforce-limits", "--quiet",
            log=logs / "fake-telegram.log"))
        env = app_environment(database_url, api_base, telegram_base) | {
            "FRONTDOOR_SPOOL_DIR": str(logs / "spool"), "FRONTDOOR_NLU_MODEL": str(trained_model(logs.parent))}
        listening = stack.enter_context(_listening_socket())
        files: list[BinaryIO] = []
        stack.callback(_close, files)
        server = _start(_serve_command(workers, listening.fileno()), env, logs / "server.log", files,
                        fds=(listening.fileno(),))
        stack.callback(_stop, server)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        _wait_until_served(url, server, logs / "server.log", workers, startup_seconds)
        worker = _start(["worker", "--name", "bench-load-worker"], env, logs / "worker.log", files)
        stack.callback(_stop, worker)
        running = Stack(url, server, worker, api_base, telegram_base, logs, workers, files, env, listening.fileno())
        stack.callback(lambda: _stop(running.server))  # the server of the last restart
        yield running
