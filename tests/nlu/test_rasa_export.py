"""`export_rasa_project` writes a Rasa 3.6 project whose NLU file reads back to the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from bot.cli.main import app
from nlu.rasa_data import TrainingData, load_training_data
from nlu.rasa_export import export_rasa_project
from tests.conftest import NLU_DATA

FOREIGN_NLU = """\
version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - I want a [large](size) [margherita](pizza) please
    - two [pepperoni]{"entity": "pizza", "value": "diavola"} to [Baker Street 221b](address)
    - one [small](size) [veggie]{"entity": "pizza", "value": "vegetarian"}, no onions
- intent: check_order
  examples:
  - text: where is my order [A-1234](order_id)
  - text: "order status: [B-77](order_id)?"
  - has my pizza left yet
- intent: chitchat/weather
  examples: |
    - is it going to rain
- synonym: vegetarian
  examples: |
    - veggie
    - veg
- regex: order_id
  examples: |
    - [A-Z]-\\d{2,4}
- lookup: pizza
  examples: |
    - margherita
    - diavola
"""


def write_foreign(tmp_path: Path) -> Path:
    path = tmp_path / "foreign.yml"
    path.write_text(FOREIGN_NLU, encoding="utf-8")
    return path


def round_trip(data: TrainingData, target: Path) -> TrainingData:
    export_rasa_project(data, target, epochs=7)
    return load_training_data([target / "data" / "nlu.yml"])


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_foreign_rasa_file_round_trips_with_entities_synonyms_regexes_and_lookups(tmp_path: Path) -> None:
    original = load_training_data([write_foreign(tmp_path)])

    again = round_trip(original, tmp_path / "project")

    assert sorted(again.examples, key=repr) == sorted(original.examples, key=repr)
    assert again.synonyms == original.synonyms == {"veggie": "vegetarian", "veg": "vegetarian"}
    assert again.regexes == original.regexes
    assert again.lookups == original.lookups


def test_entity_value_that_differs_from_the_text_is_kept(tmp_path: Path) -> None:
    again = round_trip(load_training_data([write_foreign(tmp_path)]), tmp_path / "project")

    two = next(e for e in again.examples if e.text.startswith("two "))
    assert ("pizza", "diavola", 4, 13) in two.entities
    assert two.text[4:13] == "pepperoni"
    nlu_text = (tmp_path / "project" / "data" / "nlu.yml").read_text(encoding="utf-8")
    assert '[pepperoni]{"entity": "pizza", "value": "diavola"}' in nlu_text
    assert "[large](size)" in nlu_text


def test_our_data_round_trips(tmp_path: Path) -> None:
    original = load_training_data([NLU_DATA])

    again = round_trip(original, tmp_path / "project")

    assert sorted(again.examples, key=repr) == sorted(original.examples, key=repr)
    assert sum(len(e.entities) for e in again.examples) == sum(len(e.entities) for e in original.examples) > 0
    assert (again.synonyms, again.regexes, again.lookups) == (original.synonyms, original.regexes, original.lookups)


def test_config_has_the_chinese_diet_pipeline_with_the_given_epochs(tmp_path: Path) -> None:
    export_rasa_project(load_training_data([write_foreign(tmp_path)]), tmp_path / "project", epochs=7)

    config = read_yaml(tmp_path / "project" / "config.yml")
    assert config["language"] == "zh"
    names = [component["name"] for component in config["pipeline"]]
    assert names == ["JiebaTokenizer", "RegexFeaturizer", "LexicalSyntacticFeaturizer", "CountVectorsFeaturizer",
                     "CountVectorsFeaturizer", "DIETClassifier", "EntitySynonymMapper", "FallbackClassifier"]
    char_vectors, diet, fallback = config["pipeline"][4], config["pipeline"][5], config["pipeline"][7]
    assert (char_vectors["analyzer"], char_vectors["min_ngram"], char_vectors["max_ngram"]) == ("char_wb", 1, 4)
    assert (diet["epochs"], diet["constrain_similarities"]) == (7, True)
    assert fallback["threshold"] == 0.3


def test_domain_lists_the_intents_and_the_annotated_entities(tmp_path: Path) -> None:
    export_rasa_project(load_training_data([write_foreign(tmp_path)]), tmp_path / "project")

    domain = read_yaml(tmp_path / "project" / "domain.yml")
    assert domain["version"] == "3.1"
    assert domain["intents"] == ["check_order", "chitchat/weather", "order_pizza"]
    assert domain["entities"] == ["address", "order_id", "pizza", "size"]


def test_export_rasa_command_writes_the_project(tmp_path: Path) -> None:
    target = tmp_path / "rasa"

    result = CliRunner().invoke(app, ["nlu", "export-rasa", str(target), "--data", str(write_foreign(tmp_path)),
                                      "--epochs", "3"])

    assert result.exit_code == 0, result.output
    assert read_yaml(target / "config.yml")["pipeline"][5]["epochs"] == 3
    assert len(load_training_data([target / "data" / "nlu.yml"]).examples) == 7
