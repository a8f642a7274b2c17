"""Write a trainable Rasa 3.6 project (config.yml, domain.yml, data/nlu.yml) from any TrainingData.

The NLU file is written back from the parsed data, not copied, so whatever Rasa-format input was
read (ours or anyone's) comes out with its entity annotations, synonyms, regexes and lookups.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from nlu.rasa_data import Example, TrainingData
from nlu.result import FALLBACK_INTENT

RASA_FORMAT_VERSION = "3.1"
FALLBACK_THRESHOLD = 0.3
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def export_rasa_project(data: TrainingData, target: Path, epochs: int = 100) -> Path:
    """Write the project into `target` (created if needed) and return it."""
    (target / "data").mkdir(parents=True, exist_ok=True)
    (target / "config.yml").write_text(_dump(rasa_config(epochs)), encoding="utf-8")
    (target / "domain.yml").write_text(_dump(rasa_domain(data)), encoding="utf-8")
    (target / "data" / "nlu.yml").write_text(render_nlu_yaml(data), encoding="utf-8")
    return target


def rasa_config(epochs: int) -> dict[str, Any]:
    return {
        "recipe": "default.v1",
        "assistant_id": "frontdoor",
        "language": "zh",
        "pipeline": [
            {"name": "JiebaTokenizer"},
            {"name": "RegexFeaturizer"},
            {"name": "LexicalSyntacticFeaturizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
            {"name": "DIETClassifier", "epochs": epochs, "constrain_similarities": True},
            {"name": "EntitySynonymMapper"},
            {"name": "FallbackClassifier", "threshold": FALLBACK_THRESHOLD},
        ],
    }


def rasa_domain(data: TrainingData) -> dict[str, Any]:
    entities = sorted({name for example in data.examples for name, *_ in example.entities})
    intents = [intent for intent in data.intents if intent != FALLBACK_INTENT]
    return {"version": RASA_FORMAT_VERSION, "intents": intents, "entities": entities}


def render_nlu_yaml(data: TrainingData) -> str:
    lines = [f'version: "{RASA_FORMAT_VERSION}"', "nlu:"]
    for intent in data.intents:
        examples = [render_example(e) for e in data.examples if e.intent == intent]
        lines += _block("intent", intent, examples)
    canonical_values: dict[str, list[str]] = {}
    for text, value in data.synonyms.items():
        canonical_values.setdefault(value, []).append(text)
    for value, texts in canonical_values.items():
        lines += _block("synonym", value, texts)
    for name, patterns in data.regexes.items():
        lines += _block("regex", name, patterns)
    for name, values in data.lookups.items():
        lines += _block("lookup", name, values)
    return "\n".join(lines) + "\n"


def render_example(example: Example) -> str:
    """The example with its entities marked again: `[text](entity)`, or the JSON form when the value differs."""
    text, out, cursor = example.text, [], 0
    for name, value, start, end in sorted(example.entities, key=lambda e: e[2]):
        if start < cursor:  # Rasa has no overlapping annotations; keep the first.
            continue
        span = text[start:end]
        out.append(text[cursor:start])
        if value == span:
            out.append(f"[{span}]({name})")
        else:
            out.append(f"[{span}]{json.dumps({'entity': name, 'value': value}, ensure_ascii=False)}")
        cursor = end
    out.append(text[cursor:])
    # One example per line in a block scalar: a line break inside an example becomes a space.
    return " ".join("".join(out).splitlines())


def _block(kind: str, name: str, items: list[str]) -> list[str]:
    if not items:
        return []
    label = name if _PLAIN_NAME.match(name) else json.dumps(name, ensure_ascii=False)
    return ["", f"- {kind}: {label}", "  examples: |", *(f"    - {item}" for item in items)]


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=False)
