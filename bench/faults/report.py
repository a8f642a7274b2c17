"""What every fault script ends with: the figures as JSON in build/bench/fault-<name>.json, the checks
that failed, the command that reproduces the run, and an exit status that is nonzero unless all passed."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
OUT_DIR = ROOT / "build" / "bench"
Figures = dict[str, Any]


def verdict(ok: bool) -> str:
    return "ok" if ok else "FAILED"


def compare_counts(expected: Mapping[int, int], received: Mapping[int, int]) -> Figures:
    """Messages each chat should have got against what it got: how many chats got exactly theirs,
    messages lost (missing), repeated (extra) and sent to a chat that expected none (strangers)."""
    return {"as_expected": sum(1 for chat, n in expected.items() if received.get(chat, 0) == n),
            "lost": sum(max(0, n - received.get(chat, 0)) for chat, n in expected.items()),
            "repeated": sum(max(0, received.get(chat, 0) - n) for chat, n in expected.items()),
            "strangers": sum(n for chat, n in received.items() if chat not in expected)}


def finish(name: str, command: str, started: float, figures: Figures, failed: list[str]) -> None:
    """Write the report, print the verdict and the reproducing command; exit 1 if a check failed."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"fault-{name}.json"
    total = time.monotonic() - started
    out.write_text(json.dumps({"command": command, "total_s": round(total, 1), **figures, "failed": failed},
                              indent=2, ensure_ascii=False, default=str))
    print(f"\n{'all checks passed' if not failed else 'FAILED: ' + '; '.join(failed)}")
    print(f"total {total:.0f} s; wrote {out.relative_to(ROOT)}; reproduce with: {command}")
    if failed:
        sys.exit(1)
