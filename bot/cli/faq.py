"""`frontdoor faq ...`: index the policy texts and ask them questions, one JSON line per question."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

faq_app = typer.Typer(help="Answers from the community's policy texts.", no_args_is_help=True)
console = Console()
DEFAULT_INDEX = Path("models/policy-index.pkl")


@faq_app.command("index")
def faq_index(
    folder: Annotated[Path, typer.Argument(help="Folder of Markdown policy texts.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the index.")] = DEFAULT_INDEX,
    profile: Annotated[Path | None, typer.Option("--profile", help="Profile folder whose policy_terms.yaml to use.")]
    = None,
    dense: Annotated[bool, typer.Option("--dense/--words-only", help="Embed passages for the ranking.")] = True,
) -> None:
    """Split the texts into passages and index them; an index already at --out lends the vectors of every
    passage that did not change."""
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from nlu.policy_store import build_library, read_library, write_library

    started = time.perf_counter()
    embedded = 0

    def progressed(done: int, total: int) -> None:
        nonlocal embedded
        embedded = done
        bar.update(task, completed=done, total=total)

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("embedding passages", total=None)
        library = build_library(folder, profile, dense=dense, previous=read_library(out),
                                progress=progressed)
    write_library(library, out)
    sources = {p.source for p in library.passages}
    console.print(f"indexed {len(library.passages)} passages from {len(sources)} documents "
                  f"({embedded} embedded, the rest unchanged) in {time.perf_counter() - started:.1f} s -> {out}")


@faq_app.command("ask")
def faq_ask(
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Passages per question.")] = 5,
    index: Annotated[Path, typer.Option("--index", help="An index from `faq index`.")] = DEFAULT_INDEX,
) -> None:
    """Read one question per stdin line; print its ranked passages and their sources as a JSON line."""
    if not index.is_file():
        raise typer.BadParameter(f"no index at {index}: run `frontdoor faq index DIR` first", param_hint="--index")
    from nlu.policy_store import read_library

    library = read_library(index)
    if library is None:
        raise typer.BadParameter(f"{index} is not an index: run `frontdoor faq index DIR` again", param_hint="--index")
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        hits = library.search(question, k)
        print(json.dumps({
            "question": question,
            "answered": library.answer(question) is not None,
            "passages": [{"source": h.passage.source, "title": h.passage.title, "heading": h.passage.heading,
                          "score": round(h.score, 4), "text": h.passage.text} for h in hits],
        }, ensure_ascii=False), flush=True)
