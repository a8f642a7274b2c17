"""`frontdoor faq ...`: index the policy texts and ask them questions, one JSON line per question."""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

faq_app = typer.Typer(help="Answers from the community's policy texts.", no_args_is_help=True)
console = Console()
DEFAULT_INDEX = Path("models/faq.pkl")


@faq_app.command("index")
def faq_index(
    folder: Annotated[Path, typer.Argument(help="Folder of Markdown policy texts.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the index.")] = DEFAULT_INDEX,
) -> None:
    """Split the texts into passages and index them."""
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    from nlu.policy_index import PolicyLibrary  # scikit-learn: loaded only by the commands that use it

    library = PolicyLibrary.from_folder(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(library))
    sources = {p.source for p in library.passages}
    console.print(f"indexed {len(library.passages)} passages from {len(sources)} documents -> {out}")


@faq_app.command("ask")
def faq_ask(
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Passages per question.")] = 5,
    index: Annotated[Path, typer.Option("--index", help="An index from `faq index`.")] = DEFAULT_INDEX,
) -> None:
    """Read one question per stdin line; print its ranked passages and their sources as a JSON line."""
    if not index.is_file():
        raise typer.BadParameter(f"no index at {index}: run `frontdoor faq index DIR` first", param_hint="--index")
    from nlu.policy_index import PolicyLibrary

    library: PolicyLibrary = pickle.loads(index.read_bytes())
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
