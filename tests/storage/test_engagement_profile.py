"""The profile's safety tips, notice topics, clue settings and feedback words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlu.payloads import button_payload, read_button_payload
from storage.profile import Profile, ProfileError, load_profile
from tests.conftest import DEMO_PROFILE


def test_demo_profile_has_the_safety_topics_and_notice_topics(profile: Profile) -> None:
    assert [t.name for t in profile.safety_topics.values()] == [
        "电信诈骗", "火灾", "电动车充电", "燃气", "独居老人", "防盗", "夜间出行", "防溺水"]
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
    for name in ("safety_tips.yaml", "notices.yaml", "clues.yaml", "feedback.yaml", "participation.yaml"):
        (root / name).unlink()
    shutil.rmtree(root / "notice_templates")

    loaded = load_profile(root)

    assert loaded.safety_topics == {}
    assert loaded.notice_templates == {}
    assert loaded.clues.category_of("x").key == "other"
    assert (loaded.participation.publicity, loaded.participation.deliberation) == (None, None)


def test_participation_naming_a_topic_the_profile_lacks_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    (root / "notices.yaml").unlink()
    shutil.rmtree(root / "notice_templates")

    with pytest.raises(ProfileError, match=r"participation.yaml: publicity.topic: no 'announcements'"):
        load_profile(root)


def test_button_payloads_carry_entities_rasa_style() -> None:
    payload = button_payload("subscribe_notices", topic="outages")

    assert payload == '/subscribe_notices{"topic": "outages"}'
    assert read_button_payload(payload) == ("subscribe_notices", {"topic": "outages"})
    assert read_button_payload("/deny") == ("deny", {})
    assert read_button_payload("/deny{not json") is None
    assert read_button_payload("3栋") is None


def test_demo_notice_templates_name_their_topic_and_approvers(profile: Profile) -> None:
    forecast = profile.notice_templates["security_forecast"]

    assert (forecast.name, forecast.topic, forecast.valid_days) == ("治安形势预报", "security_forecast", 7)
    assert (forecast.cap.category, forecast.cap.urgency) == ("Security", "Future")
    assert profile.notice_templates["announcement"].topic == "announcements"
    assert profile.notice_topics["security_forecast"].approval_roles == ["police", "secretary"]
    assert profile.notice_topics["outages"].approval_roles == []


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("topic: security_forecast", "topic: burglary", r"topic: unknown notice topic 'burglary'"),
    ("category: Security", "category: Crime", r"cap.category: Input should be 'Geo', 'Met'"),
    ("urgency: Future", "urgency: Soon", r"cap.urgency: Input should be 'Immediate'"),
    ("severity: Minor", "severity: Low", r"cap.severity: Input should be 'Extreme'"),
    ("certainty: Likely", "certainty: Sure", r"cap.certainty: Input should be 'Observed'"),
    ("key: security_forecast", "key: forecast", r"key: 'forecast' differs from its file name 'security_forecast'"),
    ("change_same: 持平", "change_same: 持平{diff}", r"wording: change_same: unknown blank \{diff\}"),
    ("  no_cases: |-", "  nothing: |-", r"wording: a forecast template needs the piece 'no_cases'"),
    ("  - key: burglary", "  - key: telecom_fraud", r"case_types: \[1\]: 'telecom_fraud' already names"),
    ("valid_days: 7", "valid_days: 0", r"valid_days: Input should be greater than or equal to 1"),
])
def test_a_broken_notice_template_names_file_and_field(tmp_path: Path, old: str, new: str, problem: str) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    path = root / "notice_templates" / "security_forecast.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

    with pytest.raises(ProfileError, match=r"security_forecast.yaml: " + problem):
        load_profile(root)


def test_a_topic_asking_for_more_approvers_than_a_community_has_fails(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    notices = root / "notices.yaml"
    notices.write_text(notices.read_text(encoding="utf-8").replace(
        "approval_roles: [police, secretary]", "approval_roles: [police, police]"), encoding="utf-8")

    with pytest.raises(ProfileError, match=r"community.yaml: staff: notice topic 'security_forecast' needs approval "
                                           r"by 2 staff with role 'police'; this community has 1"):
        load_profile(root)
