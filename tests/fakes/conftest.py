"""Fixtures the tests of the fakes share."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
ServeModule = Callable[..., tuple[str, IO[str]]]


@pytest.fixture
def serve_module() -> Iterator[ServeModule]:
    """Run ``python -m <module> --port 0 <args>`` as a local server; return its base URL and the rest of its output.

    The base URL is the last word of the first line it prints; the server is terminated at teardown.
    """
    procs: list[subprocess.Popen[str]] = []

    def serve(module: str, *args: str) -> tuple[str, IO[str]]:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, "--port", "0", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        procs.append(proc)
        assert proc.stdout is not None
        return proc.stdout.readline().split()[-1], proc.stdout

    yield serve
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=5)
