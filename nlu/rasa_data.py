"""Read Rasa 3.x NLU YAML: intents with examples, inline entity annotations, synonyms, regexes
and lookup tables. Any Rasa-format NLU file is accepted, not only ours."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from storage.yaml_text import parse_yaml

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


class NLUDataError(ValueError):
    code = "nlu_data_invalid"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[tuple[str, str, int, int], ...] = ()


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        for name, patterns in other.regexes.items():
            self.regexes.setdefault(name, []).extend(patterns)
        for name, values in other.lookups.items():
            self.lookups.setdefault(name, []).extend(values)


def load_training_data(paths: list[Path]) -> TrainingData:
    data = TrainingData()
    for path in paths:
        data.merge(_load_file(Path(path)))
    if not data.examples:
        raise NLUDataError(f"no intent examples in {', '.join(map(str, paths))}")
    return data


def parse_example(raw: str, intent: str) -> Example:
    """Strip `[text](entity)` / `[text]{"entity": ..}` marks, keeping spans in the plain text."""
    plain, spans, cursor = "", [], 0
    for match in _ANNOTATION.finditer(raw):
        plain += raw[cursor:match.start()]
        name, value = match.group("name"), match.group("text")
        if match.group("json"):
            meta = json.loads(match.group("json"))
            name, value = meta.get("entity"), meta.get("value", value)
        start = len(plain)
        plain += match.group("text")
        if name:
            spans.append((str(name).split(":")[0], str(value), start, len(plain)))
        cursor = match.end()
    plain += raw[cursor:]
    return Example(plain.strip(), intent, tuple(spans))


def _load_file(path: Path) -> TrainingData:
    try:
        document: Any = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise NLUDataError(f"{path}: {error}") from error
    data = TrainingData()
    for block in (document or {}).get("nlu") or []:
        if "intent" in block:
            data.examples.extend(parse_example(text, block["intent"]) for text in _items(block.get("examples")))
        elif "synonym" in block:
            for text in _items(block.get("examples")):
                data.synonyms[text] = block["synonym"]
        elif "regex" in block:
            data.regexes.setdefault(block["regex"], []).extend(_items(block.get("examples")))
        elif "lookup" in block:
            data.lookups.setdefault(block["lookup"], []).extend(_items(block.get("examples")))
    return data


def _items(examples: Any) -> list[str]:
    """Examples are a `- item` block string, or a list of strings or {text: ...} mappings."""
    if isinstance(examples, str):
        lines = (line.strip() for line in examples.splitlines())
        return [line[1:].strip() for line in lines if line.startswith("-") and line[1:].strip()]
    if isinstance(examples, list):
        return [str(item["text"] if isinstance(item, dict) else item).strip() for item in examples]
    return []
