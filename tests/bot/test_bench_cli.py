"""`frontdoor bench`: every benchmark it names exists, and a run is the module's own run."""

from __future__ import annotations

import importlib.util
import os
import re

from bot.cli.bench import BENCHMARKS
from tests.cli import frontdoor, frontdoor_process
from tests.conftest import ROOT


def test_every_listed_benchmark_is_a_module_of_the_checkout() -> None:
    missing = [module for module, _ in BENCHMARKS.values() if importlib.util.find_spec(module) is None]

    assert missing == []


def test_make_bench_runs_every_listed_benchmark() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    bench_line = re.search(r"^bench:(.*)$", makefile, re.MULTILINE)

    assert bench_line is not None
    prerequisites = bench_line[1].split()
    for name in BENCHMARKS:
        assert f"bench-{name}" in prerequisites or name in prerequisites, name


def test_a_run_is_the_benchmark_modules_own_run_with_the_options_passed_on() -> None:
    run = frontdoor_process("bench", "run", "faq", "--", "--help", env={**os.environ})

    assert run.returncode == 0, run.stderr
    assert "usage: faq_bench.py" in run.stdout  # the module's own usage, not the CLI's
    assert "--json" in run.stdout


def test_an_unknown_benchmark_is_refused_with_the_known_names() -> None:
    run = frontdoor("bench", "run", "nope", env={**os.environ, "COLUMNS": "200"})

    assert run.returncode == 2
    assert "fault-postgres" in run.stderr
