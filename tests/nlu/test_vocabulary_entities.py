"""Vocabulary entities (certificate_type, service, notice_topic ...) from a mapping or training data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlu.entities import EntityExtractor, vocabulary_from_training_data
from nlu.rasa_data import TrainingData, parse_example
from nlu.vocabulary import matcher

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
VOCABULARY = {
    "certificate_type": {
        "居住证明": ["住址证明", "居住地证明"],
        "老年优待证": ["优待证", "老年人优待证"],
        "低保证明": [],
    },
    "service": {"法律咨询": ["律师咨询"], "社保": ["社保办理", "SSC"]},
    "notice_topic": {"治安预报": ["治安"], "停水停电": ["停水", "停电"]},
}


@pytest.mark.parametrize(("text", "expected"), [
    ("帮我开个居住证明", [("certificate_type", "居住证明", "居住证明")]),
    ("开个住址证明", [("certificate_type", "居住证明", "住址证明")]),
    ("老年人优待证怎么办", [("certificate_type", "老年优待证", "老年人优待证")]),
    ("约周三的律师咨询", [("time", "2026-11-25T00:00:00+08:00", "周三"), ("service", "法律咨询", "律师咨询")]),
    ("订阅治安预报", [("notice_topic", "治安预报", "治安预报")]),
    ("明天停水吗", [("time", "2026-11-24T00:00:00+08:00", "明天"), ("notice_topic", "停水停电", "停水")]),
    ("ssc在哪", [("service", "社保", "ssc")]),
    ("ＳＳＣ在哪", [("service", "社保", "ＳＳＣ")]),
    ("低保证明和居住证明", [
        ("certificate_type", "低保证明", "低保证明"),
        ("certificate_type", "居住证明", "居住证明"),
    ]),
])
def test_vocabulary_words_become_their_canonical_value(text: str, expected: list[tuple[str, str, str]]) -> None:
    entities = EntityExtractor(VOCABULARY).extract(text, NOW)

    assert [(e.entity, e.value, e.text) for e in entities] == expected


def test_without_a_vocabulary_no_word_entities_are_found() -> None:
    assert EntityExtractor().extract("帮我开个居住证明", NOW) == ()


def test_vocabulary_word_never_overlaps_a_rule_entity() -> None:
    vocabulary: dict[str, dict[str, list[str]]] = {"service": {"明天见": []}}
    entities = EntityExtractor(vocabulary).extract("明天见", NOW)

    assert [e.entity for e in entities] == ["time"]


def _training_data() -> TrainingData:
    examples = [
        parse_example("帮我开个[住址证明](certificate_type)", "certificate_request"),
        parse_example('我要[困难正明]{"entity": "certificate_type", "value": "困难证明"}', "certificate_request"),
        parse_example("约[明天下午](time)的[法律咨询](service)", "appointment_book"),
        parse_example("电话[13912345678](phone)", "inform"),
        parse_example("订阅[治安预报](notice_topic)", "subscribe_notices"),
    ]
    return TrainingData(
        examples=examples,
        synonyms={"住址证明": "居住证明", "律师咨询": "法律咨询", "没人认领的": "无主"},
        lookups={"certificate_type": ["居住证明", "低保户证明"], "phone": ["13800000000"]},
    )


def test_vocabulary_from_training_data_merges_lookups_synonyms_and_annotations() -> None:
    vocabulary = vocabulary_from_training_data(_training_data())

    assert vocabulary == {
        "certificate_type": {"居住证明": ["住址证明"], "低保户证明": [], "困难证明": ["困难正明"]},
        "service": {"法律咨询": ["律师咨询"]},
        "notice_topic": {"治安预报": []},
    }


def test_rule_based_entity_names_are_left_to_the_rules() -> None:
    vocabulary = vocabulary_from_training_data(_training_data())

    assert not {"phone", "time"} & vocabulary.keys()


def test_vocabulary_from_training_data_drives_the_extractor() -> None:
    extractor = EntityExtractor(vocabulary_from_training_data(_training_data()))
    entities = extractor.extract("困难正明和律师咨询", NOW)

    assert [(e.entity, e.value) for e in entities] == [("certificate_type", "困难证明"), ("service", "法律咨询")]


def test_a_matcher_kept_for_a_word_list_follows_the_list_when_it_changes() -> None:
    places = {"place": {"east_gate": ["东门"], "garage": ["车库"]}}
    assert [m[1] for m in matcher(places).find("东门和车库")] == ["east_gate", "garage"]
    assert matcher(places) is matcher({"place": {"east_gate": ["东门"], "garage": ["车库"]}})

    places["place"]["north_gate"] = ["北门"]  # a profile edited and loaded again
    places["place"]["garage"] = ["地下车库"]
    assert [m[1] for m in matcher(places).find("北门 车库 地下车库")] == ["north_gate", "garage"]
