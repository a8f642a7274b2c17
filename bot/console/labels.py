"""The console's own words (buttons, headings, column names), kept in the profile's `console.yaml`
so a district can change them without touching code. A page that asks for a missing word fails."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from storage.yaml_text import parse_yaml

FILE = "console.yaml"


@cache
def console_labels(profile_root: Path) -> dict[str, str]:
    path = profile_root / FILE
    data = parse_yaml(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of word keys to texts")
    return {str(key): value for key, value in data.items()}
