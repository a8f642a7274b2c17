"""The reply contract: every module that renders the profile's replies declares them next to its code, as
`REPLIES = {key: (blank, ...)}`; here the declarations of the bot and its handlers are gathered (read from
the source, so checking a profile imports nothing) and a profile's `replies.md` files checked against them:
no key missing from the district's wording, none unknown, no blank a reply may not use."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import handlers
from storage.profile import Profile, ProfileError
from storage.profile.replies import blanks

ReplyContract = dict[str, frozenset[str]]
DECLARING_PACKAGES = (Path(__file__).resolve().parents[1], Path(handlers.__file__).resolve().parent)
"""bot/ and handlers/."""


def declarations(source: str) -> dict[str, tuple[str, ...]]:
    """The `REPLIES` a module's source declares at its top level (empty when it declares none)."""
    for node in ast.parse(source).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "REPLIES":
            declared: dict[str, tuple[str, ...]] = ast.literal_eval(value)
            return declared
    return {}


@cache
def reply_contract() -> ReplyContract:
    """Every reply key the code renders, with the blanks it may use; a key declared twice is refused."""
    contract: ReplyContract = {}
    where: dict[str, Path] = {}
    for package in DECLARING_PACKAGES:
        for path in sorted(package.rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if "REPLIES" not in source:
                continue
            for key, fields in declarations(source).items():
                if key in contract:
                    raise ValueError(f"reply '{key}' is declared in both {where[key]} and {path}")
                contract[key], where[key] = frozenset(fields), path
    return contract


def check_replies(profile: Profile) -> None:
    """The district's wording has every reply; no file names a reply the code does not render, or a blank
    the reply does not fill in; every question and confirmation of a form is a reply."""
    contract = reply_contract()
    for community, replies in profile.replies.items():
        path = profile.root / ("replies.md" if not community else f"communities/{community}/replies.md")
        for key, text in replies.items():
            allowed = contract.get(key)
            if allowed is None:
                raise ProfileError(path, key, "unknown reply key")
            if unknown := sorted(blanks(text) - allowed):
                names = ", ".join(sorted(allowed)) or "none"
                raise ProfileError(path, key, f"unknown blank {{{unknown[0]}}}; this reply may use: {names}")
        if not community and (missing := sorted(contract.keys() - replies.keys())):
            raise ProfileError(path, missing[0], "missing")
    for name, flow in profile.flows.items():
        for i, slot in enumerate(flow.slots):
            if slot.ask not in contract:
                raise ProfileError(profile.root / "flows.yaml", f"{name}.slots[{i}].ask", f"unknown reply '{slot.ask}'")
        if flow.confirm not in contract:
            raise ProfileError(profile.root / "flows.yaml", f"{name}.confirm", f"unknown reply '{flow.confirm}'")
