"""`frontdoor bench`: run one of the benchmarks of a checkout (they live in `bench/`, beside the packages).

Each benchmark is a module run as its own process, exactly as its make target runs it, so what it prints
(figures and the command that reproduces them) is the same either way. Options after the name go to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

BENCHMARKS: dict[str, tuple[str, str]] = {
    "nlu": ("bench.nlu_bench", "the embedded classifier against Rasa DIET (needs .venv-rasa: make rasa-venv)"),
    "faq": ("bench.faq_bench", "policy-text retrieval: naive character match, BM25, TF-IDF"),
    "conversations": ("bench.conversations_bench",
                      "whole conversations, held-out and dev, learned against keyword categories"),
    "telegram": ("bench.telegram_bench", "paced Telegram sending against unthrottled sending"),
    "broadcast": ("bench.broadcast", "100,000-recipient fan-out, sustained rate, workers killed (PostgreSQL)"),
    "load": ("bench.load", "WeChat webhook load at increasing rates through N server processes (PostgreSQL)"),
    "pipeline": ("bench.load.pipeline", "the pipeline alone in-process: CPU and SQL statements a message (PostgreSQL)"),
    "fault-postgres": ("bench.faults.postgres_restart", "PostgreSQL restarted under load"),
    "fault-rasa": ("bench.faults.rasa_killed", "the Rasa server killed while residents write"),
    "fault-telegram": ("bench.faults.telegram_outage", "Telegram answering 429 and timing out during a broadcast"),
    "fault-worker": ("bench.faults.worker_kill", "a delivery worker killed with SIGKILL during a broadcast"),
}
CHECKOUT = Path(__file__).resolve().parents[2]

bench_app = typer.Typer(help="Benchmarks and fault scripts (from a checkout).", no_args_is_help=True)


@bench_app.command("list")
def bench_list() -> None:
    """Name and purpose of every benchmark."""
    for name, (_, purpose) in BENCHMARKS.items():
        typer.echo(f"{name:15} {purpose}")


@bench_app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench_run(context: typer.Context,
              name: Annotated[str, typer.Argument(help="A name from `frontdoor bench list`.")]) -> None:
    """Run a benchmark; further options go to it (its own help: `frontdoor bench run load -- --help`)."""
    if name not in BENCHMARKS:
        raise typer.BadParameter(f"no benchmark '{name}': one of {', '.join(BENCHMARKS)}", param_hint="NAME")
    if not (CHECKOUT / "bench").is_dir():
        raise typer.BadParameter("benchmarks run from a checkout of frontdoor (no bench/ beside the packages)")
    module = BENCHMARKS[name][0]
    finished = subprocess.run([sys.executable, "-m", module, *context.args], cwd=CHECKOUT, check=False)
    raise typer.Exit(finished.returncode)
