"""PostgreSQL unreachable for 30 s while residents write on WeChat, and the server killed (SIGKILL) and
started again in the middle of it: every message WeChat handed over is answered once, none is lost or
handled twice.

    make fault-restart  # = .venv/bin/python -m bench.faults.server_restart

The stack is fault-postgres's (`bench.load`: a fresh `bench_load_<random>` database, `frontdoor serve
--workers N` with the in-app worker off, one `frontdoor worker`, the fake WeChat/WeCom API, the driver
behaving as WeChat: a non-200 or no answer within 5 s is sent again, same MsgId and body, 5 s later, 3
tries in all). --outage-at seconds after the driver starts, the bench database stops accepting connections
and every session on it is cut (`ALLOW_CONNECTIONS false`, `pg_terminate_backend`; the rest of the cluster
is untouched) for --down-seconds. --kill-after seconds into the outage every server process is killed with
SIGKILL, and `frontdoor serve` is started again at once, while the database still refuses it: what the
killed processes had answered `success` is only in their spool (`bot.channels.spool`), and the new
processes take it over.

Counted as fault-postgres counts (answered but never processed, tickets lost or duplicated, late replies not
claimed), plus how many messages were taken over from a dead process's spool. A message all 3 tries of which
found no server process listening (the restart takes longer than WeChat's 10 s of retries on this machine)
was never handed over: WeChat tells the resident the account cannot answer now, and the figure is shown as
`refused_while_down` beside the restart's length. Every other message must be answered: `lost_handed_over`
(a try got in, yet no answer ever came) must be 0. Writes build/bench/fault-restart.json (logs and the
driver's records in build/bench/fault-restart/).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.faults.postgres_restart import (
    PROCESSED,
    checks,
    count,
    outbox_drained,
    print_counts,
    processed_key,
    query,
    read_records,
    settle,
)
from bench.faults.report import ROOT, Figures, finish, verdict
from bench.load.database import ADMIN_URL, bench_database, connect, database_name
from bench.load.figures import LOST, print_header, print_step
from bench.load.monitor import run_driver
from bench.load.stack import Stack, running_stack
from storage.profile import load_profile
from storage.repositories.processed import SEND

COMMAND = ".venv/bin/python -m bench.faults.server_restart"
LOGS = ROOT / "build" / "bench" / "fault-restart"
WARMUP_SECONDS = 10.0
TAKEN_OVER = "took over "



def refuse_connections(database: str, refused: bool) -> None:
    with connect(ADMIN_URL, timeout=10) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"false" if refused else "true"}')
        if refused:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))


async def outage_with_a_restart(args: argparse.Namespace, database: str, stack: Stack, moments: dict[str, float],
                                origin: float) -> None:
    """The database refused from `outage_at` for `down_seconds`; the server killed and restarted `kill_after`
    seconds into it. Connections are allowed again whatever happens."""
    def mark(name: str, what: str) -> None:
        moments[name] = round(time.monotonic() - origin, 1)
        print(f"-- {what} at {moments[name]} s", flush=True)

    try:
        await asyncio.sleep(args.outage_at)
        await asyncio.to_thread(refuse_connections, database, True)
        mark("outage_at_s", "the database refuses connections")
        await asyncio.sleep(args.kill_after)
        mark("killed_at_s", "every server process killed (SIGKILL)")
        await asyncio.to_thread(stack.kill_and_restart_server)
        mark("serving_again_at_s", "the restarted server serves")
        await asyncio.sleep(max(0.0, args.down_seconds - (moments["serving_again_at_s"] - moments["outage_at_s"])))
        await asyncio.to_thread(refuse_connections, database, False)
        mark("up_at_s", "the database accepts connections")
    finally:
        await asyncio.to_thread(refuse_connections, database, False)


def taken_over(stack: Stack) -> int:
    """Messages the restarted processes took over from the spools of the killed ones, from the server's log."""
    total = 0
    for line in (stack.logs / "server.log").read_text(errors="replace").splitlines():
        if TAKEN_OVER in line:
            total += int(line.split(TAKEN_OVER, 1)[1].split()[0])
    return total


