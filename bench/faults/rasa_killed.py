"""Rasa hung and killed while residents write: every message still answered (the embedded classifier
standing in), no report without its ticket, no ticket twice, and Rasa used again once it is back.

    make fault-rasa  # trains a small Rasa model, then .venv/bin/python -m bench.faults.rasa_killed

A Rasa server (--rasa-bin, its own virtual environment; --model; 127.0.0.1:--rasa-port) and the app
(in this process, served by uvicorn on a free port, FRONTDOOR_NLU_BACKEND=rasa, timeout --timeout s)
on a fresh PostgreSQL database `bench_fault_rasa` (at FRONTDOOR_BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/postgres; migrated, the demo profile loaded, dropped at the end).
Residents of baiyang write to /api/chat, --concurrency at a time, each message from a resident of its
own, every second one a problem report naming a building (which opens a ticket); a message without an
answer is posted again with the same message id (at most 3 tries), and after each phase every report
is posted again so, as WeChat retries, to check it is answered from the stored result. Phases of
--messages each:

1. up: Rasa parses;
2. hung: Rasa stopped with SIGSTOP: it accepts connections and never answers, so a parse waits the
   whole timeout, until the backend leaves Rasa alone for a while (`nlu.rasa_backend`);
3. resumed: SIGCONT; messages every second until Rasa parses again, then the phase;
4. killed: SIGKILL: connections refused;
5. restarted: Rasa launched again; messages every second until it parses again, then the phase.

Per phase: messages sent, answered, lost (no answer after 3 tries), latency, answers over WeChat's
5 s, and how many Rasa parsed against the embedded fallback (the backend's own counts). At the end the
tickets against the reports. Writes build/bench/fault-rasa.json (Rasa's log beside it); exits 1 if a
message was lost, a ticket duplicated or missing, or Rasa never parsed again.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import time
from pathlib import Path

import httpx

from bench.faults.rasa_server import RasaServer
from bench.faults.report import OUT_DIR, ROOT, Figures, finish, verdict
from bench.faults.resident_traffic import Residents, retry_reports, send, send_all, summary, ticket_check
from bench.faults.scratch_db import fault_database, load_profile_into
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from nlu.rasa_backend import RasaBackend
from storage.profile import load_profile
from tests.channels.wechat_server import serve_app

COMMAND = ".venv/bin/python -m bench.faults.rasa_killed"
BACK_WITHIN_S = 300.0


class Phases:
    """Sends each phase's messages and keeps, per phase, what happened and who parsed them."""

    def __init__(self, client: httpx.AsyncClient, backend: RasaBackend, args: argparse.Namespace) -> None:
        self.client, self.backend, self.args = client, backend, args
        self.residents = Residents()
        self.results: list[Figures] = []

    async def run(self, name: str, *, until_rasa_parses: bool = False) -> Figures:
        before = self.backend.stats()
        started = time.monotonic()
        back_after = await self._until_rasa_parses(name) if until_rasa_parses else None
        messages = list(self.residents.take(name, self.args.messages))
        await send_all(self.client, messages, self.args.concurrency, self.args.client_timeout)
        differing = await retry_reports(self.client, messages, self.args.client_timeout)
        after = self.backend.stats()
        everything = [m for m in self.residents.sent if m.phase == name]
        result = {"phase": name, **summary(everything), "retries_answered_differently": differing,
                  "parsed_by_rasa": after["parsed"] - before["parsed"],
                  "parsed_by_fallback": after["fallbacks"] - before["fallbacks"],
                  "of_which_rasa_paused": after["skipped"] - before["skipped"],
                  "rasa_parsing_again_after_s": back_after, "seconds": round(time.monotonic() - started, 1)}
        self.results.append(result)
        print_phase(result)
        return result

    async def _until_rasa_parses(self, name: str) -> float | None:
        """One message a second until Rasa has parsed one; the seconds that took (None: not within BACK_WITHIN_S)."""
        started, parsed = time.monotonic(), self.backend.parsed
        while self.backend.parsed == parsed:
            if time.monotonic() - started > BACK_WITHIN_S:
                return None
            [message] = self.residents.take(name, 1)
            await send(self.client, message, self.args.client_timeout)
            await asyncio.sleep(1.0)
        return round(time.monotonic() - started, 1)


async def exercise(rasa: RasaServer, runtime: Runtime, args: argparse.Namespace) -> Figures:
    backend = runtime.pipeline.nlu
    assert isinstance(backend, RasaBackend), "FRONTDOOR_NLU_BACKEND=rasa makes a RasaBackend"
    if args.no_pause:
        backend.pause_seconds = 0.0  # to compare: every message asks the hung server
    async with serve_app(runtime) as client:
        phases = Phases(client, backend, args)
        await phases.run("up")
        rasa.signal(signal.SIGSTOP)
        await phases.run("hung")
        rasa.signal(signal.SIGCONT)
        await phases.run("resumed", until_rasa_parses=True)
        rasa.kill()
        await phases.run("killed")
        rasa.launch()
        relaunch = asyncio.create_task(rasa.until_ready())
        await phases.run("restarted", until_rasa_parses=True)
        restart_s = await relaunch
    tickets = await ticket_check(runtime.sessions, phases.residents.sent)
    return {"phases": phases.results, "tickets": tickets, "rasa_restart_ready_s": round(restart_s, 1),
            "backend_totals": backend.stats()}


