"""PostgreSQL stopped and started again while residents write on WeChat: no message that WeChat handed
over may be lost or handled twice, and no problem report may make no ticket or two.

    make fault-postgres  # = .venv/bin/python -m bench.faults.postgres_restart

The load benchmark's stack (`bench.load`: a fresh `bench_load_<random>` database with the demo profile,
`frontdoor serve --workers N` with the in-app worker off, one `frontdoor worker`, the fake WeChat/WeCom API)
takes --rate messages a second for --seconds (after a 10 s warm-up) from the load driver behaving as
WeChat does: a non-200 or no answer within 5 s is sent again, same MsgId and same body, 5 s after the try
before, 3 tries in all. Every conversation is a resident's own (so tickets can be counted per resident)
and a resident answered `success` reads the late reply before writing on. --restart-at seconds after the
driver starts, the cluster is stopped (`pg_ctlcluster ... stop`, fast mode: every connection cut), left
down --down-seconds, and started again; it is started in any case before the script ends.

Then, once the late replies are through (at most --settle-seconds), the database is counted:
- lost: messages all 3 tries of which failed (must be 0: the outage is shorter than WeChat's retries);
- answered but not processed: a 200 (an answer or `success`) with no `processed_messages` row (must be 0:
  `success` hands the message over for good);
- tickets: each resident whose report or certificate conversation was answered throughout must have
  exactly one ticket; missing ones are lost tickets, extra ones duplicates (both must be 0);
- also shown: late replies never claimed for sending, outbox rows still waiting, and whether the server
  processes and the worker outlived the outage.
Writes build/bench/fault-postgres.json (logs and the driver's records in build/bench/fault-postgres/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.faults.report import ROOT, Figures, finish, verdict
from bench.load.conversations import TICKET_KINDS
from bench.load.database import bench_database, connect
from bench.load.figures import LOST, SUCCESS, print_header, print_step
from bench.load.monitor import run_driver
from bench.load.stack import Stack, running_stack
from bot.core.seal import server_seal
from bot.settings import DEVELOPMENT_SECRET
from storage.profile import load_profile

COMMAND = ".venv/bin/python -m bench.faults.postgres_restart"
LOGS = ROOT / "build" / "bench" / "fault-postgres"
WARMUP_SECONDS = 10.0


def cluster() -> list[str]:
    """Version and name of the local cluster, from `pg_lsclusters` (e.g. ["15", "main"])."""
    first = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout.split()
    return first[:2]


def pg_ctl(action: str) -> int:
    return subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster(), action],
                          capture_output=True, text=True).returncode


def ensure_running() -> None:
    if pg_ctl("status") != 0:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster(), "start"], check=True)


async def restart(after: float, down: float, moments: dict[str, float], origin: float) -> None:
    """Stop the cluster `after` s in, start it `down` s later; started again whatever happens."""
    try:
        await asyncio.sleep(after)
        moments["stop_at_s"] = round(time.monotonic() - origin, 1)
        stopped = await asyncio.to_thread(pg_ctl, "stop")
        print(f"-- PostgreSQL stopped at {moments['stop_at_s']} s (pg_ctlcluster exit {stopped})", flush=True)
        await asyncio.sleep(down)
        started = await asyncio.to_thread(pg_ctl, "start")
        moments["up_at_s"] = round(time.monotonic() - origin, 1)
        print(f"-- PostgreSQL started at {moments['up_at_s']} s (pg_ctlcluster exit {started})", flush=True)
    finally:
        await asyncio.to_thread(ensure_running)


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with connect(url, timeout=10) as connection:
        return connection.execute(sql).fetchall()


PROCESSED = "SELECT message_id, delivered_by FROM processed_messages WHERE channel = 'wechat'"
SEAL = server_seal(DEVELOPMENT_SECRET)
"""The stack's servers run with the development secret (`bench.load.stack`), so their retry-cache keys are known."""


def processed_key(record: dict[str, Any]) -> str:
    """The retry cache's key of a message the driver sent (`Pipeline.retry_key`)."""
    return SEAL.of(f"{record['openid']}:{record['msg_id']}")
