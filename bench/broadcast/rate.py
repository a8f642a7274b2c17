"""Part 2: the sustained rate of ONE worker sending a broadcast to the fake Telegram, which enforces its
limits."""

from __future__ import annotations

import time

from bench.broadcast.announcement import send_ours
from bench.broadcast.database import opened, seeded
from bench.broadcast.measures import Figures, mb, print_window, proc_kb, receipts, verdict, window
from bench.broadcast.processes import Workers, fake_state, fake_telegram, until_delivered
from storage.profile import Profile

CAP = 30
"""Telegram's overall limit, messages a second."""
SHARE_TARGET = 0.95


def rate_figures(report: Figures) -> Figures:
    messages, span = int(report["messages"]), float(report["span"])
    rate = (messages - 1) / span if span > 0 else 0.0
    return {"messages": messages, "span_s": round(span, 2), "rate_per_s": round(rate, 2),
            "share_of_cap": round(rate / CAP, 4), "max_per_second": report["max_overall_per_second"],
            "max_per_chat_per_second": report["max_per_chat_per_second"], "answered_429": report["answered_429"]}


async def rate_part(profile: Profile, recipients: int) -> Figures:
    url, seeding = await seeded(profile, recipients)
    async with opened(url) as sessions:
        notice_id = await send_ours(sessions, profile)
        with fake_telegram("rate") as base_url, Workers(url, base_url) as workers:
            started = time.monotonic()
            worker = workers.start("rate")
            report = await until_delivered(sessions, notice_id, worker, recipients / 20 + 120)
            elapsed = time.monotonic() - started
            peak_kb = proc_kb(worker.pid, "VmHWM")
            workers.stop(worker)
            state = await fake_state(base_url)
        commit = await window(sessions, notice_id, state.accepted)
    rate = rate_figures(state.report)
    seen = receipts(state.sent, recipients)
    return {"recipients": recipients, "seeding_s": round(seeding, 1), **rate, **seen,
            "delivered_rows": report.sent, "settled": report.settled, "worker_start_to_done_s": round(elapsed, 1),
            "worker_peak_mb": mb(peak_kb), **commit,
            "ok_share": rate["share_of_cap"] >= SHARE_TARGET, "ok_429": rate["answered_429"] == 0,
            "ok_once": seen["exactly_once"] == recipients and not seen["strangers"]}


def print_rate(r: Figures) -> None:
    print(f"\n2. Sustained rate: {r['recipients']:,} Telegram recipients, ONE `frontdoor worker` process, "
          f"the fake in its own process answering 429 over Telegram's limits")
    print(f"  messages {r['messages']}, span {r['span_s']} s (first send to last), sustained {r['rate_per_s']}/s "
          f"= {r['share_of_cap']:.1%} of the {CAP}/s cap (target ≥ {SHARE_TARGET:.0%}): {verdict(r['ok_share'])}")
    print(f"  max per second {r['max_per_second']}, max per chat per second {r['max_per_chat_per_second']}, "
          f"429s received {r['answered_429']} (target 0): {verdict(r['ok_429'])}")
    print(f"  exactly one message each: {r['exactly_once']}/{r['recipients']} (lost {r['lost']}, "
          f"repeated {r['repeated']}, to strangers {r['strangers']}): {verdict(r['ok_once'])}")
    print(f"  rows marked delivered {r['delivered_rows']}, settled {r['settled'] or 'none'}; worker start to all "
          f"delivered {r['worker_start_to_done_s']} s; worker peak memory (VmHWM) {r['worker_peak_mb']} MB")
    print_window(r)
