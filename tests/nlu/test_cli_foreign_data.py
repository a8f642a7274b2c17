"""`frontdoor nlu train/test/parse` on a Rasa file whose labels have nothing to do with ours."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli import Ran, frontdoor

TRAIN = """version: "3.1"
nlu:
- intent: order_coffee
  examples: |
    - a large latte please
    - can I get an espresso
    - one cappuccino to go
    - I'd like a flat white
    - two americanos please
    - mocha with oat milk
- intent: ask_opening_hours
  examples: |
    - when do you open
    - are you open on sunday
    - what time do you close
    - opening hours please
    - until when are you open today
    - do you open early on weekdays
- intent: complain
  examples: |
    - my coffee was cold
    - the barista was rude
    - you got my order wrong
    - I waited twenty minutes
    - the cup was leaking
    - this tastes burnt
"""
TEST = """version: "3.1"
nlu:
- intent: order_coffee
  examples: |
    - could I have a latte
    - espresso for me please
- intent: ask_opening_hours
  examples: |
    - what are your hours on saturday
    - when do you close tonight
- intent: complain
  examples: |
    - the milk was sour
    - my order was wrong again
"""


def nlu(*args: str, stdin: str | None = None) -> Ran:
    return frontdoor("nlu", *args, env={**os.environ, "COLUMNS": "200"}, stdin=stdin)


def test_train_test_and_parse_work_on_a_foreign_label_set(tmp_path: Path) -> None:
    (tmp_path / "train.yml").write_text(TRAIN, encoding="utf-8")
    (tmp_path / "test.yml").write_text(TEST, encoding="utf-8")
    model, results = tmp_path / "coffee.pkl", tmp_path / "results"

    trained = nlu("train", "--data", str(tmp_path / "train.yml"), "--out", str(model))
    tested = nlu("test", "--data", str(tmp_path / "test.yml"), "--model", str(model), "--out", str(results))
    parsed = nlu("parse", "--model", str(model), stdin="one latte please\nwhen do you open tomorrow\n")

    assert trained.returncode == 0, trained.stderr
    assert tested.returncode == 0, tested.stderr
    report = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
    assert {"order_coffee", "ask_opening_hours", "complain", "accuracy", "macro avg", "weighted avg"} <= set(report)
    assert set(report["complain"]) >= {"precision", "recall", "f1-score", "support"}
    assert (results / "intent_confusion_matrix.png").read_bytes().startswith(b"\x89PNG")
    lines = [json.loads(line) for line in parsed.stdout.splitlines()]
    assert [line["text"] for line in lines] == ["one latte please", "when do you open tomorrow"]
    assert {"text", "intent", "intent_ranking", "entities"} <= set(lines[0])
    assert {s["name"] for s in lines[0]["intent_ranking"]} == {"order_coffee", "ask_opening_hours", "complain"}


def test_parse_without_a_model_file_fails_clearly(tmp_path: Path) -> None:
    result = nlu("parse", "--model", str(tmp_path / "missing.pkl"), stdin="hello\n")

    assert result.returncode != 0
    assert "no model at" in result.stderr