TICKETS = ("SELECT ci.external_id, count(t.id) FROM tickets t JOIN channel_identities ci "
           "ON ci.resident_id = t.resident_id AND ci.channel = 'wechat' GROUP BY ci.external_id")
OUTBOX_WAITING = ("SELECT kind, count(*) FILTER (WHERE available_at <= now()), "
                  "count(*) FILTER (WHERE available_at > now() AND claimed_by IS NOT NULL) FROM outbox "
                  "WHERE delivered_at IS NULL AND undeliverable_reason IS NULL GROUP BY kind")
"""Undelivered rows by kind: due now, and put off once taken (a sender's lease, or a retry's pause)."""


async def settle(url: str, records: list[dict[str, Any]], within: float) -> float:
    """Wait until every message answered `success` has its replies claimed for sending; returns the wait."""
    started = time.monotonic()
    pending = {processed_key(r) for r in records if r["outcome"] == SUCCESS}
    while pending and time.monotonic() - started < within:
        claimed = {m for m, by in await asyncio.to_thread(query, url, PROCESSED) if by is not None}
        pending -= claimed
        if pending:
            await asyncio.sleep(1.0)
    return round(time.monotonic() - started, 1)


async def outbox_drained(url: str, within: float = 60.0) -> float | None:
    """Seconds until no outbox row is due any more (the dispatcher caught up), or None if not within."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if not any(due for _, due, _ in await asyncio.to_thread(query, url, OUTBOX_WAITING)):
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(1.0)
    return None


def expected_tickets(records: list[dict[str, Any]]) -> set[str]:
    """Residents whose ticket conversation got through: every turn answered, none misunderstood."""
    by_resident: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_resident.setdefault(record["openid"], []).append(record)
    return {openid for openid, turns in by_resident.items()
            if turns[0]["kind"] in TICKET_KINDS and any(t["last_turn"] for t in turns)
            and all(t["outcome"] != LOST and not t["unexpected"] for t in turns)}


def count(url: str, records: list[dict[str, Any]], stack: Stack) -> Figures:
    processed = dict(query(url, PROCESSED))
    tickets = {openid: int(n) for openid, n in query(url, TICKETS)}
    sent = {processed_key(r): r for r in records}
    lost = [m for m, r in sent.items() if r["outcome"] == LOST]
    answered = [m for m, r in sent.items() if r["outcome"] != LOST]
    expected = expected_tickets(records)
    return {
        "messages": len(records), "outcomes": dict(Counter(r["outcome"] for r in records)),
        "attempts": dict(Counter(len(r["statuses"]) for r in records)),
        "failed_attempts_by_kind": dict(Counter(s for r in records for s in r["statuses"] if s != "200")),
        "lost": len(lost), "lost_but_processed": sum(1 for m in lost if m in processed),
        "answered_not_processed": sum(1 for m in answered if m not in processed),
        "processed_not_sent": sum(1 for m in processed if m not in sent),
        "unexpected_replies": sum(1 for r in records if r["unexpected"]),
        "ticket_conversations_through": len(expected),
        "lost_tickets": sum(1 for openid in expected if tickets.get(openid, 0) == 0),
        "duplicated_tickets": sum(n - 1 for n in tickets.values() if n > 1),
        "tickets": sum(tickets.values()),
        "late_replies_not_claimed": sum(1 for m, r in sent.items()
                                        if r["outcome"] == SUCCESS and processed.get(m) is None),
        "outbox_undelivered": {kind: {"due": int(due), "put_off": int(put_off)}
                               for kind, due, put_off in query(url, OUTBOX_WAITING) if due or put_off},
        "alive_at_end": stack.alive(),
    }


def checks(figures: Figures) -> list[str]:
    bounds = [("lost", "messages lost (all 3 tries failed)"),
              ("answered_not_processed", "messages answered but never processed"),
              ("lost_tickets", "reports without their ticket"), ("duplicated_tickets", "duplicated tickets")]
    failed = [f"{figures[key]} {what}" for key, what in bounds if figures[key]]
    failed += [f"the {name} died" for name, alive in figures["alive_at_end"].items() if not alive]
    return failed


def print_counts(f: Figures, lost_judged_here: bool = True) -> None:
    """`lost_judged_here` False: the caller judges messages all of whose tries failed itself (fault-restart)."""
    print(f"\n{f['messages']} messages: {f['outcomes']}; tries per message {f['attempts']}; failed tries "
          f"{f['failed_attempts_by_kind'] or 'none'}")
    judged = verdict(f['lost'] == 0) if lost_judged_here else "judged below"
    print(f"  lost (all 3 tries failed): {f['lost']} (of which processed anyway: {f['lost_but_processed']}): "
          f"{judged}")
    print(f"  answered but not processed: {f['answered_not_processed']}: {verdict(f['answered_not_processed'] == 0)}")
    print(f"  tickets {f['tickets']} for {f['ticket_conversations_through']} report/certificate conversations "
          f"answered throughout: lost {f['lost_tickets']}, duplicated {f['duplicated_tickets']}: "
          f"{verdict(f['lost_tickets'] == 0 and f['duplicated_tickets'] == 0)}")
    print(f"  unexpected replies {f['unexpected_replies']}; late replies not claimed {f['late_replies_not_claimed']}")
    print(f"  outbox rows undelivered (due now / put off by a lease or a retry): {f['outbox_undelivered'] or 'none'}; "
          f"alive at the end {f['alive_at_end']}")


async def run(args: argparse.Namespace, url: str, stack: Stack) -> Figures:
    records = LOGS / "records.jsonl"
    moments: dict[str, float] = {}
    origin = time.monotonic()
    outage = asyncio.create_task(restart(args.restart_at, args.down_seconds, moments, origin))
    print_header()
    flags = ["--rates", str(args.rate), "--step-seconds", str(args.seconds), "--warmup-seconds", str(WARMUP_SECONDS),
             "--attempts", "3", "--retry-interval", "5", "--timeout", "5", "--fresh-residents", "--tag", "pgfault",
             "--seed", str(args.seed), "--late-wait", str(args.settle_seconds), "--records", str(records)]
    try:
        steps, _ = await run_driver(stack, url, flags, print_step)
    finally:
        await outage
    recorded = read_records(records)
    waited = await settle(url, recorded, args.settle_seconds)
    figures = count(url, recorded, stack)
    figures["outbox_due_drained_after_s"] = await outbox_drained(url)
    print_counts(figures)
    print(f"  outbox rows due drained {figures['outbox_due_drained_after_s']} s later (None: not within 60 s; "
          "rows put off come due when their lease or pause ends)")
    return {"rate": args.rate, "seconds": args.seconds, "down_seconds": args.down_seconds, **moments,
            "settle_s": waited, **figures, "steps": steps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=10.0, help="messages a second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts (after the warm-up)")
    parser.add_argument("--restart-at", type=float, default=30.0, help="seconds after the driver starts")
    parser.add_argument("--down-seconds", type=float, default=8.0, help="how long PostgreSQL stays stopped")
    parser.add_argument("--settle-seconds", type=float, default=180.0, help="wait at most this for late replies")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    command = (f"{COMMAND} --rate {args.rate:g} --seconds {args.seconds:g} --restart-at {args.restart_at:g} "
               f"--down-seconds {args.down_seconds:g} --workers {args.workers} --seed {args.seed}")
    started = time.monotonic()
    print(f"PostgreSQL restart under load: {args.rate:g} msg/s for {args.seconds:g} s, the cluster "
          f"{'/'.join(cluster())} stopped {args.restart_at:g} s in for {args.down_seconds:g} s; "
          "WeChat's 3 tries 5 s apart")
    try:
        with bench_database(load_profile(ROOT / "profiles" / "demo")) as url, \
                running_stack(url, args.workers, LOGS) as stack:
            figures = asyncio.run(run(args, url, stack))
    finally:
        ensure_running()
    finish("postgres", command, started, figures, checks(figures))


if __name__ == "__main__":
    main()
