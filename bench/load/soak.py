"""The soak: a steady rate for many minutes, then the bounds: no errors, each server process's memory
grown less than 10 % from its level after the first two minutes to the end, and no more database
connections at the end than in the first half."""

from __future__ import annotations

import statistics

from bench.load.figures import Figures
from bench.load.monitor import Sample

RSS_GROWTH_LIMIT = 0.10
CONNECTION_SLACK = 2
"""Pools open and close overflow connections with the load's ups and downs: a couple more at the end
than in the first half is noise; a leak grows without end. The first half, not the first minutes: each
process's pool keeps up to its size of connections once a burst has opened them, which a slow moment
(another job on the machine) may do at any time; a leak keeps growing after it."""


def windows(duration: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The baseline (the level once warmed up: the second of the first two minutes) and the end (the last
    minute), in seconds from the start; scaled down for a short validation soak."""
    warm = min(120.0, duration / 3)
    last = min(60.0, duration / 6)
    return (warm / 2, warm), (duration - last, duration)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def evaluate(samples: list[Sample], started: float, duration: float, intervals: list[Figures]) -> Figures:
    (b0, b1), (e0, e1) = windows(duration)
    base = [s for s in samples if b0 <= s.at - started <= b1]
    end = [s for s in samples if e0 <= s.at - started <= e1 + 5]
    servers = sorted({name for s in samples for name in s.rss_mb if name.startswith("server:")})
    growth = {}
    for name in [*servers, "worker"]:
        first = _median([s.rss_mb[name] for s in base if name in s.rss_mb])
        final = _median([s.rss_mb[name] for s in end if name in s.rss_mb])
        ratio = (final - first) / first if first and final is not None else None
        growth[name] = {"baseline_mb": first, "end_mb": final, "growth": None if ratio is None else round(ratio, 4)}
    early = max((s.pg_connections for s in samples
                 if s.at - started <= duration / 2 and s.pg_connections is not None), default=0)
    late = max((s.pg_connections for s in end if s.pg_connections is not None), default=0)
    errors = sum(i["errors"] for i in intervals)
    server_growth = [growth[name]["growth"] for name in servers]
    checks = {
        "no_errors": errors == 0,
        "rss_growth_under_10pct": bool(server_growth) and all(g is not None and g < RSS_GROWTH_LIMIT
                                                              for g in server_growth),
        "servers_kept_their_processes": len(servers) == len({n for n in samples[-1].rss_mb if n.startswith("server:")}),
        "no_connection_growth": late <= early + CONNECTION_SLACK,
    }
    every = max(1, len(samples) // 60)
    return {
        "windows_s": {"baseline": [b0, b1], "end": [e0, e1]}, "errors": errors,
        "success_answers": sum(i["success_answers"] for i in intervals),
        "rss": growth, "pg_connections_early_max": early, "pg_connections_end_max": late,
        "pg_connections_over_time": [[round(s.at - started), s.pg_connections] for s in samples[::every]],
        "checks": checks, "failed": [name for name, ok in checks.items() if not ok],
    }


def print_soak(result: Figures) -> None:
    print(f"\nSoak bounds (baseline window {result['windows_s']['baseline']} s, end window "
          f"{result['windows_s']['end']} s from the start):")
    print(f"  errors {result['errors']} (must be 0); `success` answers {result['success_answers']}")
    for name, g in result["rss"].items():
        shown = "n/a" if g["growth"] is None else f"{g['growth']:+.1%}"
        bound = " (must be < +10.0%)" if name.startswith("server:") else ""
        print(f"  RSS {name:<14} {g['baseline_mb']} MB → {g['end_mb']} MB: {shown}{bound}")
    print(f"  PG connections: peak {result['pg_connections_early_max']} in the first half, "
          f"{result['pg_connections_end_max']} at the end (must not grow by more than {CONNECTION_SLACK})")
    series = " ".join(f"{t}s:{n}" for t, n in result["pg_connections_over_time"][:: max(1, len(
        result["pg_connections_over_time"]) // 12)])
    print(f"  PG connections over time: {series}")
    for name, ok in result["checks"].items():
        print(f"  {name}: {'ok' if ok else 'FAILED'}")
