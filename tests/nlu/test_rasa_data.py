"""Reading Rasa 3.x NLU YAML, including forms our own data does not use."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.rasa_data import NLUDataError, load_training_data, parse_example

RASA_FILE = '''
version: "3.1"
nlu:
- intent: book
  examples: |
    - 帮我约[明天下午](time)的[法律咨询](service)
    - 约个[体检]{"entity": "service", "value": "健康体检"}
- intent: greet
  examples:
    - text: 你好
      metadata: {sentiment: neutral}
    - 在吗
- synonym: 居住证明
  examples: |
    - 住址证明
- regex: phone
  examples: |
    - 1[3-9]\\d{9}
- lookup: service
  examples: |
    - 法律咨询
'''


def test_annotations_are_stripped_and_spans_kept() -> None:
    example = parse_example("帮我约[明天下午](time)的[法律咨询](service)", "book")

    assert example.text == "帮我约明天下午的法律咨询"
    assert example.entities == (("time", "明天下午", 3, 7), ("service", "法律咨询", 8, 12))


def test_json_annotation_uses_its_value() -> None:
    example = parse_example('约个[体检]{"entity": "service", "value": "健康体检"}', "book")

    assert example.text == "约个体检"
    assert example.entities == (("service", "健康体检", 2, 4),)


def test_a_whole_rasa_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(RASA_FILE, encoding="utf-8")

    data = load_training_data([path])

    assert data.intents == ["book", "greet"]
    assert [e.text for e in data.examples if e.intent == "greet"] == ["你好", "在吗"]
    assert data.synonyms == {"住址证明": "居住证明"}
    assert data.regexes == {"phone": ["1[3-9]\\d{9}"]}
    assert data.lookups == {"service": ["法律咨询"]}


def test_file_without_intents_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")

    with pytest.raises(NLUDataError, match="no intent examples"):
        load_training_data([path])
