"""Everything a resident or staff member reads comes from the profile's templates: no Chinese
string literal in the application's code, other than patterns it recognises input with."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.console.labels import console_labels
from handlers import MODULES
from storage.models import TicketEventKind
from storage.profile import load_profile
from tests.conftest import DEMO_PROFILE, ROOT
from tests.syntax_trees import file_trees

CJK = re.compile(r"[\u4e00-\u9fff]")
RECOGNITION_PATTERNS: set[tuple[str, str]] = set()
"""Literals that only ever match what residents write, never shown to anyone."""


def chinese_literals(tree: ast.Module) -> list[tuple[int, str]]:
    # A bare string statement is documentation (a docstring, or one under an attribute).
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)
            and id(node) not in docstrings]


def test_no_resident_facing_chinese_in_application_code() -> None:
    trees = file_trees(path for package in ("bot", "handlers", "storage")
                       for path in sorted((ROOT / package).rglob("*.py")) if "migrations" not in path.parts)
    found = [
        (str(path.relative_to(ROOT)), line, text)
        for path, tree in trees.items()
        for line, text in chinese_literals(tree)
        if (str(path.relative_to(ROOT)), text) not in RECOGNITION_PATTERNS
    ]

    assert found == []


def test_every_flow_a_handler_starts_has_a_name_to_offer_it_back_by() -> None:
    """A flow put aside for another need is offered back by its name (「继续议事投票」): from flows.yaml, else the
    `intent_<flow>` reply. A flow without either crashes the turn that puts it aside."""
    profile = load_profile(DEMO_PROFILE)
    started = [module.FLOW for module in MODULES
               if hasattr(module, "FLOW") and "state.start(" in Path(module.__file__ or "").read_text(encoding="utf-8")]
    assert "vote" in started
    unnamed = [flow for flow in started
               if flow not in profile.flows and f"intent_{flow}" not in profile.replies[""]]
    assert unnamed == []


def test_every_kind_of_ticket_history_entry_has_the_consoles_words_for_it() -> None:
    """The ticket page writes each history entry by the word for its kind (`event_<kind>`): a kind without one breaks
    the page of every ticket that has such an entry."""
    labels = console_labels(DEMO_PROFILE)

    assert [kind.value for kind in TicketEventKind if f"event_{kind.value}" not in labels] == []