async def run(args: argparse.Namespace, url: str, stack: Stack) -> Figures:
    records = LOGS / "records.jsonl"
    moments: dict[str, float] = {}
    origin = time.monotonic()
    fault = asyncio.create_task(outage_with_a_restart(args, database_name(url), stack, moments, origin))
    print_header()
    flags = ["--rates", str(args.rate), "--step-seconds", str(args.seconds), "--warmup-seconds", str(WARMUP_SECONDS),
             "--attempts", "3", "--retry-interval", "5", "--timeout", "5", "--fresh-residents", "--tag", "restart",
             "--seed", str(args.seed), "--late-wait", str(args.settle_seconds), "--records", str(records)]
    try:
        steps, _ = await run_driver(stack, url, flags, print_step)
    finally:
        await fault
    recorded = read_records(records)
    waited = await settle(url, recorded, args.settle_seconds)
    figures = count(url, recorded, stack)
    delivered_by = dict(query(url, PROCESSED))
    every_try_failed = [processed_key(r) for r in recorded if r["outcome"] == LOST]
    figures["every_try_failed"] = len(every_try_failed)
    figures["never_handled"] = sum(1 for key in every_try_failed if key not in delivered_by)
    figures["silent"] = sum(1 for key in every_try_failed if key in delivered_by and delivered_by[key] != SEND)
    figures["answered_later"] = sum(1 for key in every_try_failed if delivered_by.get(key) == SEND)
    figures["taken_over_from_dead_spools"] = taken_over(stack)
    figures["outbox_due_drained_after_s"] = await outbox_drained(url)
    print_counts(figures, lost_judged_here=False)
    print(f"  taken over from the killed processes' spools: {figures['taken_over_from_dead_spools']}; outbox rows "
          f"due drained {figures['outbox_due_drained_after_s']} s later")
    down = moments.get("serving_again_at_s", 0) - moments.get("killed_at_s", 0)
    print(f"  no server process for {down:.1f} s; {figures['every_try_failed']} messages failed all 3 tries at the "
          f"driver: answered later by a customer-service message {figures['answered_later']}, handled but never "
          f"answered {figures['silent']}, never handled {figures['never_handled']}: "
          f"{verdict(figures['silent'] == 0 and figures['never_handled'] == 0)}")
    return {"rate": args.rate, "seconds": args.seconds, "down_seconds": args.down_seconds,
            "kill_after_s": args.kill_after, **moments, "settle_s": waited, **figures, "steps": steps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=10.0, help="messages a second")
    parser.add_argument("--seconds", type=float, default=75.0, help="how long the load lasts (after the warm-up)")
    parser.add_argument("--outage-at", type=float, default=25.0, help="seconds after the driver starts")
    parser.add_argument("--down-seconds", type=float, default=30.0, help="how long the database refuses")
    parser.add_argument("--kill-after", type=float, default=12.0, help="seconds into the outage")
    parser.add_argument("--settle-seconds", type=float, default=180.0, help="wait at most this for late replies")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    command = (f"{COMMAND} --rate {args.rate:g} --seconds {args.seconds:g} --outage-at {args.outage_at:g} "
               f"--down-seconds {args.down_seconds:g} --kill-after {args.kill_after:g} --workers {args.workers} "
               f"--seed {args.seed}")
    started = time.monotonic()
    print(f"Server killed during a database outage: {args.rate:g} msg/s for {args.seconds:g} s; the database "
          f"refused {args.outage_at:g} s in for {args.down_seconds:g} s, every server process killed and restarted "
          f"{args.kill_after:g} s into it; WeChat's 3 tries 5 s apart")
    with bench_database(load_profile(ROOT / "profiles" / "demo")) as url, \
            running_stack(url, args.workers, LOGS) as stack:
        figures = asyncio.run(run(args, url, stack))
    failed = [problem for problem in checks(figures) if "all 3 tries failed" not in problem]
    failed += [f"{figures[key]} {what}" for key, what in (
        ("never_handled", "messages never handled"), ("silent", "messages handled but never answered"))
        if figures[key]]
    if not figures["taken_over_from_dead_spools"]:
        failed.append("nothing was taken over from the killed processes' spools: the fault did not bite")
    finish("restart", command, started, figures, failed)


if __name__ == "__main__":
    main()
