"""Python sources parsed into syntax trees in a process of their own.

CPython 3.11 keeps the AST constructor's recursion depth in the interpreter, not in the thread (gh-106905):
`ast.parse` in a test while another thread of the test process parses too fails with "SystemError: AST
constructor recursion depth mismatch". Other threads do parse: a traceback printed from a fake server's thread
places its carets with `ast`, and an app starting up checks its handlers' replies with it. The guard tests that
read the application's source parse it where no other thread runs."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

_PARSE = ("import ast, pickle, sys; "
          "sys.stdout.buffer.write(pickle.dumps([ast.parse(source) for source in pickle.load(sys.stdin.buffer)]))")


def syntax_trees(sources: Sequence[str]) -> list[ast.Module]:
    """Each source's syntax tree, in order."""
    done = subprocess.run([sys.executable, "-c", _PARSE], input=pickle.dumps(list(sources)), capture_output=True,
                          check=True, timeout=120)
    trees: list[ast.Module] = pickle.loads(done.stdout)
    return trees


def file_trees(paths: Iterable[Path]) -> dict[Path, ast.Module]:
    """Each file's syntax tree, by its path."""
    listed = list(paths)
    return dict(zip(listed, syntax_trees([path.read_text(encoding="utf-8") for path in listed]), strict=True))
