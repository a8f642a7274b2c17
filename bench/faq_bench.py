"""Policy-text retrieval measured side by side: a naive character match, BM25 and character TF-IDF.

    make bench-faq        # = .venv/bin/python -m bench.faq_bench

For each ranker: top-1 and top-3 hit rate (the expected source document among the first one or
three distinct documents ranked), and per-question latency. Then the "do not know" decision of the
library the bot uses: how many answerable questions it answers (and from the right document) and how
many unanswerable ones it declines. Prints a table and writes build/bench-faq.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from nlu.policy_index import BM25Index, CharTfidfIndex, DocumentIndex, PolicyLibrary, Ranker
from nlu.policy_index import search as rank
from nlu.policy_texts import Passage, read_passages
from nlu.text import normalize

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python -m bench.faq_bench"


class SharedCharacters:
    """The naive way: a passage scores the number of the question's distinct characters it contains."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._characters = [set(normalize(p.searchable)) for p in passages]

    def scores(self, question: str) -> NDArray[np.float64]:
        asked = set(normalize(question))
        return np.array([len(asked & found) for found in self._characters], dtype=np.float64)


def top_sources(ranker: Ranker, question: str, n: int) -> list[str]:
    sources: list[str] = []
    for hit in rank(ranker, question, k=len(ranker.passages)):
        if hit.passage.source not in sources:
            sources.append(hit.passage.source)
        if len(sources) == n:
            break
    return sources


def measure(name: str, ranker: Ranker, questions: list[dict[str, str]], build_seconds: float) -> dict[str, Any]:
    top1 = top3 = 0
    latencies = []
    for item in questions:
        started = time.perf_counter()
        sources = top_sources(ranker, item["q"], 3)
        latencies.append((time.perf_counter() - started) * 1000)
        top1 += sources[:1] == [item["source"]]
        top3 += item["source"] in sources
    return {"ranker": name, "top1": top1 / len(questions), "top3": top3 / len(questions),
            "p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99)),
            "build_s": build_seconds}


def build(kind: type[SharedCharacters] | type[BM25Index] | type[CharTfidfIndex] | type[DocumentIndex],
          passages: list[Passage]) -> tuple[Ranker, float]:
    started = time.perf_counter()
    ranker = kind(passages)
    return ranker, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=Path, default=ROOT / "profiles/demo/policies")
    parser.add_argument("--questions", type=Path, default=ROOT / "bench/faq/questions.yml")
    parser.add_argument("--json", type=Path, default=ROOT / "build/bench-faq.json")
    args = parser.parse_args()
    data = yaml.safe_load(args.questions.read_text(encoding="utf-8"))
    questions, unanswerable = data["questions"], [item["q"] for item in data.get("unanswerable", [])]
    passages = read_passages(args.policies)
    rows = []
    for name, kind in (("naive: shared characters", SharedCharacters),
                       ("passages, BM25 (words + char bigrams)", BM25Index),
                       ("passages, TF-IDF (char 1-3-grams)", CharTfidfIndex),
                       ("documents, TF-IDF (char, title x6)", DocumentIndex)):
        ranker, seconds = build(kind, passages)
        rows.append(measure(name, ranker, questions, seconds))
    library = PolicyLibrary(passages)
    answered = sum(library.answer(item["q"]) is not None for item in questions) / len(questions)
    right = sum((hit := library.answer(item["q"])) is not None and hit.passage.source == item["source"]
                for item in questions) / len(questions)
    declined = sum(library.answer(q) is None for q in unanswerable) / max(len(unanswerable), 1)
    print(f"{len(passages)} passages from {len({p.source for p in passages})} documents, "
          f"{len(questions)} questions, {len(unanswerable)} unanswerable")
    print(f"{'ranker':38s} {'top-1':>6s} {'top-3':>6s} {'p50 ms':>7s} {'p99 ms':>7s} {'build s':>8s}")
    for row in rows:
        print(f"{row['ranker']:38s} {row['top1']:6.3f} {row['top3']:6.3f} {row['p50_ms']:7.2f} {row['p99_ms']:7.2f} "
              f"{row['build_s']:8.2f}")
    print(f"the bot's answers (document ranker, min score {library.min_score}, min coverage {library.min_coverage} "
          f"of the whole or the asking clauses, or score {library.clear_score} and {library.clear_margin}x the next): "
          f"answers {answered:.3f} of the "
          f"answerable ({right:.3f} from the right document), declines {declined:.3f} of the unanswerable")
    print(f"reproduce: {COMMAND}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"command": COMMAND, "rows": rows, "answered": answered, "answered_right": right,
                                     "declined": declined},
                                    ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
