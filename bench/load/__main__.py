"""Load on the WeChat webhook, on PostgreSQL: how many resident messages a second the front door answers
with p99 under 1 s, and whether it holds a steady rate for half an hour.

    make bench-load   # = .venv/bin/python -m bench.load
    make bench-soak   # = .venv/bin/python -m bench.load --soak-minutes 30

A fresh database `bench_load_<random>` (on FRONTDOOR_BENCH_POSTGRES_URL's server, default
postgresql://postgres@127.0.0.1:5432/postgres) is migrated and given the demo profile; the app runs as
`frontdoor serve --workers N` (default: one per core) with the in-app worker off, plus one `frontdoor worker`
delivering the outbox, both talking to the fake WeChat/WeCom API in a process of its own; WeChat is in
safe mode (signed, AES-encrypted). The driver (`bench.load.driver`, its own process) sends 2,000
residents' conversations, a mix from the intent inventory (`bench.load.conversations`), open-loop at a
fixed rate per step, stepping up until a step has errors or a p99 of 1 s or more. Per step: offered and
sustained messages/s, p50/p95/p99 latency, errors (non-200 or no answer within 5 s), `success` answers
(messages that missed the 4 s reply budget), unexpected replies, CPU % (of one core) and RSS of each server
process, the worker and the driver, and PostgreSQL connections to the bench database. Writes
build/bench/load.json (logs in build/bench/load/).

The soak runs at half the highest rate with p99 under 1 s (from build/bench/load.json; a ramp runs first
when there is none) or at --rate, and checks: 0 errors, each server process's RSS grown < 10 % from its
level in the first two minutes to the end, no growth in database connections. Writes
build/bench/soak.json; exits 1 if a bound fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

from bench.load.database import bench_database
from bench.load.figures import Figures, healthy, print_header, print_step
from bench.load.monitor import run_driver
from bench.load.soak import evaluate, print_soak
from bench.load.stack import ROOT, Stack, running_stack
from storage.profile import load_profile

OUT = ROOT / "build" / "bench"
LOGS = OUT / "load"
COMMAND = ".venv/bin/python -m bench.load"


def common_flags(args: argparse.Namespace) -> list[str]:
    return [f"--workers {args.workers}", f"--residents {args.residents}", f"--seed {args.seed}",
            f"--warmup-seconds {args.warmup_seconds:g}"]


def driver_flags(args: argparse.Namespace) -> list[str]:
    return ["--residents", str(args.residents), "--seed", str(args.seed), "--stop-p99-ms", str(args.p99_ms),
            "--warmup-seconds", str(args.warmup_seconds)]


async def ramp(args: argparse.Namespace, stack: Stack, url: str) -> Figures:
    print(f"\nRamp: {','.join(f'{r:g}' for r in args.rates)} msg/s, {args.step_seconds:g} s a step, "
          f"{args.residents} residents, {args.workers} server processes + 1 worker")
    print_header()
    steps, _ = await run_driver(stack, url, [*driver_flags(args), "--tag", "ramp", "--rates",
                                             ",".join(map(str, args.rates)), "--step-seconds", str(args.step_seconds)],
                                print_step)
    good = [s["offered_per_s"] for s in steps if healthy(s, args.p99_ms)]
    best = max(good, default=None)
    print(f"highest rate with p99 < {args.p99_ms:g} ms and no errors: {best if best is not None else 'none'} msg/s")
    command = f"{COMMAND} {' '.join(common_flags(args))} --rates {','.join(f'{r:g}' for r in args.rates)} " \
              f"--step-seconds {args.step_seconds:g}"
    return {"command": command, "workers": args.workers, "cores": os.cpu_count(), "steps": steps,
            "highest_rate_p99_under_1s": best, "alive_at_end": stack.alive()}


async def soak(args: argparse.Namespace, stack: Stack, url: str, rate: float) -> Figures:
    seconds = args.soak_minutes * 60
    intervals = max(1, round(seconds / args.interval_seconds))
    print(f"\nSoak: {rate:g} msg/s for {args.soak_minutes:g} min, figures every {seconds / intervals:.0f} s")
    print_header()
    launched = time.monotonic()
    steps, monitor = await run_driver(stack, url, [*driver_flags(args), "--tag", "soak", "--continuous",
                                                   "--rates", str(rate), "--repeat", str(intervals),
                                                   "--step-seconds", str(seconds / intervals)], print_step, every=5.0)
    result = evaluate(monitor.samples, monitor.starts.get(0, launched), seconds, steps)
    if not stack.alive()["worker"] or not stack.alive()["server"]:
        result["failed"].append("a process died")
    print_soak(result)
    command = f"{COMMAND} {' '.join(common_flags(args))} --soak-minutes {args.soak_minutes:g} --rate {rate:g}"
    return {"command": command, "rate": rate, "minutes": args.soak_minutes, "intervals": steps, **result}


def soak_rate(args: argparse.Namespace) -> float | None:
    if args.rate is not None:
        return float(args.rate)
    try:
        best = json.loads((OUT / "load.json").read_text())["highest_rate_p99_under_1s"]
    except (OSError, ValueError, KeyError):
        return None
    return best / 2 if best else None


async def run(args: argparse.Namespace, url: str) -> int:
    with running_stack(url, args.workers, LOGS) as stack:
        print(f"app at {stack.url} ({args.workers} server processes), fake WeChat API at {stack.api_base}; "
              f"logs in {LOGS.relative_to(ROOT)}")
        if args.soak_minutes is None or soak_rate(args) is None:
            result = await ramp(args, stack, url)
            write(OUT / "load.json", result)
            if args.soak_minutes is None:
                return 0
        rate = soak_rate(args)
        if rate is None:
            print("no rate met the p99 bound: nothing to soak at", file=sys.stderr)
            return 1
        result = await soak(args, stack, url, rate)
        write(OUT / "soak.json", result)
        return 1 if result["failed"] else 0


def write(path: Path, result: Figures) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"wrote {path.relative_to(ROOT)}; reproduce with: {result['command']}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server processes (default: cores)")
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")],
                        default=[5.0, 10.0, 20.0, 40.0, 80.0, 160.0], help="msg/s of the ramp's steps")
    parser.add_argument("--step-seconds", type=float, default=45.0)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--warmup-seconds", type=float, default=15.0,
                        help="messages at the first rate before any figure, so each server process has parsed a few")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--p99-ms", type=float, default=1000.0, help="the ramp stops at a step with p99 at or over")
    parser.add_argument("--soak-minutes", type=float, help="soak instead of (or after) the ramp; make bench-soak: 30")
    parser.add_argument("--rate", type=float, help="the soak's msg/s (default: half the ramp's best)")
    parser.add_argument("--interval-seconds", type=float, default=60.0, help="the soak's reporting interval")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    with bench_database(load_profile(ROOT / "profiles" / "demo")) as url:
        code = asyncio.run(run(args, url))
    sys.exit(code)


if __name__ == "__main__":
    main()
