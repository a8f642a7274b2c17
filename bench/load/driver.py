"""The load driver, a process of its own: residents writing to `/wechat` at a fixed rate per step.

    python -m bench.load.driver --url http://127.0.0.1:PORT --database-url postgresql://... --rates 5,10,20

Arrivals are open-loop: message i of a step leaves at start + i/rate whatever the app is doing, and its
latency counts from that moment, so a slow app is not hidden by the driver waiting for it (coordinated
omission). Every message is a signed, AES-encrypted WeChat callback. With `--attempts 3` the driver
behaves as WeChat does: a non-200 or no answer within `--timeout` (5 s) is sent again, the same MsgId
and the same body, `--retry-interval` (5 s) after the attempt before.

One JSON line on stdout per event: `start` and `step` (its figures, see `figures.summarize`) for each
step (`warmup` for the uncounted first one, if asked for), then `done`. Ramp mode stops after the first
step with errors or a p99 at or over `--stop-p99-ms`; `--continuous` runs the steps back to back
without draining (the soak's one-minute intervals). `--records FILE` writes every message and its
outcome as JSON lines (the fault run's count).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import time
from pathlib import Path

import uvloop

from bench.load.conversations import TICKET_MARK
from bench.load.figures import ANSWERED, LOST, SUCCESS, Figures, Sent, healthy, summarize
from bench.load.late import LateReplies
from bench.load.residents import Arrival, Residents
from bench.load.wechat import READ_FAILURES, Envelope, WeChatSide


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str), flush=True)


class Driver:
    def __init__(self, args: argparse.Namespace, late: LateReplies) -> None:
        self.args, self.late = args, late
        self.wechat = WeChatSide(args.url)
        self.residents = Residents(args.residents, random.Random(args.seed), args.tag, fresh=args.fresh_residents)
        self.msg_ids = itertools.count(int(time.time() * 1000) * 1000)
        self.sent: list[Sent] = []
        self.max_lag = 0.0

    async def step(self, number: int, rate: float, seconds: float) -> tuple[float, list[asyncio.Task[None]]]:
        """Start the step's arrivals on schedule; returns its start and the tasks of its messages."""
        loop = asyncio.get_running_loop()
        started, tasks = loop.time(), []
        for i in range(round(rate * seconds)):
            due = started + i / rate
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)
            self.max_lag = max(self.max_lag, loop.time() - due)
            arrival = self.residents.next(due)
            if arrival is not None:
                tasks.append(asyncio.create_task(self.send(number, arrival, due)))
        return started, tasks

    async def send(self, number: int, arrival: Arrival, due: float) -> None:
        loop = asyncio.get_running_loop()
        sent = Sent(number, arrival.resident.openid, next(self.msg_ids), arrival.conversation.kind, arrival.turn,
                    arrival.last, due)
        self.sent.append(sent)
        envelope = self.wechat.envelope(sent.openid, arrival.text, sent.msg_id)
        for attempt in range(self.args.attempts):
            if (delay := due + attempt * self.args.retry_interval - loop.time()) > 0:
                await asyncio.sleep(delay)
            answer = await self._attempt(envelope, sent)
            if answer is not None:
                break
        else:
            sent.outcome = LOST
            self.residents.lost(arrival)
            return
        sent.answered_at = loop.time()
        sent.latency = sent.answered_at - due
        content = self.wechat.content(answer)
        if content is None:
            sent.outcome = SUCCESS
            sent.late_reply_after = await self.late.wait(sent.msg_id, self.args.late_wait)
        else:
            sent.outcome = ANSWERED
            sent.ticket_seen = TICKET_MARK in content
            sent.unexpected = arrival.expect is not None and arrival.expect not in content
        self.residents.answered(arrival, loop.time(), understood=not sent.unexpected)

    async def _attempt(self, envelope: Envelope, sent: Sent) -> str | None:
        """The answer's body, or None (the failure noted in `sent.statuses`)."""
        try:
            async with asyncio.timeout(self.args.timeout):
                response = await self.wechat.post(envelope)
        except TimeoutError:
            sent.statuses.append("timeout")
            return None
        except READ_FAILURES as error:
            sent.statuses.append(type(error).__name__)
            return None
        sent.statuses.append(str(response.status))
        return response.text if response.status == 200 else None

    async def figures(self, number: int, rate: float, seconds: float, started: float,
                      tasks: list[asyncio.Task[None]]) -> Figures:
        await asyncio.gather(*tasks)
        step = [s for s in self.sent if s.step == number]
        return {**summarize(step, number, rate, started, seconds), "skipped_arrivals": self.residents.skipped,
                "driver_lag_max_ms": round(self.max_lag * 1000, 1)}


def write_records(path: Path, sent: list[Sent]) -> None:
    path.write_text("".join(json.dumps(s.record(), ensure_ascii=False) + "\n" for s in sent))


async def drive(args: argparse.Namespace) -> None:
    late = LateReplies(args.database_url)
    stop = asyncio.Event()
    watcher = asyncio.create_task(late.run(stop))
    driver = Driver(args, late)
    if args.warmup_seconds > 0:  # each process's first messages load the NLU's lazy parts (jieba's dictionary)
        emit("start", step=-1, rate=args.rates[0], seconds=args.warmup_seconds, at=time.time())
        started, tasks = await driver.step(-1, args.rates[0], args.warmup_seconds)
        emit("warmup", **await driver.figures(-1, args.rates[0], args.warmup_seconds, started, tasks))
    plan = [(rate, args.step_seconds) for rate in args.rates for _ in range(args.repeat)]
    pending: list[asyncio.Task[Figures]] = []
    for number, (rate, seconds) in enumerate(plan):
        emit("start", step=number, rate=rate, seconds=seconds, at=time.time())
        started, tasks = await driver.step(number, rate, seconds)
        summary = asyncio.create_task(driver.figures(number, rate, seconds, started, tasks))
        summary.add_done_callback(lambda done: emit("step", **done.result(), ended=time.time()))
        if args.continuous:
            pending.append(summary)
        elif not healthy(await summary, args.stop_p99_ms):
            break
    await asyncio.gather(*pending)
    stop.set()
    with contextlib.suppress(Exception):
        await watcher
    if args.records:
        write_records(Path(args.records), driver.sent)
    emit("done", messages=len(driver.sent), residents=driver.residents.made)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="the app's base URL")
    parser.add_argument("--database-url", required=True, help="where late replies are seen claimed (libpq URL)")
    parser.add_argument("--rates", type=lambda s: [float(r) for r in s.split(",")], required=True,
                        help="messages a second, one step each, e.g. 5,10,20")
    parser.add_argument("--step-seconds", type=float, default=30.0)
    parser.add_argument("--warmup-seconds", type=float, default=0.0, help="a first step at the first rate, not counted")
    parser.add_argument("--repeat", type=int, default=1, help="steps at each rate (the soak's intervals)")
    parser.add_argument("--continuous", action="store_true", help="steps back to back, not drained between")
    parser.add_argument("--stop-p99-ms", type=float, default=1000.0)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--fresh-residents", action="store_true", help="a new resident for every conversation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tag", default="bench", help="part of every openid")
    parser.add_argument("--attempts", type=int, default=1, help="WeChat tries a message 3 times in all")
    parser.add_argument("--retry-interval", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="WeChat waits 5 s for an answer")
    parser.add_argument("--late-wait", type=float, default=60.0, help="how long a resident waits for a late reply")
    parser.add_argument("--records", help="write every message's record here (JSON lines)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    uvloop.run(drive(parse()))
