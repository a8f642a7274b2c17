"""The pipeline alone, in this process, on PostgreSQL: CPU and SQL statements a resident message costs, without
HTTP, WeChat's crypto or a load driver. The same conversations as the load bench, `--concurrent` residents at a
time; the figures say where a change to the pipeline moves the cost before a full ramp measures it.

    .venv/bin/python -m bench.load.pipeline --messages 3000 [--profile build/bench/pipeline.prof]

Prints CPU ms a message (this process: the pipeline, SQLAlchemy, psycopg), statements and transactions a message,
by conversation kind too with `--concurrent 1`; with --profile, a cProfile of the run for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.load.conversations import ResidentFacts, next_conversation, resident_facts
from bench.load.database import bench_database
from bench.load.stack import ROOT, trained_model
from bot.core.messages import InboundMessage
from bot.runtime import Runtime, start_runtime
from bot.settings import Settings
from storage.profile import load_profile

COMMAND = ".venv/bin/python -m bench.load.pipeline"
COMMUNITY = "baiyang"


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    messages_by_kind: Counter[str] = field(default_factory=Counter)
    sent: Counter[int] = field(default_factory=Counter)
    """Messages each resident sent, warm-up included (their message ids)."""
    current: str = ""


def count_statements(runtime: Runtime, counts: Counts) -> None:
    def statement(*_: Any) -> None:
        counts.statements += 1
        counts.by_kind[counts.current] += 1

    def begun(*_: Any) -> None:
        counts.transactions += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", statement)
    event.listen(runtime.engine.sync_engine, "begin", begun)


Someone = tuple[int, ResidentFacts]


async def talk(runtime: Runtime, free: asyncio.Queue[Someone], rng: random.Random, budget: list[int],
               counts: Counts) -> None:
    """Conversations of residents taken from `free` (one conversation each, in order; nobody talks in two places
    at once), until the run's messages are used up."""
    while budget[0] > 0:
        number, facts = await free.get()
        conversation = next_conversation(rng, facts)
        for turn in conversation.turns:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            counts.sent[number] += 1
            counts.current = conversation.kind
            counts.messages_by_kind[conversation.kind] += 1
            message = InboundMessage("wechat", f"bench-{number}", str(counts.sent[number]), turn.text,
                                     datetime.now(UTC), COMMUNITY)
            await runtime.pipeline.handle(message)
        free.put_nowait((number, facts))


async def conversations(runtime: Runtime, free: asyncio.Queue[Someone], rng: random.Random, messages: int,
                        concurrent: int, counts: Counts) -> None:
    budget = [messages]
    await asyncio.gather(*(talk(runtime, free, random.Random(rng.random()), budget, counts)
                           for _ in range(concurrent)))


async def run(args: argparse.Namespace, database_url: str) -> None:
    settings = Settings(database_url=database_url, profile_dir=Path("profiles/demo"),
                        nlu_model=trained_model(ROOT / "build" / "bench"))
    runtime = await start_runtime(settings)
    rng = random.Random(args.seed)
    free: asyncio.Queue[Someone] = asyncio.Queue()
    for number in range(args.residents):
        free.put_nowait((number, resident_facts(rng)))
    counts = Counts()
    await conversations(runtime, free, rng, args.warmup, args.concurrent, counts)
    counts = Counts(sent=counts.sent)
    count_statements(runtime, counts)
    profiler = cProfile.Profile() if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    await conversations(runtime, free, rng, args.messages, args.concurrent, counts)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await runtime.close()
    messages = args.messages
    print(f"{messages} messages, {args.concurrent} residents at a time: CPU {cpu * 1000 / messages:.2f} ms a message "
          f"(wall {wall * 1000 / messages:.2f} ms), {counts.statements / messages:.1f} statements and "
          f"{counts.transactions / messages:.2f} transactions a message")
    for kind, sent in sorted(counts.messages_by_kind.items(), key=lambda kv: -kv[1]) if args.concurrent == 1 else ():
        print(f"  {kind:<26}{sent:>6} messages {counts.by_kind[kind] / sent:>6.1f} statements a message")
    print(f"reproduce with: {COMMAND} --messages {messages} --concurrent {args.concurrent} --seed {args.seed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", help="write a cProfile of the measured run here")
    args = parser.parse_args()
    profile = load_profile(Path("profiles/demo"))
    with bench_database(profile) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
