"""The rooms stay honest: every import the application makes, at the top of a module, inside a function or
under TYPE_CHECKING, read from the source. `storage/` and `nlu/` import nothing above them; handlers use
only `bot.core` and `bot.office`, which use nothing else of the bot; only `bot.conversation` imports the
handlers; and no module reaches itself through its imports."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from bot.channels import registry
from bot.channels.registry import REGISTERED, channels
from bot.cli import main as cli
from tests.conftest import ROOT
from tests.syntax_trees import file_trees

PACKAGES = ("bot", "handlers", "nlu", "storage")
Graph = Mapping[str, Iterable[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def application_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if "migrations/versions" not in path.as_posix()}


def imports_of(module: str, path: Path, tree: ast.Module, known: Mapping[str, Path]) -> set[str]:
    """The application modules `module` (at `path`, parsed as `tree`) imports, wherever in its source the import
    stands."""
    def known_prefix(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(filter(None, (known_prefix(alias.name) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
            for alias in node.names:  # `from bot.office import ticketing` imports the module ticketing
                target = known_prefix(f"{base}.{alias.name}")
                found.add(target if target is not None and target != module else known_prefix(base) or "")
    return found - {"", module}


def import_graph() -> dict[str, set[str]]:
    """Every module's imports; the channel registry imports its channels by name, and the CLI their commands
    (`module:attribute`), so those names count as imports of the registry and of the CLI."""
    known = application_modules()
    trees = file_trees(known.values())
    graph = {module: imports_of(module, path, trees[path], known) for module, path in known.items()}
    graph[registry.__name__].update(REGISTERED)
    graph[cli.__name__].update(channel.commands.partition(":")[0] for channel in channels() if channel.commands)
    return graph


def within(module: str, *rooms: str) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def layer_violations(graph: Graph) -> list[str]:
    """Each import that goes against the layout, as 'importer -> imported: rule'."""
    found = []
    for importer, imported in graph.items():
        for target in imported:
            if within(importer, "storage", "nlu") and within(target, "bot", "handlers"):
                rule = "storage/ and nlu/ import nothing from bot/ or handlers/"
            elif within(importer, "handlers") and within(target, "bot") \
                    and not within(target, "bot.core", "bot.office"):
                rule = "handlers import only bot.core and bot.office"
            elif within(importer, "bot.core") and within(target, "bot", "handlers") and not within(target, "bot.core"):
                rule = "bot.core imports nothing else of the bot"
            elif within(importer, "bot.office") and within(target, "bot", "handlers") \
                    and not within(target, "bot.core", "bot.office"):
                rule = "bot.office imports only bot.core"
            elif within(target, "handlers") and not within(importer, "handlers", "bot.conversation"):
                rule = "only bot.conversation imports the handlers"
            else:
                continue
            found.append(f"{importer} -> {target}: {rule}")
    return sorted(found)


def circles(graph: Graph) -> list[list[str]]:
    """The groups of modules that reach one another through their imports (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in graph.get(module, ()):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = []
            while (member := stack.pop()) != module:
                group.append(member)
            if group:
                found.append(sorted([module, *group]))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_application_keeps_to_its_layers(graph: dict[str, set[str]]) -> None:
    assert layer_violations(graph) == []


def test_no_module_reaches_itself_through_its_imports(graph: dict[str, set[str]]) -> None:
    assert circles(graph) == []


def test_the_reader_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.core import messages\n"
                      "def later() -> None:\n    import storage.db\n", encoding="utf-8")
    known = {"bot.core.messages": source, "bot.core": source, "storage.db": source, "example": source}
    assert imports_of("example", source, file_trees([source])[source], known) == {"bot.core.messages", "storage.db"}


def test_a_planted_back_edge_or_circle_is_caught(graph: dict[str, set[str]]) -> None:
    planted = {**graph, "storage.db": {*graph["storage.db"], "bot.core.errors"},
               "handlers.fallback": {*graph["handlers.fallback"], "bot.console.ledger"},
               "bot.core.errors": {*graph["bot.core.errors"], "bot.core.wording"},
               "bot.core.wording": {*graph["bot.core.wording"], "bot.core.errors"}}

    assert layer_violations(planted) == [
        "handlers.fallback -> bot.console.ledger: handlers import only bot.core and bot.office",
        "storage.db -> bot.core.errors: storage/ and nlu/ import nothing from bot/ or handlers/"]
    assert circles(planted) == [["bot.core.errors", "bot.core.wording"]]
