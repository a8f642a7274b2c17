"""Broadcasting a notice on PostgreSQL: writing the deliveries, sending them at Telegram's pace, and
surviving workers killed mid-way.

    make bench-broadcast  # = .venv/bin/python -m bench.broadcast

Each part runs in a fresh database `bench_broadcast` (dropped and recreated on the PostgreSQL server of
FRONTDOOR_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres; migrated; the demo
profile loaded), with the recipients seeded beforehand, untimed, as residents of qingshui subscribed to
its announcements, each with a Telegram account (`tests.subscribers.seed_subscribers`).

1. Enqueue (--enqueue-recipients, 100,000): the time to create one whole-community announcement and
   send it (`start_sending` + commit: one INSERT ... SELECT writes a delivery row per recipient; target
   < 10 s), and side by side on the same data a naive way: one ORM `OutboxMessage` per recipient with
   the text copied into its payload, `session.add_all` + commit. The outbox is emptied between the two.
   Memory: this process's peak RSS during each (the high-water mark reset before it through
   /proc/self/clear_refs) and, in a second, untimed run of each, tracemalloc's peak of Python allocations.
2. Sustained rate (--recipients, 3,000): ONE `frontdoor worker` subprocess delivers the broadcast to the
   fake Telegram Bot API in a process of its own, which answers 429 over Telegram's limits. From the
   fake: messages, span from the first send to the last, sustained rate = (messages - 1) / span, its
   share of the 30/s cap (target >= 95 %), the peak in any second, 429s (target 0); every recipient
   must get exactly one message. The worker's peak memory is VmHWM from /proc/<pid>/status read just
   before it is stopped.
3. Crash run (--crash-recipients, 5,000): a worker with a short lease (--lease, 20 s, so a restarted
   worker takes over the dead one's claimed rows) is killed with SIGKILL at a random moment 3-25 s after
   each start (--kills times, RNG --seed), restarted each time, then left to finish. Half a second after
   each kill, "in flight" = the messages the fake accepted from that worker to recipients whose row is
   still not committed as delivered: each will be sent again, so the repeats at the end may not exceed
   their sum. Lost recipients (no message at all) must be 0.
   Both runs also give the window in which a crash repeats a message: for each delivered row, its
   `delivered_at` minus the fake's wall-clock acceptance of the send it marks. `delivered_at` is stamped
   just before the UPDATE and COMMIT that record it, so this is a lower bound by their own duration,
   which is timed separately (one-row UPDATE + COMMIT on the idle database).

Prints the figures; writes build/bench-broadcast.json (worker and fake logs in build/bench-broadcast/);
exits 1 after printing if an acceptance bound fails. Takes about ten minutes at the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from sqlalchemy.engine import make_url

from bench.broadcast.crash import crash_part, print_crash
from bench.broadcast.database import ADMIN_URL, DATABASE, drop_database
from bench.broadcast.enqueue import enqueue_part, print_enqueue
from bench.broadcast.measures import Figures
from bench.broadcast.processes import LOGS, ROOT
from bench.broadcast.rate import print_rate, rate_part
from storage.profile import Profile, load_profile

COMMAND = ".venv/bin/python -m bench.broadcast"
OUT = ROOT / "build" / "bench-broadcast.json"


def failures(results: Figures) -> list[str]:
    checks = [("enqueue", "ok", "enqueue not under 10 s"), ("rate", "ok_share", "rate under 95 % of the cap"),
              ("rate", "ok_429", "429s received"), ("rate", "ok_once", "not exactly one message each"),
              ("crash", "ok_lost", "recipients lost"), ("crash", "ok_repeats", "more repeats than in flight")]
    return [message for part, key, message in checks if part in results and not results[part][key]]


def reproduce(args: argparse.Namespace) -> str:
    flags = [f"--recipients {args.recipients}", f"--enqueue-recipients {args.enqueue_recipients}",
             f"--crash-recipients {args.crash_recipients}", f"--kills {args.kills}", f"--seed {args.seed}",
             f"--lease {args.lease:g}"]
    flags += [f"--skip-{part}" for part in ("enqueue", "rate", "crash") if getattr(args, f"skip_{part}")]
    return f"{COMMAND} {' '.join(flags)}"


async def run(args: argparse.Namespace, profile: Profile) -> Figures:
    results: Figures = {}
    if not args.skip_enqueue:
        results["enqueue"] = await enqueue_part(profile, args.enqueue_recipients)
        print_enqueue(results["enqueue"])
    if not args.skip_rate:
        results["rate"] = await rate_part(profile, args.recipients)
        print_rate(results["rate"])
    if not args.skip_crash:
        results["crash"] = await crash_part(profile, args.crash_recipients, args.kills, args.seed, args.lease)
        print_crash(results["crash"])
    return results


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=3000, help="Telegram recipients of the rate run")
    parser.add_argument("--enqueue-recipients", type=int, default=100_000, help="recipients of the enqueue timing")
    parser.add_argument("--crash-recipients", type=int, default=5000, help="recipients of the crash run")
    parser.add_argument("--kills", type=int, default=5, help="times the crash run's worker is killed")
    parser.add_argument("--seed", type=int, default=7, help="seeds the moments of the kills")
    parser.add_argument("--lease", type=float, default=20.0, help="the crash run's outbox lease, seconds")
    for part in ("enqueue", "rate", "crash"):
        parser.add_argument(f"--skip-{part}", action="store_true", help=f"leave out the {part} part")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)
    print(f"Broadcast benchmark: PostgreSQL database {DATABASE} at {make_url(ADMIN_URL).host}, "
          f"Telegram through the fake Bot API with limits enforced")
    try:
        results = asyncio.run(run(args, load_profile(ROOT / "profiles" / "demo")))
    finally:
        drop_database()
    failed = failures(results)
    total = time.monotonic() - started
    OUT.write_text(json.dumps({"command": reproduce(args), "total_s": round(total, 1), **results,
                               "failed": failed}, indent=2, ensure_ascii=False, default=str))
    print(f"\n{'all acceptance bounds met' if not failed else 'FAILED: ' + '; '.join(failed)}")
    print(f"total {total:.0f} s; wrote {OUT.relative_to(ROOT)}; reproduce with: {reproduce(args)}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
