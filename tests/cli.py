"""The `frontdoor` command run as a test runs it: in this process through Typer's runner (no interpreter start,
no re-import of the stack), or as a real process where the process itself is what a test is about."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import ROOT


@dataclass(frozen=True)
class Ran:
    """What a command left: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def frontdoor(*args: str, env: dict[str, str], stdin: str | None = None) -> Ran:
    """`frontdoor ARGS` with `env` as its environment and `stdin` typed in."""
    result = CliRunner().invoke(app, list(args), input=stdin, env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def frontdoor_process(*args: str, env: dict[str, str], stdin: str | None = None) -> Ran:
    """`python -m bot.cli ARGS` as a process of its own."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)
    return Ran(done.returncode, done.stdout, done.stderr)
