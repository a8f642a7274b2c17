"""The safety net turns danger cues into an emergency, whatever the classifier leaned towards."""

from __future__ import annotations

from nlu.rasa_data import TrainingData
from nlu.result import IntentScore, ParseResult
from nlu.safety import SafetyNet

CUES = {"emergency_cue": ["着火|起火", "煤气味"], "phone": ["1\\d{10}"]}
NET = SafetyNet.from_training_data(TrainingData(regexes=CUES))


def leaning(text: str, intent: str) -> ParseResult:
    ranking = (IntentScore(intent, 0.9), IntentScore("emergency", 0.05))
    return ParseResult(text, ranking[0], ranking)


def test_cue_overrides_a_confident_other_intent() -> None:
    result = NET.apply(leaning("8栋三楼着火了", "appeal_report"))

    assert result.intent == IntentScore("emergency", 0.05)


def test_no_cue_leaves_the_result_alone() -> None:
    original = leaning("楼道灯坏了", "appeal_report")

    assert NET.apply(original) is original


def test_only_cue_regexes_become_rules() -> None:
    assert [intent for intent, _ in NET.cues] == ["emergency"]


HOW_NET = SafetyNet.from_training_data(TrainingData(regexes={**CUES, "hypothetical": ["万一|怎么(防|办)"]}))


def test_asking_how_to_stay_safe_keeps_the_classifiers_reading() -> None:
    original = leaning("万一家里起火了应该先干啥", "safety_tip")

    assert HOW_NET.apply(original) is original


def test_hypothetical_wording_does_not_excuse_a_misread_danger() -> None:
    result = HOW_NET.apply(leaning("着火了万一烧到楼上怎么办", "appeal_report"))

    assert result.intent.name == "emergency"


def test_a_cued_message_read_as_no_question_is_still_an_emergency() -> None:
    assert HOW_NET.apply(leaning("厨房着火了", "safety_tip")).intent.name == "emergency"


GUARDED = SafetyNet.from_training_data(TrainingData(regexes={
    **CUES, "not_now": ["上个月|每天"], "hedge": ["怕|担心"]}))


def test_a_hazard_feared_in_a_complaint_is_no_emergency() -> None:
    complaint = leaning("楼道里天天有人给电动车充电 怕着火", "appeal_report")

    assert GUARDED.apply(complaint) is complaint


def test_a_feared_hazard_beside_one_that_is_happening_is_still_an_emergency() -> None:
    assert GUARDED.apply(leaning("一直怕着火 现在三楼真的起火了", "appeal_report")).intent.name == "emergency"


def test_the_past_told_in_a_complaint_is_no_emergency_but_the_classifier_must_agree() -> None:
    said = "上个月楼下着火把我家熏黑了 到现在没人管"

    assert GUARDED.apply(leaning(said, "appeal_report")).intent.name == "appeal_report"
    assert GUARDED.apply(leaning(said, "emergency")).intent.name == "emergency"


def test_a_hedge_counts_only_when_the_classifier_reads_no_emergency() -> None:
    assert GUARDED.cued(leaning("我好怕 着火了", "emergency")) == "emergency"


def test_a_cue_said_not_to_be_happening_or_only_supposed_never_counts() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={**CUES, "negated": ["(没有?|不是)\\s*$|万一|如果"]}))

    assert net.cued(leaning("我就是问问 没着火", "emergency")) is None
    assert net.cued(leaning("万一着火了咋办", "emergency")) is None
    assert net.cued(leaning("没着火 但是厨房起火了", "emergency")) == "emergency"


def test_a_danger_over_and_dealt_with_needs_no_agreement_and_one_still_going_on_stays() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={
        **CUES, "resolved": ["^(?!.*(还(在|有)|又)).*(已经(修|弄)好了|没味了)"]}))

    assert net.cued(leaning("早上有股煤气味 燃气公司已经修好了 现在没味了", "emergency")) is None
    assert net.cued(leaning("燃气公司说修好了 可现在又有煤气味了", "emergency")) == "emergency"


def test_help_cried_as_an_exclamation_over_a_complaint_is_no_emergency_but_over_danger_is() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={
        "emergency_cue": ["救命|着火"], "exclamation": ["救命(啊)*(?=\\s*($|[^\\w\\s]|这))"]}))

    assert net.cued(leaning("救命😭 车库的灯坏了一大片", "appeal_report")) is None
    assert net.cued(leaning("救命😭 车库的灯坏了一大片", "emergency")) == "emergency"
    assert net.cued(leaning("救命啊 着火了", "appeal_report")) == "emergency"


def test_a_fear_earlier_in_the_clause_hedges_the_cue_but_not_one_in_the_clause_before() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={"emergency_cue": ["掉河|起火"], "hedge": ["怕"]}))

    assert net.cued(leaning("路灯不亮 就怕哪个老人一脚踩空掉河里", "appeal_report")) is None
    assert net.cued(leaning("一直怕这事 现在三楼真的起火了", "appeal_report")) == "emergency"


def test_the_classifiers_own_reading_decides_even_when_the_policy_let_emergency_win() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={**CUES, "hypothetical": ["问一下"]}))
    ranking = (IntentScore("safety_tip", 0.55), IntentScore("emergency", 0.42))
    policy_pick = ParseResult("想问一下 家里着火了先干啥", ranking[1], ranking)

    assert net.cued(policy_pick) is None


def test_a_cue_supposed_earlier_in_its_clause_never_counts() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={
        "emergency_cue": ["(转|汇)了.{0,6}钱"], "supposed": ["要是|万一"]}))

    assert net.cued(leaning("要是被骗子骗了转了钱 多久报警能追回", "emergency")) is None
    assert net.cued(leaning("要是早知道就好了 我刚转了钱给他", "emergency")) == "emergency"


def test_a_consequence_supposed_with_jiu_right_after_the_cue_never_counts() -> None:
    net = SafetyNet.from_training_data(TrainingData(regexes={
        "emergency_cue": ["掉河|起火"], "supposed_after": ["^\\S{0,4}?就(会|要)?(出(大)?事|完了)"]}))

    assert net.cued(leaning("护栏断了 孩子掉河里就出大事了 赶紧修", "emergency")) is None
    assert net.cued(leaning("孩子掉河里了 快来人 要出大事了", "emergency")) == "emergency"
