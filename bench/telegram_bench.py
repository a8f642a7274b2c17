"""Telegram sending measured against the fake Bot API with Telegram's limits enforced.

    make bench-telegram        # = .venv/bin/python -m bench.telegram_bench

Ours: 3,000 outbox messages to 300 chats (10 each, interleaved as a broadcast is) in a fresh SQLite
database, handed on by the outbox dispatcher to the paced Telegram sender. Naive: the same 3,000 sent
at once with asyncio.gather, each retried after the retry_after Telegram gives it. Both against the
same fake, which answers 429 to any send over the limits (PTB through its base_url, as in production).
Prints the figures; writes build/bench-telegram.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.registry import push_channels
from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.workers.delivery import OutboxDispatcher
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.profile import load_profile
from storage.repositories import outbox
from storage.repositories.residents import find_or_create_resident
from tests.fakes.telegram_api import FakeTelegramAPI, RateReport

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python -m bench.telegram_bench"
TOKEN = "123456:BENCH"
FIRST_CHAT = 800_000


def floor_seconds(messages: int, per_chat: int) -> float:
    """The least time from the first send to the last that the limits allow."""
    return max(messages / 30 - 1, per_chat - 1)


async def ours(api: FakeTelegramAPI, chats: int, per_chat: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        upgrade(url)
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        async with sessions() as session, session.begin():
            residents = [await find_or_create_resident(session, CHANNEL, str(FIRST_CHAT + n), None)
                         for n in range(chats)]
            for k in range(per_chat):
                for resident in residents:
                    outbox.enqueue(session, "notice", {"text": f"通知 {k}"}, resident_id=resident.id)
        async with Bot(TOKEN, base_url=api.bot_base_url, request=HTTPXRequest(connection_pool_size=64)) as bot:
            sender = TelegramSender(bot, sessions, load_profile(ROOT / "profiles" / "demo"),
                                    clock=lambda: datetime.now(UTC))
            sender.start()
            started = time.monotonic()
            dispatcher = OutboxDispatcher(sessions, {CHANNEL: sender}, push_channels=push_channels(),
                                          clock=lambda: datetime.now(UTC))
            while await dispatcher.dispatch_once():
                pass
            await sender.drain()
            elapsed = time.monotonic() - started
            await sender.stop()
        await engine.dispose()
    return elapsed


async def naive(api: FakeTelegramAPI, chats: int, per_chat: int) -> float:
    # A long pool timeout: thousands of sends started at once queue for the 64 connections.
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=600, read_timeout=30)
    async with Bot(TOKEN, base_url=api.bot_base_url, request=request) as bot:

        async def send(chat: int, text: str) -> None:
            while True:
                try:
                    await bot.send_message(chat, text)
                    return
                except RetryAfter as error:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", PTBDeprecationWarning)
                        wait = error.retry_after
                    await asyncio.sleep(float(wait.total_seconds() if hasattr(wait, "total_seconds") else wait))

        started = time.monotonic()
        await asyncio.gather(*(send(FIRST_CHAT + n, f"通知 {k}") for k in range(per_chat) for n in range(chats)))
        return time.monotonic() - started


def figures(report: RateReport, elapsed: float, refused: int, messages: int, per_chat: int) -> dict[str, Any]:
    floor = floor_seconds(messages, per_chat)
    return {"delivered": report.messages, "elapsed_s": round(elapsed, 2), "span_s": round(report.span, 2),
            "floor_s": round(floor, 2), "span_over_floor": round(report.span / floor, 3),
            "max_per_chat_per_second": report.max_per_chat_per_second,
            "max_overall_per_second": report.max_overall_per_second, "answered_429": refused}


def run(chats: int, per_chat: int, with_naive: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"chats": chats, "per_chat": per_chat, "messages": chats * per_chat}
    for name, how in (("ours", ours), ("naive", naive))[:2 if with_naive else 1]:
        with FakeTelegramAPI(TOKEN, enforce_limits=True) as api:
            elapsed = asyncio.run(how(api, chats, per_chat))
            refused = sum(1 for call in api.calls if call.outcome == 429)
            results[name] = figures(api.rate_report(), elapsed, refused, chats * per_chat, per_chat)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--naive", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the unthrottled way (minutes at 3,000 messages: every 429 is retried)")
    args = parser.parse_args(argv)
    results = run(args.chats, args.per_chat, args.naive)
    print(f"Telegram sending, {results['messages']} messages to {results['chats']} chats "
          f"(limits: 30/s overall, 1/s per chat)")
    print(f"{'':8}{'delivered':>10}{'span s':>9}{'floor s':>9}{'span/floor':>12}{'max/chat/s':>12}"
          f"{'max/s':>7}{'429s':>7}")
    for name in ("ours", "naive")[:2 if args.naive else 1]:
        r = results[name]
        print(f"{name:8}{r['delivered']:>10}{r['span_s']:>9}{r['floor_s']:>9}{r['span_over_floor']:>12}"
              f"{r['max_per_chat_per_second']:>12}{r['max_overall_per_second']:>7}{r['answered_429']:>7}")
    out = ROOT / "build" / "bench-telegram.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    naive_flag = "" if args.naive else " --no-naive"
    print(f"wrote {out.relative_to(ROOT)}; reproduce with: {COMMAND} --chats {args.chats} --per-chat {args.per_chat}"
          f"{naive_flag}")


if __name__ == "__main__":
    main()
