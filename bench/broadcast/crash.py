"""Part 3: workers killed with SIGKILL mid-broadcast and restarted; nobody lost, repeats within what was
in flight."""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from bench.broadcast.announcement import send_ours
from bench.broadcast.database import Sessions, opened, seeded
from bench.broadcast.measures import (
    Figures,
    delivered_at_by_chat,
    print_window,
    receipts,
    same_worker_repeats,
    verdict,
    window,
)
from bench.broadcast.processes import Workers, fake_accepted, fake_state, fake_telegram, until_delivered
from storage.profile import Profile
from storage.repositories import notices

KILL_AFTER_S = (3.0, 25.0)


async def in_flight(sessions: Sessions, notice_id: int, segment: list[tuple[int, float]]) -> int:
    """Sends of the worker just killed that its row does not show as delivered: each goes again."""
    delivered = await delivered_at_by_chat(sessions, notice_id)
    return sum(1 for chat, _ in segment if delivered.get(chat) is None)


async def kill_at_random(sessions: Sessions, notice_id: int, workers: Workers, base_url: str,
                         rng: random.Random, kills: int, name: str = "crash") -> list[Figures]:
    """Start a worker, SIGKILL it 3-25 s later, count what it left in flight; `kills` times."""
    seen: list[Figures] = []
    counted = 0
    async with httpx.AsyncClient() as client:
        for number in range(1, kills + 1):
            worker = workers.start(f"{name}-{number}")
            after = rng.uniform(*KILL_AFTER_S)
            await asyncio.sleep(after)
            workers.kill(worker)
            await asyncio.sleep(0.5)  # the fake answers what it had received
            accepted = await fake_accepted(client, base_url)
            async with sessions() as session:
                sent = (await notices.delivery_report(session, notice_id)).sent
            seen.append({"kill": number, "after_s": round(after, 1), "accepted": len(accepted),
                         "delivered_rows": sent, "in_flight": await in_flight(sessions, notice_id, accepted[counted:])})
            counted = len(accepted)
    return seen


async def crash_part(profile: Profile, recipients: int, kills: int, seed: int, lease: float) -> Figures:
    url, _ = await seeded(profile, recipients)
    return await crash_run(url, profile, recipients, kills, seed, lease)


async def crash_run(url: str, profile: Profile, recipients: int, kills: int, seed: int, lease: float,
                    name: str = "crash") -> Figures:
    """The crash run on a database already seeded with `recipients` (`seeded`); `name` prefixes the logs."""
    async with opened(url) as sessions:
        notice_id = await send_ours(sessions, profile)
        with fake_telegram(name) as base_url, Workers(url, base_url, lease) as workers:
            started = time.monotonic()
            killed = await kill_at_random(sessions, notice_id, workers, base_url, random.Random(seed), kills, name)
            final = workers.start(f"{name}-final")
            report = await until_delivered(sessions, notice_id, final, recipients / 10 + lease * (kills + 1) + 120)
            elapsed = time.monotonic() - started
            workers.stop(final)
            state = await fake_state(base_url)
        commit = await window(sessions, notice_id, state.accepted)
    seen = receipts(state.sent, recipients)
    flight = sum(k["in_flight"] for k in killed)
    seen["same_worker_repeats"] = same_worker_repeats(state.accepted, [k["accepted"] for k in killed])
    return {"recipients": recipients, "kills": killed, "seed": seed, "lease_s": lease, "in_flight_total": flight,
            **seen, "messages": state.report["messages"], "answered_429": state.report["answered_429"],
            "delivered_rows": report.sent, "settled": report.settled, "first_start_to_done_s": round(elapsed, 1),
            **commit, "ok_lost": seen["lost"] == 0 and not seen["strangers"], "ok_repeats": seen["repeated"] <= flight}


def print_crash(r: Figures) -> None:
    low, high = KILL_AFTER_S
    print(f"\n3. Crash run: {r['recipients']:,} recipients, lease {r['lease_s']:g} s, the worker killed with SIGKILL "
          f"{len(r['kills'])} times {low:.0f}-{high:.0f} s after its start (seed {r['seed']}), restarted each time")
    print(f"  {'kill':>6}{'after s':>9}{'accepted':>10}{'delivered':>11}{'in flight':>11}")
    for k in r["kills"]:
        print(f"  {k['kill']:>6}{k['after_s']:>9}{k['accepted']:>10}{k['delivered_rows']:>11}{k['in_flight']:>11}")
    print("  (accepted: messages the fake took so far; delivered: rows committed as delivered; in flight: sends of "
          "the killed worker whose row was not yet committed)")
    print(f"  lost {r['lost']} (must be 0), to strangers {r['strangers']}: {verdict(r['ok_lost'])}")
    print(f"  repeated {r['repeated']} ≤ Σ in flight {r['in_flight_total']}: {verdict(r['ok_repeats'])} "
          f"(sent twice by one and the same worker: {r['same_worker_repeats']})")
    print(f"  messages {r['messages']} for {r['recipients']} recipients, rows marked delivered {r['delivered_rows']}, "
          f"settled {r['settled'] or 'none'}, 429s received {r['answered_429']}; first start to all delivered "
          f"{r['first_start_to_done_s']} s")
    print_window(r)
