"""Telegram down for a while in the middle of a broadcast and of staff notifications: afterwards every
recipient has the notice and every staff member their notifications, nothing lost, repeats only where
a timeout left it unknown whether Telegram had taken the message.

    make fault-telegram  # = .venv/bin/python -m bench.faults.telegram_outage

For each outage kind (--kinds) a fresh PostgreSQL database `bench_fault_telegram` (at
FRONTDOOR_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres; dropped at the end)
holds the demo profile, --recipients Telegram subscribers of qingshui's announcements and a Telegram
chat for every staff member. The app runs in this process with Telegram on (webhook mode, the outbox
left to the workers). A whole-community notice is sent (the fan-out into the outbox) and --workers
`frontdoor worker` processes deliver it to the fake Bot API, in a process of its own with Telegram's
limits enforced. When --outage-at of the recipients have it, the fake fails every call for
--outage-seconds. During the outage one notification per staff member is written to the outbox at its
start and again half-way, and --chats residents write to the bot through the webhook, spread over it:
each answer is sent at once, or, when Telegram does not take it, handed to the outbox (ticket reports
among them notify staff too). What every chat should get is read from the database afterwards: one
message per outbox row to its owner, one answer per message written. The kinds
(`tests.fakes.telegram_api.FakeTelegramAPI.outage`):

- 429: every call answered Too Many Requests with retry_after (--retry-after);
- timeout: every call held past the client's read timeout (--hold) and dropped: the message never
  arrives, and the sender, told nothing, tries again;
- accepted-timeout: every call held the same way but taken: the message arrives, the sender cannot
  know it did and tries again. Telegram has no idempotency key, so each such retry is a repeat; they
  are counted apart ("repeats caused by ambiguous timeouts", at most one per unanswered send), and
  only repeats beyond them fail the run;
- mixed: the three in turn.

Afterwards the fake says what each chat received. Writes build/bench/fault-telegram.json (worker and
fake logs in build/bench-broadcast/); exits 1 if anything was lost or repeated beyond the ambiguous
timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import time
from collections import Counter

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.broadcast.announcement import send_ours
from bench.broadcast.database import opened
from bench.broadcast.processes import LOGS, Workers, fake_result, fake_state, fake_telegram
from bench.faults.report import ROOT, Figures, compare_counts, finish, verdict
from bench.faults.scratch_db import fault_database, load_profile_into
from bench.faults.telegram_chats import (
    answers_handed_over,
    app_on_telegram,
    expected_messages,
    link_staff,
    notify_staff,
    residents_write,
)
from storage.models import OutboxMessage
from storage.profile import Profile, load_profile
from tests.fakes.telegram_api import OUTAGE_KINDS, OUTAGE_PATH, REPORT_PATH, UNANSWERED_PATH

COMMAND = ".venv/bin/python -m bench.faults.telegram_outage"
STAFF_ROUNDS = 2
Sessions = async_sessionmaker[AsyncSession]


async def unsettled(sessions: Sessions) -> int:
    """Outbox rows neither delivered nor given up."""
    async with sessions() as session:
        query = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.delivered_at.is_(None), OutboxMessage.undeliverable_reason.is_(None))
        return int(await session.scalar(query) or 0)


async def given_up(sessions: Sessions) -> dict[str, int]:
    """Outbox rows settled as undeliverable, by reason: each is a message lost to the outage."""
    async with sessions() as session:
        query = (select(OutboxMessage.undeliverable_reason, func.count())
                 .where(OutboxMessage.undeliverable_reason.is_not(None)).group_by(OutboxMessage.undeliverable_reason))
        return {str(reason): int(n) for reason, n in (await session.execute(query)).all()}


async def until_accepted(client: httpx.AsyncClient, base_url: str, messages: int) -> int:
    """Poll the fake (another process: no event to wait on) until it has taken `messages`."""
    while True:
        taken = int((await fake_result(client, base_url, REPORT_PATH))["messages"])
        if taken >= messages:
            return taken
        await asyncio.sleep(0.2)


async def until_settled(sessions: Sessions, workers: list[subprocess.Popen[bytes]], within: float) -> None:
    deadline = time.monotonic() + within
    while left := await unsettled(sessions):
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError(f"a worker exited; see {LOGS}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"still {left} outbox rows unsettled after {within:.0f} s; see {LOGS}")
        await asyncio.sleep(1.0)


def repeats_by_cause(expected: dict[int, int], sent: dict[int, int], unanswered: list[int]) -> Figures:
    """Extra messages a chat got, split: those an ambiguous timeout explains (a send Telegram took but
    did not answer, so the sender tried again; at most one repeat each) and the rest."""
    ambiguous = Counter(unanswered)
    extra = {chat: sent.get(chat, 0) - n for chat, n in expected.items() if sent.get(chat, 0) > n}
    explained = sum(min(n, ambiguous[chat]) for chat, n in extra.items())
    return {"unanswered_sends": len(unanswered), "repeats_by_ambiguous_timeouts": explained,
            "repeats_unexplained": sum(extra.values()) - explained}


async def outage_during(sessions: Sessions, client: httpx.AsyncClient, app: httpx.AsyncClient, base_url: str,
                        kind: str, staff: list[int], args: argparse.Namespace) -> tuple[dict[str, float], list[int]]:
    """Once --outage-at of the recipients have the notice, the outage; during it the staff are notified
    and residents write to the bot. Returns the moments (monotonic), how many messages the fake had
    taken before, and the chats of the residents who wrote."""
    first = time.monotonic()
    accepted = await until_accepted(client, base_url, int(args.recipients * args.outage_at))
    outage = {"kind": kind, "seconds": args.outage_seconds, "retry_after": args.retry_after, "hold": args.hold}
    (await client.post(f"{base_url}{OUTAGE_PATH}", params=outage)).raise_for_status()
    start = time.monotonic()

    async def notify() -> None:
        for round_number in range(1, STAFF_ROUNDS + 1):
            await notify_staff(sessions, staff, round_number)
            await asyncio.sleep(args.outage_seconds / STAFF_ROUNDS)

    _, chats = await asyncio.gather(notify(), residents_write(app, args.chats, args.outage_seconds * 0.8,
                                                               patience=args.outage_seconds + 120))
    return {"first": first, "accepted": accepted, "start": start, "end": start + args.outage_seconds}, chats


async def outage_run(profile: Profile, kind: str, args: argparse.Namespace) -> Figures:
    with fault_database("telegram") as url:
        await load_profile_into(url, profile, args.recipients)
        async with opened(url) as sessions:
            staff = await link_staff(sessions)
            await send_ours(sessions, profile)
            with fake_telegram(f"outage-{kind}") as base_url, Workers(url, base_url) as workers:
                async with app_on_telegram(url, base_url) as app, httpx.AsyncClient() as client:
                    running = [workers.start(f"outage-{kind}-{n}") for n in range(1, args.workers + 1)]
                    timing, chats = await outage_during(sessions, client, app, base_url, kind, staff, args)
                    await until_settled(sessions, running, args.recipients / 10 + args.outage_seconds * 5 + 300)
                    timing["settled"] = time.monotonic()
                    for worker in running:
                        workers.stop(worker)
                    unanswered = [int(chat) for chat in await fake_result(client, base_url, UNANSWERED_PATH)]
                    state = await fake_state(base_url)
            lost_rows = await given_up(sessions)
            expected = await expected_messages(sessions, chats)
            handed_over = await answers_handed_over(sessions)
    seen = compare_counts(expected, state.sent)
    causes = repeats_by_cause(expected, state.sent, unanswered)
    return {"kind": kind, "recipients": args.recipients, "staff_notifications": len(staff) * STAFF_ROUNDS,
            "residents_writing": len(chats), "answers_handed_to_outbox": handed_over, "workers": args.workers,
            "accepted_before_outage": int(timing["accepted"]),
            "outage_started_after_s": round(timing["start"] - timing["first"], 1),
            "outage_s": args.outage_seconds, "outage_end_to_all_settled_s": round(timing["settled"] - timing["end"], 1),
            "chats": len(expected), "expected_messages": sum(expected.values()), **seen, **causes,
            "given_up_rows": lost_rows, "messages_accepted": state.report["messages"],
            "answered_429": state.report["answered_429"], "timed_out": state.report["timed_out"],
            "accepted_unanswered": state.report["accepted_unanswered"],
            "max_overall_per_second": state.report["max_overall_per_second"],
            "max_per_chat_per_second": state.report["max_per_chat_per_second"],
            "ok_lost": seen["lost"] == 0 and not lost_rows and seen["strangers"] == 0,
            "ok_repeats": causes["repeats_unexplained"] == 0}


def print_run(r: Figures) -> None:
    print(f"\nOutage '{r['kind']}' for {r['outage_s']:g} s, starting {r['outage_started_after_s']} s into a broadcast "
          f"to {r['recipients']:,} Telegram subscribers ({r['accepted_before_outage']} had it), {r['workers']} "
          f"workers; during it {r['staff_notifications']} staff notifications written and {r['residents_writing']} "
          f"residents writing to the bot ({r['answers_handed_to_outbox']} answers left to the outbox)")
    print(f"  fake: {r['answered_429']} answered 429, {r['timed_out']} held and dropped, {r['accepted_unanswered']} "
          f"taken but held past the client's timeout; {r['messages_accepted']} messages taken in all for "
          f"{r['expected_messages']} expected in {r['chats']} chats")
    print(f"  all settled {r['outage_end_to_all_settled_s']} s after the outage ended; peak "
          f"{r['max_overall_per_second']}/s overall, {r['max_per_chat_per_second']}/s per chat")
    print(f"  lost {r['lost']} (must be 0), given up rows {r['given_up_rows'] or 'none'}, to strangers "
          f"{r['strangers']}: {verdict(r['ok_lost'])}")
    print(f"  repeated {r['repeated']}: caused by ambiguous timeouts {r['repeats_by_ambiguous_timeouts']} (of "
          f"{r['unanswered_sends']} sends taken but unanswered), unexplained {r['repeats_unexplained']} (must be 0): "
          f"{verdict(r['ok_repeats'])}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=600, help="Telegram subscribers of the broadcast")
    parser.add_argument("--workers", type=int, default=2, help="`frontdoor worker` processes")
    parser.add_argument("--chats", type=int, default=20, help="residents writing to the bot during the outage")
    parser.add_argument("--outage-seconds", type=float, default=60.0, help="how long Telegram fails")
    parser.add_argument("--kinds", default="429,timeout,accepted-timeout",
                        help=f"outage kinds, one run each, comma-separated: {', '.join(OUTAGE_KINDS)}")
    parser.add_argument("--outage-at", type=float, default=0.25, help="share of recipients served before it")
    parser.add_argument("--retry-after", type=int, default=5, help="retry_after of the outage's 429s")
    parser.add_argument("--hold", type=float, default=15.0,
                        help="seconds a timeout holds the answer (the workers' read timeout is 10 s)")
    args = parser.parse_args(argv)
    args.kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    if unknown := [kind for kind in args.kinds if kind not in OUTAGE_KINDS]:
        parser.error(f"unknown outage kinds {unknown}; known: {', '.join(OUTAGE_KINDS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    command = (f"{COMMAND} --recipients {args.recipients} --workers {args.workers} --chats {args.chats} "
               f"--outage-seconds {args.outage_seconds:g} --kinds {','.join(args.kinds)} "
               f"--outage-at {args.outage_at:g} --retry-after {args.retry_after} --hold {args.hold:g}")
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)
    profile = load_profile(ROOT / "profiles" / "demo")
    runs: list[Figures] = []
    for kind in args.kinds:
        runs.append(asyncio.run(outage_run(profile, kind, args)))
        print_run(runs[-1])
    failed = [f"{r['kind']}: {message}" for r in runs
              for key, message in (("ok_lost", "messages lost"), ("ok_repeats", "repeats beyond ambiguous timeouts"))
              if not r[key]]
    finish("telegram", command, started, {"runs": runs}, failed)


if __name__ == "__main__":
    main()
