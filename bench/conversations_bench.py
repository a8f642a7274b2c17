"""Whole conversations, judged: the held-out set (and the development set beside it), played through the
real pipeline; reports filed by the learned categories and, in the same run, by keyword counts (how the
bot filed them before the profile had examples).

    .venv/bin/python -m bench.conversations_bench        (what `make bench-conversations` runs)

Writes build/bench/conversations.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from bot.cli.evaluate import play
from bot.conversation.evaluation import load_conversations

SETS = Path(__file__).parent / "conversations"
OUT = Path("build/bench/conversations.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["heldout", "dev"],
                        help="conversation sets under bench/conversations")
    args = parser.parse_args()
    results = {}
    for name in args.sets:
        conversations = load_conversations(SETS / f"{name}.yaml")
        for filing in ("learned", "keywords"):
            started = time.perf_counter()
            report = asyncio.run(play(conversations, keyword_categories=filing == "keywords"))
            results[f"{name}/{filing}"] = {**report.figures(), "seconds": round(time.perf_counter() - started, 1),
                                          "failures": [p.conversation.id for p in report.played if not p.succeeded]}
    print(f"{'set / categories':22} {'convs':>6} {'success':>8} {'false em.':>9} {'missed em.':>10} {'category':>9}")
    for key, figures in results.items():
        print(f"{key:22} {figures['conversations']:>6} {figures['task_success']:>8.3f} "
              f"{figures['false_emergencies']:>9} {figures['missed_emergencies']:>10} "
              f"{figures['category_accuracy']:>9.3f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"written {OUT}; reproduce: .venv/bin/python -m bench.conversations_bench --sets {' '.join(args.sets)}")


if __name__ == "__main__":
    main()
