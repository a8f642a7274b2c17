"""The profile's safety tips, notice topics, clue settings and feedback words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.messages import button_payload, read_button_payload
from storage.profile import Profile, ProfileError, load_profile
from tests.conftest import DEMO_PROFILE


def test_demo_profile_has_the_safety_topics_and_notice_topics(profile: Profile) -> None:
    assert [t.name for t in profile.safety_topics.values()] == [
        "电信诈骗", "火灾", "电动车充电", "燃气", "独居老人", "防盗", "防溺水"]
    assert len(profile.safety_topics["fraud"].tips) >= 5
    assert [t.name for t in profile.notice_topics.values()] == ["治安预报", "防诈骗", "停水停电", "社区公告"]
    assert profile.time_limit(profile.categories["emergency"]).hours == 1


def test_feedback_words_read_unsatisfied_first(profile: Profile) -> None:
    words = profile.feedback_words
    assert [words.polarity(t) for t in ("不满意", "很满意，谢谢", "还没修好", "嗯")] == [False, True, False, None]


def test_clue_categories_fall_back_to_other(profile: Profile) -> None:
    assert profile.clues.category_of("楼下有人吸毒").key == "drugs"
    assert profile.clues.category_of("有个奇怪的事").key == "other"


def test_a_duplicate_safety_topic_names_file_and_field(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    tips = root / "safety_tips.yaml"
    tips.write_text(tips.read_text(encoding="utf-8").replace("- key: gas", "- key: fire"), encoding="utf-8")

    with pytest.raises(ProfileError, match=r"safety_tips.yaml: \[3\].key: duplicate key 'fire'"):
        load_profile(root)


def test_a_profile_without_the_optional_files_still_loads(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    for name in ("safety_tips.yaml", "notices.yaml", "clues.yaml", "feedback.yaml"):
        (root / name).unlink()

    loaded = load_profile(root)

    assert loaded.safety_topics == {}
    assert loaded.clues.category_of("x").key == "other"


def test_button_payloads_carry_entities_rasa_style() -> None:
    payload = button_payload("subscribe_notices", topic="outages")

    assert payload == '/subscribe_notices{"topic": "outages"}'
    assert read_button_payload(payload) == ("subscribe_notices", {"topic": "outages"})
    assert read_button_payload("/deny") == ("deny", {})
    assert read_button_payload("/deny{not json") is None
    assert read_button_payload("3栋") is None