async def run(args: argparse.Namespace) -> Figures:
    profile = load_profile(ROOT / "profiles" / "demo")
    log = OUT_DIR / "fault-rasa-server.log"
    log.write_text("")
    with fault_database("rasa") as url, RasaServer(args.rasa_bin, args.model, args.rasa_port, log) as rasa:
        await load_profile_into(url, profile)
        rasa.launch()
        ready = await rasa.until_ready()
        print(f"Rasa ready in {ready:.0f} s on {rasa.url} (model {args.model}); log {log.relative_to(ROOT)}")
        settings = Settings(_env_file=None, database_url=url, nlu_backend="rasa", rasa_url=rasa.url,
                            rasa_timeout_seconds=args.timeout, in_app_worker=False)
        runtime = await start_runtime(settings)
        try:
            return {"rasa_first_ready_s": round(ready, 1), **await exercise(rasa, runtime, args)}
        finally:
            await runtime.close()


def print_phase(r: Figures) -> None:
    lat = r["latency_ms"]
    back = f"; Rasa parsing again after {r['rasa_parsing_again_after_s']} s" if r["rasa_parsing_again_after_s"] else ""
    print(f"\n  {r['phase']}: {r['sent']} sent, {r['answered']} answered, lost {r['lost']}, {r['retried']} needed "
          f"a retry{back}")
    print(f"    parsed by Rasa {r['parsed_by_rasa']}, by the embedded fallback {r['parsed_by_fallback']} (Rasa left "
          f"alone for {r['of_which_rasa_paused']}); latency p50 {lat['p50']} ms, max {lat['max']} ms, "
          f"{r['over_wechat_5s']} over WeChat's 5 s; retried reports answered differently: "
          f"{r['retries_answered_differently']}")


def failures(figures: Figures) -> list[str]:
    phases, tickets = figures["phases"], figures["tickets"]
    failed = [f"{p['phase']}: {p['lost']} messages lost" for p in phases if p["lost"]]
    failed += [f"{p['phase']}: retried reports answered differently" for p in phases
               if p["retries_answered_differently"]]
    failed += [f"{p['phase']}: Rasa not parsing again within {BACK_WITHIN_S:.0f} s" for p in phases
               if p["phase"] in ("resumed", "restarted") and p["rasa_parsing_again_after_s"] is None]
    if tickets["duplicated_tickets"]:
        failed.append(f"{tickets['duplicated_tickets']} duplicated tickets")
    if tickets["tickets_not_from_reports"]:
        failed.append(f"{tickets['tickets_not_from_reports']} tickets from messages that reported nothing")
    if tickets["reports_without_ticket"] or tickets["numbers_missing_from_answers"]:
        failed.append(f"{len(tickets['reports_without_ticket'])} reports without a ticket")
    return failed


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rasa-bin", type=Path, default=Path(".venv-rasa/bin/rasa"), help="rasa in its own venv")
    parser.add_argument("--model", type=Path, default=Path("build/rasa-fault/models/frontdoor.tar.gz"))
    parser.add_argument("--rasa-port", type=int, default=20505)
    parser.add_argument("--messages", type=int, default=30, help="messages per phase")
    parser.add_argument("--concurrency", type=int, default=4, help="messages under way at once")
    parser.add_argument("--timeout", type=float, default=2.0, help="the app's rasa_timeout_seconds")
    parser.add_argument("--client-timeout", type=float, default=15.0, help="a resident's wait before trying again")
    parser.add_argument("--no-pause", action="store_true",
                        help="never leave Rasa alone after failures (to compare with the circuit breaker)")
    args = parser.parse_args(argv)
    for path in (args.rasa_bin, args.model):
        if not path.exists():
            parser.error(f"{path} not found: `make rasa-venv` and train a model (`make fault-rasa` does both)")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.rasa_port)) == 0:
            parser.error(f"port {args.rasa_port} is in use; choose another --rasa-port")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    command = (f"{COMMAND} --rasa-bin {args.rasa_bin} --model {args.model} --rasa-port {args.rasa_port} "
               f"--messages {args.messages} --concurrency {args.concurrency} --timeout {args.timeout:g}"
               + (" --no-pause" if args.no_pause else ""))
    started = time.monotonic()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Rasa fault: phases up, hung (SIGSTOP), resumed, killed (SIGKILL), restarted; {args.messages} messages each")
    figures = asyncio.run(run(args))
    t = figures["tickets"]
    print(f"\n  tickets: expected {t['tickets_expected']}, found {t['tickets_found']}, duplicated "
          f"{t['duplicated_tickets']}, reports without one {len(t['reports_without_ticket'])}, numbers missing from "
          f"answers {t['numbers_missing_from_answers']}: "
          f"{verdict(not t['duplicated_tickets'] and not t['reports_without_ticket'])}")
    print(f"  Rasa back after its restart in {figures['rasa_restart_ready_s']} s; backend totals "
          f"{figures['backend_totals']}")
    finish("rasa", command, started, {"rasa": figures}, failures(figures))


if __name__ == "__main__":
    main()
