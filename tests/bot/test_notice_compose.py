"""Composing the security forecast and announcements from the demo profile, and the text residents read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.core.wording import Wording
from bot.notices.compose import (
    AnnouncementInput,
    ForecastInput,
    NoticeDraft,
    area_label,
    compose_announcement,
    compose_forecast,
    ensure_no_personal_data,
    public_numbers_of,
    resident_text,
)
from nlu.embedded import EmbeddedClassifier
from storage.models import Notice
from storage.profile import Profile

NEVER_ASKS_MONEY = "【提醒】社区和民警从不会以任何理由向您索要钱款、银行卡密码或验证码，凡索要的都是诈骗。"
WEEK = {
    "period": "2026年11月第4周（11月16日至22日）",
    "area_keys": ["a1"],
    "cases": [
        {"kind": "入室盗窃", "count": 1, "last_count": 3},
        {"kind": "电信网络诈骗", "count": 5, "last_count": 2},
        {"kind": "邻里纠纷", "count": 0, "last_count": 2},
        {"kind": "电动车盗窃", "count": 2, "last_count": 2},
        {"kind": "ebike_fire", "count": 3, "last_count": 2},
    ],
    "police_actions": [
        {"kind": "enforcement", "text": "依法查处东一片群租房消防隐患一处，责令限期整改。"},
        {"kind": "mediation", "text": "调解邻里噪音纠纷2起，双方已签订调解协议。"},
        {"kind": "hearing", "text": "11月25日在社区议事厅就停车收费方案举行听证会。"},
    ],
}


def as_notice(draft: NoticeDraft, msg_type: str = "Alert") -> Notice:
    return Notice(topic=draft.topic, template=draft.template, msg_type=msg_type, headline=draft.headline,
                  description=draft.description, instruction=draft.instruction,
                  area_keys=list(draft.area_keys), building_numbers=list(draft.building_numbers))


def forecast_text(profile: Profile, **changes: object) -> str:
    draft = compose_forecast(profile, "baiyang", ForecastInput.from_mapping({**WEEK, **changes}))
    return resident_text(Wording(profile, "baiyang"), as_notice(draft))


def test_forecast_gives_period_area_and_each_case_with_its_change(profile: Profile) -> None:
    text = forecast_text(profile)

    assert text.startswith("【治安形势预报】白杨社区东一片 2026年11月第4周（11月16日至22日）")
    assert "共11起（上期11起），持平" in text
    for line in ("· 入室盗窃：本期1起，上期3起，下降2起", "· 电信网络诈骗：本期5起，上期2起，上升3起",
                 "· 邻里纠纷：本期0起，上期2起，下降2起", "· 电动车盗窃：本期2起，上期2起，持平",
                 "· 电动自行车充电火灾隐患：本期3起，上期2起，上升1起"):
        assert line in text
    assert text.endswith(NEVER_ASKS_MONEY)


def test_forecast_advises_only_on_case_types_that_occurred_steepest_rise_first(profile: Profile) -> None:
    text = forecast_text(profile, extra_precautions=["年底外出走亲访友，请锁好门窗。"])

    advice = text.split("【防范提示】")[1].split("【征集线索】")[0]
    kinds = re.findall(r"^· ([^：]+)：", advice, flags=re.MULTILINE)
    assert kinds == ["电信网络诈骗", "电动自行车充电火灾隐患", "入室盗窃", "电动车盗窃"]
    assert "邻里纠纷" not in advice
    assert advice.strip().endswith("· 年底外出走亲访友，请锁好门窗。")


def test_forecast_invites_clues_by_a_phrase_the_bot_takes_as_an_anonymous_clue(
        profile: Profile, classifier: EmbeddedClassifier) -> None:
    text = forecast_text(profile)

    phrase = re.search(r"回复「(.+?)」", text)
    assert "【征集线索】" in text
    assert "不需要留姓名和电话" in text
    assert phrase is not None
    assert classifier.parse(phrase.group(1)).intent.name == "report_clue"


def test_forecast_shows_what_the_police_did(profile: Profile) -> None:
    text = forecast_text(profile)

    assert "· 执法公告：依法查处东一片群租房消防隐患一处，责令限期整改。" in text
    assert "· 调解结果：调解邻里噪音纠纷2起，双方已签订调解协议。" in text
    assert "· 听证：11月25日在社区议事厅就停车收费方案举行听证会。" in text


def test_forecast_draft_carries_the_template_cap_defaults_and_a_week_of_validity(profile: Profile) -> None:
    draft = compose_forecast(profile, "baiyang", ForecastInput.from_mapping(WEEK))

    assert (draft.topic, draft.template, draft.category, draft.urgency) == (
        "security_forecast", "security_forecast", "Security", "Future")
    assert (draft.area_keys, draft.building_numbers, draft.valid_for) == (("a1",), (), timedelta(days=7))


def test_a_quiet_week_for_the_whole_community_says_so_and_advises_nothing(profile: Profile) -> None:
    text = forecast_text(profile, area_keys=[], cases=[], police_actions=[])

    assert "白杨社区全社区未接报" in text
    assert "【防范提示】" not in text
    assert "【警务公开】" not in text
    assert text.endswith(NEVER_ASKS_MONEY)


def test_announcement_names_its_buildings_and_ends_with_the_fixed_line(profile: Profile) -> None:
    data = AnnouncementInput.from_mapping({"headline": "停车场划线施工", "body": "28日8:00至18:00地面停车场施工。",
                                           "instruction": "请提前挪车。", "building_numbers": [3, 5]})
    draft = compose_announcement(profile, "baiyang", data)
    text = resident_text(Wording(profile, "baiyang"), as_notice(draft))

    assert (draft.topic, draft.building_numbers, draft.valid_for) == ("announcements", ("3", "5"), timedelta(days=7))
    assert text.startswith("【社区公告】停车场划线施工\n")
    assert "（通知范围：白杨社区3栋、5栋）" in text
    assert "请注意：请提前挪车。" in text
    assert text.endswith(NEVER_ASKS_MONEY)


def test_an_update_is_marked_and_a_cancel_names_what_it_withdraws(profile: Profile) -> None:
    wording = Wording(profile, "baiyang")
    draft = compose_announcement(profile, "baiyang", AnnouncementInput(headline="停水通知", body="明天停水。"))
    earlier = as_notice(draft)
    update = as_notice(draft, "Update")
    cancel = Notice(msg_type="Cancel", headline=draft.headline, description="施工改期，另行通知。")

    updated, cancelled = resident_text(wording, update, earlier), resident_text(wording, cancel, earlier)

    assert updated.startswith("【更新】此前发布的“【社区公告】停水通知”")
    assert updated.splitlines()[2] == "【社区公告】停水通知"
    assert cancelled.startswith("【撤销】此前发布的“【社区公告】停水通知”已撤销")
    assert "施工改期，另行通知。" in cancelled
    assert "明天停水" not in cancelled
    assert updated.endswith(NEVER_ASKS_MONEY)
    assert cancelled.endswith(NEVER_ASKS_MONEY)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"area_keys": ["a1", "east"]}, r"unknown area key\(s\) in community 'baiyang': east"),
    ({"building_numbers": ["3", "999"]}, r"unknown building number\(s\) in community 'baiyang': 999"),
    ({"cases": [{"kind": "抢劫", "count": 1, "last_count": 0}]}, r"cases\[0\].kind: '抢劫' is not a case type"),
    ({"cases": [{"kind": "电诈", "count": 1, "last_count": 0}, {"kind": "telecom_fraud", "count": 1,
                                                              "last_count": 0}]}, r"cases\[1\].kind: .* twice"),
])
def test_a_forecast_with_an_unknown_target_or_case_type_is_refused(
        profile: Profile, changes: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        compose_forecast(profile, "baiyang", ForecastInput.from_mapping({**WEEK, **changes}))


@pytest.mark.parametrize(("data", "problem"), [
    ({"area_keys": ["a1"]}, r"^period: Field required"),
    ({"period": "11月", "cases": [{"kind": "入室盗窃", "count": -1, "last_count": 0}]},
     r"^cases\[0\]\.count: Input should be greater than or equal to 0"),
    ({"period": "11月", "police_actions": [{"kind": "arrest", "text": "x"}]},
     r"^police_actions\[0\]\.kind: Input should be 'enforcement', 'mediation' or 'hearing'"),
    ({"period": "11月", "areas": ["a1"]}, r"^areas: not a field of this input"),
])
def test_a_malformed_forecast_file_names_the_field(data: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ForecastInput.from_mapping(data)


@pytest.mark.parametrize("leak", [
    "13812345678", "138-1234-5678", "+86 138 1234 5678", "１３８１２３４５６７８",
    "11010519491231002X", "110105194912310021",
    "一三八一二三四五六七八", "幺三八 幺二三四 五六七八", "420102 19800101 1234", "420102-1980-0101-123X",
    "027-86543210", "(0571)87654321", "住在501室", "我叫王小明", "微信号 zhang_san88",
])
def test_personal_data_in_an_input_is_refused(profile: Profile, leak: str) -> None:
    action = {"kind": "mediation", "text": f"调解纠纷1起，当事人电话{leak}。"}

    with pytest.raises(ValueError, match="notices carry no personal data") as refused:
        compose_forecast(profile, "baiyang", ForecastInput.from_mapping({**WEEK, "police_actions": [action]}))
    assert leak not in str(refused.value)


def test_resident_text_refuses_a_notice_holding_personal_data(profile: Profile) -> None:
    notice = Notice(msg_type="Alert", headline="通知", description="联系人身份证 11010519491231002X")

    with pytest.raises(ValueError, match="ID number"):
        resident_text(Wording(profile, "baiyang"), notice)


def test_office_landlines_hotlines_and_receipts_are_not_personal_data(profile: Profile) -> None:
    """An office's landline is in the profile; any other landline is somebody's own (refused above)."""
    ensure_no_personal_data("社区电话 0571-86010001，反诈专线96110，报警110，回执号 XS20261123-0001，3栋2单元。",
                            public_numbers_of(profile))


def test_area_label_reads_areas_and_buildings_or_the_whole_community(profile: Profile) -> None:
    assert area_label(profile, "baiyang", ["a1", "a3"], ["88"]) == "白杨社区东一片、南片、88栋"
    assert area_label(profile, "qingshui", [], []) == "青水社区全社区"
