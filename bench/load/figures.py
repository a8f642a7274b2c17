"""What the driver records about each message it sends, and one step's figures from those records."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

Figures = dict[str, Any]

ANSWERED, SUCCESS, LOST = "answer", "success", "lost"
"""A message's outcome: an XML answer; `success` (it missed the reply budget, the replies follow later);
no 200 from any attempt."""


@dataclass
class Sent:
    """One resident message and what became of it."""

    step: int
    openid: str
    msg_id: int
    kind: str
    turn: int
    last_turn: bool
    intended: float
    """When the open-loop schedule meant it to leave (monotonic): latency counts from here."""
    statuses: list[str] = field(default_factory=list)
    """Each attempt: "200", another HTTP status, "timeout" or the network error's name."""
    outcome: str = ""
    latency: float | None = None
    answered_at: float | None = None
    unexpected: bool = False
    ticket_seen: bool = False
    late_reply_after: float | None = None
    """For a `success`: seconds from the answer until the replies were claimed for sending (None: not seen)."""

    def record(self) -> Figures:
        return asdict(self)


def percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def summarize(sent: list[Sent], step: int, rate: float, started: float, seconds: float) -> Figures:
    """The step's figures: rates, latency percentiles (from the intended send time, over messages that got
    a 200), errors by kind, `success` answers, unexpected replies, tickets seen and late replies."""
    answered = [s for s in sent if s.outcome in (ANSWERED, SUCCESS)]
    latencies = sorted(s.latency for s in answered if s.latency is not None)
    errors = Counter(status for s in sent for status in s.statuses if status != "200")
    last = max((s.answered_at for s in answered if s.answered_at is not None), default=started + seconds)
    late = sorted(s.late_reply_after for s in sent if s.late_reply_after is not None)
    return {
        "step": step, "offered_per_s": rate, "seconds": seconds, "sent": len(sent),
        "sustained_per_s": round(len(answered) / max(last - started, seconds), 2),
        "p50_ms": ms(percentile(latencies, 0.50)), "p95_ms": ms(percentile(latencies, 0.95)),
        "p99_ms": ms(percentile(latencies, 0.99)), "max_ms": ms(latencies[-1] if latencies else None),
        "errors": sum(errors.values()), "errors_by_kind": dict(errors),
        "success_answers": sum(1 for s in sent if s.outcome == SUCCESS),
        "lost": sum(1 for s in sent if s.outcome == LOST),
        "retried": sum(1 for s in sent if len(s.statuses) > 1),
        "unexpected_replies": sum(1 for s in sent if s.unexpected),
        "tickets_seen": sum(1 for s in sent if s.ticket_seen),
        "late_replies_seen": len(late), "late_reply_p50_ms": ms(percentile(late, 0.5)),
        "late_replies_missing": sum(1 for s in sent if s.outcome == SUCCESS and s.late_reply_after is None),
        "kinds": dict(Counter(s.kind for s in sent if s.turn == 0)),
    }


def healthy(step: Figures, p99_limit_ms: float) -> bool:
    """The ramp goes on while a step has no errors and its p99 stays under the limit."""
    p99 = step["p99_ms"]
    return step["errors"] == 0 and p99 is not None and p99 < p99_limit_ms


def print_header() -> None:
    print(f"{'offered':>8}{'sustained':>10}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}{'success':>8}"
          f"{'unexp':>6}  server CPU % / RSS MB each     worker CPU%/MB  driver CPU%  PG conns max  "
          f"CPU ms a message: servers / worker / driver / PostgreSQL")


def print_step(step: Figures) -> None:
    processes = step["processes"]
    servers = [p for name, p in sorted(processes.items()) if name.startswith("server:")]
    server = " ".join(f"{p['cpu_pct']:.0f}%/{p['rss_mb']:.0f}" for p in servers)
    worker, driver = processes.get("worker", {}), processes.get("driver", {})
    print(f"{step['offered_per_s']:>8g}{step['sustained_per_s']:>10.1f}{step['p50_ms'] or '-':>8}"
          f"{step['p95_ms'] or '-':>8}{step['p99_ms'] or '-':>8}{step['errors']:>7}{step['success_answers']:>8}"
          f"{step['unexpected_replies']:>6}  {server:<30} {worker.get('cpu_pct', 0):.0f}%/{worker.get('rss_mb', 0):.0f}"
          f"{'':8}{driver.get('cpu_pct', 0):.0f}%{'':10}{step['pg_connections_max']!s:<14}"
          f"{' / '.join('-' if v is None else f'{v:.1f}' for v in step['cpu_ms_per_message'].values())}", flush=True)
    if step["errors"]:
        print(f"{'':8}errors by kind: {step['errors_by_kind']}")
