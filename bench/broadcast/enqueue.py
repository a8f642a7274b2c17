"""Part 1: the time and memory of writing one whole-community notice's deliveries, ours and the naive way."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Awaitable, Callable

from bench.broadcast.announcement import forget_notices, outbox_rows, send_naive, send_ours
from bench.broadcast.database import Sessions, opened, seeded
from bench.broadcast.measures import Figures, mb, proc_kb, reset_peak_rss, verdict
from storage.profile import Profile

ENQUEUE_TARGET_S = 10.0
SendWay = Callable[[Sessions, Profile], Awaitable[int]]


async def measure_way(sessions: Sessions, profile: Profile, way: SendWay) -> Figures:
    """Time and peak RSS of one send, then tracemalloc's peak in a second, untimed one."""
    rss_before = proc_kb("self", "VmRSS")
    reset_peak_rss()
    started = time.perf_counter()
    notice_id = await way(sessions, profile)
    seconds = time.perf_counter() - started
    peak_rss = proc_kb("self", "VmHWM")
    rows = await outbox_rows(sessions, notice_id)
    await forget_notices(sessions)
    tracemalloc.start()
    try:
        await way(sessions, profile)
        traced_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    await forget_notices(sessions)
    return {"seconds": round(seconds, 2), "rows": rows, "peak_rss_mb": mb(peak_rss),
            "rss_growth_mb": mb(peak_rss - rss_before), "tracemalloc_peak_mb": mb(traced_peak / 1024)}


async def enqueue_part(profile: Profile, recipients: int) -> Figures:
    url, seeding = await seeded(profile, recipients)
    async with opened(url) as sessions:
        ours = await measure_way(sessions, profile, send_ours)
        naive = await measure_way(sessions, profile, send_naive)
    return {"recipients": recipients, "seeding_s": round(seeding, 1), "ours": ours, "naive": naive,
            "naive_over_ours": round(naive["seconds"] / max(ours["seconds"], 1e-6), 1),
            "ok": ours["seconds"] < ENQUEUE_TARGET_S and ours["rows"] == recipients}


def print_enqueue(r: Figures) -> None:
    print(f"\n1. Enqueue: one whole-community notice to {r['recipients']:,} subscribed recipients on PostgreSQL "
          f"(seeding took {r['seeding_s']} s, not timed)")
    print(f"  {'':38}{'seconds':>9}{'rows':>9}{'peak RSS MB':>13}{'RSS growth MB':>15}{'tracemalloc peak MB':>21}")
    for key, label in (("ours", "ours: start_sending (INSERT…SELECT)"), ("naive", "naive: an ORM row each, add_all")):
        w = r[key]
        print(f"  {label:38}{w['seconds']:>9}{w['rows']:>9}{w['peak_rss_mb']:>13}{w['rss_growth_mb']:>15}"
              f"{w['tracemalloc_peak_mb']:>21}")
    print(f"  naive takes {r['naive_over_ours']}× as long; ours {r['ours']['seconds']} s "
          f"(target < {ENQUEUE_TARGET_S:.0f} s): {verdict(r['ok'])}")
