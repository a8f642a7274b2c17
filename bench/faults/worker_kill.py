"""A delivery worker killed with SIGKILL during a broadcast, restarted, and the broadcast finished:
nobody may be left without the notice, and a notice may repeat only where the killed worker had sent
it and not yet recorded it (in flight).

    make fault-worker  # = .venv/bin/python -m bench.faults.worker_kill

The crash run of the broadcast benchmark (`bench.broadcast.crash`) on a database of its own,
`bench_fault_worker` (PostgreSQL at FRONTDOOR_BENCH_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/postgres; dropped at the end): --recipients Telegram subscribers,
a worker with a --lease s outbox lease killed 3-25 s after each start (--kills times, RNG --seed),
restarted each time, then left to finish, against the fake Bot API in its own process with Telegram's
limits enforced. Writes build/bench/fault-worker.json (worker and fake logs in build/bench-broadcast/).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.broadcast.crash import crash_run, print_crash
from bench.broadcast.processes import LOGS
from bench.faults.report import ROOT, Figures, finish
from bench.faults.scratch_db import fault_database, load_profile_into
from storage.profile import load_profile

COMMAND = ".venv/bin/python -m bench.faults.worker_kill"


async def run(args: argparse.Namespace) -> Figures:
    profile = load_profile(ROOT / "profiles" / "demo")
    with fault_database("worker") as url:
        await load_profile_into(url, profile, args.recipients)
        return await crash_run(url, profile, args.recipients, args.kills, args.seed, args.lease, "fault-worker")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=3000, help="Telegram subscribers of the broadcast")
    parser.add_argument("--kills", type=int, default=3, help="times the worker is killed and restarted")
    parser.add_argument("--seed", type=int, default=11, help="seeds the moments of the kills")
    parser.add_argument("--lease", type=float, default=20.0, help="the outbox lease, seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    command = (f"{COMMAND} --recipients {args.recipients} --kills {args.kills} --seed {args.seed} "
               f"--lease {args.lease:g}")
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)
    figures = asyncio.run(run(args))
    print_crash(figures)
    checks = (("ok_lost", "recipients lost"), ("ok_repeats", "more repeats than in flight"))
    failed = [message for key, message in checks if not figures[key]]
    finish("worker", command, started, {"worker_kill": figures}, failed)


if __name__ == "__main__":
    main()
