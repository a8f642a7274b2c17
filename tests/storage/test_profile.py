"""The profile loader: the demo profile matches the field figures; a broken one names file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.conversation.profile_check import load_checked_profile
from storage.profile import Profile, ProfileError, load_profile
from storage.profile.schema import StaffRole
from tests.conftest import DEMO_PROFILE


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the demo profile for a test to break."""
    target = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_demo_district_is_sized_like_the_field(profile: Profile) -> None:
    baiyang, qingshui = profile.communities["baiyang"], profile.communities["qingshui"]

    assert len(baiyang.areas) == 6
    assert len(profile.buildings("baiyang")) == 103
    assert (baiyang.households, baiyang.residents) == (7130, 17291)
    office_staff = [s for s in baiyang.staff if s.role is not StaffRole.BUILDING_LEAD]
    assert len(office_staff) == 11
    assert len([s for s in baiyang.staff if s.role is StaffRole.BUILDING_LEAD]) == 48
    paid = [s for s in qingshui.staff if s.role not in (StaffRole.BUILDING_LEAD, StaffRole.SERVICE_TEAM)]
    assert len(paid) == 5
    assert (qingshui.households, qingshui.residents) == (1685, 5216)


def test_every_building_has_an_area_and_a_lead(profile: Profile) -> None:
    for key, community in profile.communities.items():
        led = {b for s in community.staff for b in s.buildings}
        assert led == set(profile.buildings(key))


def test_intake_types_carry_the_field_time_limits(profile: Profile) -> None:
    administrative = profile.district.intake_types["administrative"].time_limits
    assert {remit.value: limit.label() for remit, limit in administrative.items()} == {
        "community": "same_day", "district": "3d", "beyond": "7d"}


def test_unknown_building_in_staff_assignment_names_file_and_field(broken: Path) -> None:
    community_file = broken / "communities" / "baiyang" / "community.yaml"
    edit(community_file, "buildings: ['1', '2', '3']", "buildings: ['1', '2', '104']")

    with pytest.raises(ProfileError) as raised:
        load_profile(broken)

    assert raised.value.path == community_file
    assert raised.value.field.startswith("staff[")
    assert raised.value.field.endswith("].buildings[2]")
    assert "unknown building '104'" in str(raised.value)


def test_time_limit_that_is_not_a_duration_names_file_and_field(broken: Path) -> None:
    edit(broken / "district.yaml", "{community: 2d, district: 3d}", "{community: two days, district: 3d}")

    with pytest.raises(ProfileError) as raised:
        load_profile(broken)

    assert raised.value.path == broken / "district.yaml"
    assert raised.value.field == "intake_types.public_service.time_limits"
    assert "'two days' is not a time limit" in raised.value.problem


def test_area_lead_who_is_not_on_the_roster_is_refused(broken: Path) -> None:
    edit(broken / "communities" / "qingshui" / "community.yaml", "lead: qs-area-02", "lead: qs-area-09")

    with pytest.raises(ProfileError, match=r"areas\[1\]\.lead: 'qs-area-09' is not an area_lead"):
        load_profile(broken)


def test_an_emergency_duty_community_the_district_does_not_have_is_refused(broken: Path) -> None:
    edit(broken / "district.yaml", "emergency_duty_community: baiyang", "emergency_duty_community: songlin")

    with pytest.raises(ProfileError, match=r"emergency_duty_community: unknown community 'songlin'"):
        load_profile(broken)


def test_category_with_unknown_office_is_refused(broken: Path) -> None:
    edit(broken / "categories.yaml", "office:urban_management", "office:fire_brigade")

    with pytest.raises(ProfileError, match=r"categories\.yaml: \[13\]\.handled_by: unknown office 'fire_brigade'"):
        load_profile(broken)


