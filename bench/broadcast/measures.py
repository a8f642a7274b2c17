"""The readings the parts share: memory, percentiles, who received what, and the window in which a
crash repeats a message (the fake's acceptance of a send to its row's commit)."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bench.broadcast.database import CHANNEL, FIRST_CHAT, Sessions
from storage.models import ChannelIdentity, OutboxMessage

Figures = dict[str, Any]


def verdict(ok: bool) -> str:
    return "ok" if ok else "FAILED"


# --- Memory


def proc_kb(pid: int | str, field_name: str) -> int:
    """A field of /proc/<pid>/status in kB (VmRSS, VmHWM ...)."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field_name}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def reset_peak_rss() -> None:
    """Linux: VmHWM starts again from the current RSS."""
    Path("/proc/self/clear_refs").write_text("5")


def mb(kilobytes: float) -> float:
    return round(kilobytes / 1024, 1)


# --- What the fake saw against the database


def expected_chats(recipients: int) -> range:
    return range(FIRST_CHAT, FIRST_CHAT + recipients)


def receipts(sent: dict[int, int], recipients: int) -> Figures:
    """Who got what: exactly once, none (lost), more (repeated = extra messages), strangers."""
    chats = expected_chats(recipients)
    counts = [sent.get(chat, 0) for chat in chats]
    return {"exactly_once": sum(1 for n in counts if n == 1), "lost": sum(1 for n in counts if n == 0),
            "repeated": sum(n - 1 for n in counts if n > 1),
            "strangers": sum(n for chat, n in sent.items() if chat not in chats)}


async def delivered_at_by_chat(sessions: Sessions, notice_id: int) -> dict[int, datetime | None]:
    """Each recipient's Telegram chat and when its row was marked delivered (None: not yet)."""
    query = (select(ChannelIdentity.external_id, OutboxMessage.delivered_at)
             .join(ChannelIdentity, ChannelIdentity.resident_id == OutboxMessage.resident_id)
             .where(OutboxMessage.notice_id == notice_id, ChannelIdentity.channel == CHANNEL))
    async with sessions() as session:
        return {int(chat): at for chat, at in (await session.execute(query)).all()}


def same_worker_repeats(accepted: list[tuple[int, float]], boundaries: list[int]) -> int:
    """Extra messages to a chat sent during one worker's life (between two kills): no crash explains them."""
    repeats, start = 0, 0
    for end in [*boundaries, len(accepted)]:
        chats = [chat for chat, _ in accepted[start:end]]
        repeats += len(chats) - len(set(chats))
        start = end
    return repeats


def acceptance_to_commit_ms(accepted: list[tuple[int, float]], delivered: dict[int, datetime | None]) -> list[float]:
    """For each delivered row: delivered_at minus the acceptance of the send it marks (the last one
    accepted before it was stamped)."""
    by_chat: dict[int, list[float]] = {}
    for chat, at in accepted:
        by_chat.setdefault(chat, []).append(at)
    gaps = []
    for chat, stamp in delivered.items():
        if stamp is None or chat not in by_chat:
            continue
        moment = stamp.timestamp()
        before = [at for at in by_chat[chat] if at <= moment]
        gaps.append((moment - (max(before) if before else min(by_chat[chat]))) * 1000)
    return gaps


def percentiles(values: list[float]) -> Figures:
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p99": None, "max": None, "n": 0}

    def at(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 1)

    return {"p50": at(0.5), "p99": at(0.99), "max": round(ordered[-1], 1), "n": len(ordered)}


async def mark_commit_ms(sessions: Sessions, notice_id: int, times: int = 50) -> Figures:
    """What a mark costs after its stamp: a session, a one-row UPDATE of delivered_at and the COMMIT."""
    async with sessions() as session:
        ids = list(await session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.notice_id == notice_id, OutboxMessage.delivered_at.is_not(None)).limit(times)))
    spent = []
    for row_id in ids:
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([row_id]))
                                  .values(delivered_at=OutboxMessage.delivered_at))
        spent.append((time.perf_counter() - started) * 1000)
    return percentiles(spent)


async def window(sessions: Sessions, notice_id: int, accepted: list[tuple[int, float]]) -> Figures:
    delivered = await delivered_at_by_chat(sessions, notice_id)
    return {"acceptance_to_delivered_at_ms": percentiles(acceptance_to_commit_ms(accepted, delivered)),
            "update_and_commit_ms": await mark_commit_ms(sessions, notice_id)}


def print_window(r: Figures) -> None:
    w, c = r["acceptance_to_delivered_at_ms"], r["update_and_commit_ms"]
    print(f"  platform accepted → delivered_at stamped, over {w['n']} rows: p50 {w['p50']} ms, p99 {w['p99']} ms, "
          f"max {w['max']} ms")
    print(f"    (a lower bound: delivered_at is stamped just before its UPDATE + COMMIT, which took p50 {c['p50']} ms, "
          f"p99 {c['p99']} ms for one row on the idle database)")
