"""Running the driver process and watching the stack meanwhile: every second the CPU time and RSS of each
server process, the worker and the driver (from /proc), and the connections open to the bench database
(pg_stat_activity); a step's figures get the readings of its own time span."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.load.database import ADMIN_URL, connect, connections, libpq_url
from bench.load.figures import Figures
from bench.load.stack import ROOT, Stack, cpu_seconds, postgres_cpu_seconds, rss_mb


@dataclass
class Sample:
    at: float
    pg_connections: int | None
    """None while the database cannot be reached."""
    rss_mb: dict[str, float]
    cpu_s: dict[str, float]


@dataclass
class Monitor:
    stack: Stack
    database_url: str
    every: float = 1.0
    driver_pid: int | None = None
    samples: list[Sample] = field(default_factory=list)
    starts: dict[int, float] = field(default_factory=dict)
    """When each step began (monotonic), as the driver announced it; the warm-up is step -1."""
    _admin: psycopg.Connection[tuple[Any, ...]] | None = None

    def processes(self) -> dict[str, int]:
        named = {f"server:{pid}": pid for pid in self.stack.server_pids()}
        named["worker"] = self.stack.worker.pid
        if self.driver_pid is not None:
            named["driver"] = self.driver_pid
        return named

    def _pg_connections(self) -> int | None:
        try:
            if self._admin is None or self._admin.closed:
                self._admin = connect(ADMIN_URL, timeout=2)
            return connections(self._admin, self.database_url)
        except psycopg.Error:
            self._admin = None
            return None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            named = self.processes()
            pg = await asyncio.to_thread(self._pg_connections)
            cpu = {k: cpu_seconds(p) for k, p in named.items()} | {POSTGRES: postgres_cpu_seconds()}
            self.samples.append(Sample(time.monotonic(), pg, {k: rss_mb(p) for k, p in named.items()}, cpu))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)
        if self._admin is not None:
            self._admin.close()

    def window(self, start: float, end: float, messages: int) -> Figures:
        """CPU % (of one core) and RSS at the end for each process, PG connections peak and mean, and the CPU
        each message cost the server processes together, the worker, the driver and PostgreSQL (ms)."""
        inside = [s for s in self.samples if start <= s.at <= end]
        if len(inside) < 2:
            return {"processes": {}, "pg_connections_max": None, "pg_connections_mean": None,
                    "cpu_ms_per_message": {}}
        first, last = inside[0], inside[-1]
        span = last.at - first.at
        used = {name: last.cpu_s[name] - first.cpu_s.get(name, 0.0) for name in last.cpu_s}
        processes = {name: {"cpu_pct": round(used[name] / span * 100, 1), "rss_mb": rss}
                     for name, rss in last.rss_mb.items()}
        pg = [s.pg_connections for s in inside if s.pg_connections is not None]
        per_message = {part: round(seconds * 1000 / messages, 2) if messages else None
                       for part, seconds in _parts(used).items()}
        return {"processes": processes, "pg_connections_max": max(pg, default=None),
                "pg_connections_mean": round(statistics.mean(pg), 1) if pg else None,
                "cpu_ms_per_message": per_message}


POSTGRES = "postgres"


def _parts(used: dict[str, float]) -> dict[str, float]:
    """CPU seconds by part of the stack: the server processes summed, the worker, the driver, PostgreSQL."""
    return {"servers": sum(v for k, v in used.items() if k.startswith("server:")),
            "worker": used.get("worker", 0.0), "driver": used.get("driver", 0.0), POSTGRES: used.get(POSTGRES, 0.0)}


async def run_driver(stack: Stack, database_url: str, driver_args: list[str], on_step: Callable[[Figures], None],
                     every: float = 1.0) -> tuple[list[Figures], Monitor]:
    """Run `python -m bench.load.driver` against the stack; each step's figures, with the readings of its
    span added, go to `on_step` as they come. Returns them all and the monitor (its samples)."""
    command = [sys.executable, "-m", "bench.load.driver", "--url", stack.url,
               "--database-url", libpq_url(database_url), *driver_args]
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    monitor = Monitor(stack, database_url, every, process.pid)
    stop = asyncio.Event()
    watching = asyncio.create_task(monitor.run(stop))
    starts = monitor.starts
    steps: list[Figures] = []
    assert process.stdout is not None
    try:
        async for raw in process.stdout:
            event = json.loads(raw)
            if event["event"] == "start":
                starts[event["step"]] = time.monotonic()
            elif event["event"] == "warmup":
                print(f"(warm-up, not counted: {event['sent']} messages, p50 {event['p50_ms']} ms, "
                      f"p99 {event['p99_ms']} ms, errors {event['errors']})", flush=True)
            elif event["event"] == "step":
                step = {**event, **monitor.window(starts[event["step"]], time.monotonic(), event["sent"])}
                steps.append(step)
                on_step(step)
        if await process.wait():
            raise RuntimeError(f"the driver exited with {process.returncode}")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        stop.set()
        await watching
    return steps, monitor