def test_reply_with_unknown_blank_is_refused(broken: Path) -> None:
    edit(broken / "replies.md", "编号 {ticket_no}。", "编号 {ticket_number}。")

    with pytest.raises(ProfileError, match=r"replies\.md: ticket_created: unknown blank \{ticket_number\}"):
        load_checked_profile(broken)


def test_misspelt_reply_key_is_refused(broken: Path) -> None:
    edit(broken / "replies.md", "## goodbye\n", "## goodbye_typo\n")

    with pytest.raises(ProfileError, match=r"replies\.md: goodbye_typo: unknown reply key"):
        load_checked_profile(broken)


def test_community_may_override_wording(broken: Path) -> None:
    own = broken / "communities" / "qingshui" / "replies.md"
    own.write_text("## goodbye\n青水社区祝您生活愉快！\n", encoding="utf-8")

    loaded = load_profile(broken)

    assert loaded.reply_template("qingshui", "goodbye") == "青水社区祝您生活愉快！"
    assert loaded.reply_template("baiyang", "goodbye") != "青水社区祝您生活愉快！"


@pytest.mark.usefixtures("logging_restored")
def test_broken_profile_stops_serve_with_file_and_field(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(broken / "district.yaml", "{community: 2d, district: 3d}", "{community: soon, district: 3d}")
    monkeypatch.setenv("FRONTDOOR_PROFILE_DIR", str(broken))

    result = CliRunner().invoke(app, ["serve"])

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "district.yaml" in output
    assert "intake_types.public_service.time_limits" in output


def test_removed_reply_is_reported_missing(broken: Path) -> None:
    text = (broken / "replies.md").read_text(encoding="utf-8")
    start = text.index("## goodbye\n")
    end = text.index("## ", start + 3)
    (broken / "replies.md").write_text(text[:start] + text[end:], encoding="utf-8")

    with pytest.raises(ProfileError, match=r"replies\.md: goodbye: missing"):
        load_checked_profile(broken)


def test_a_community_s_own_wording_is_checked_against_the_same_contract(broken: Path) -> None:
    own = broken / "communities" / "qingshui" / "replies.md"
    own.write_text("## goodbye\n再见 {name}\n", encoding="utf-8")

    with pytest.raises(ProfileError, match=r"qingshui/replies\.md: goodbye: unknown blank \{name\}"):
        load_checked_profile(broken)


def test_a_form_question_that_is_no_reply_is_refused(broken: Path) -> None:
    edit(broken / "flows.yaml", "ask: ask_purpose", "ask: ask_why")

    with pytest.raises(ProfileError, match=r"flows\.yaml: certificate_request\.slots\[3\]\.ask: unknown reply"):
        load_checked_profile(broken)


def test_each_community_lists_its_public_places_with_an_area(profile: Profile) -> None:
    playground = profile.places["baiyang"]["playground"]

    assert "滑梯" in playground.aliases
    assert playground.area in {a.id for a in profile.communities["baiyang"].areas}
    assert set(profile.places) == {"baiyang", "qingshui"}


def test_a_place_in_an_unknown_area_names_file_and_field(broken: Path) -> None:
    places = broken / "communities" / "qingshui" / "places.yaml"
    edit(places, "area: a2", "area: a9")

    with pytest.raises(ProfileError) as raised:
        load_profile(broken)

    assert (raised.value.path, raised.value.field) == (places, "[1].area")
    assert "a9" in str(raised.value)


def test_a_place_listed_twice_is_refused(broken: Path) -> None:
    places = broken / "communities" / "qingshui" / "places.yaml"
    edit(places, "key: back_gate", "key: main_gate")

    with pytest.raises(ProfileError, match="duplicate place 'main_gate'"):
        load_profile(broken)


def test_a_slot_pattern_without_a_value_group_is_refused(broken: Path) -> None:
    flows = broken / "flows.yaml"
    edit(flows, "(?P<value>", "(?P<what>")

    with pytest.raises(ProfileError, match="group named value"):
        load_profile(broken)
