"""Answers from the demo community's policy texts; the bot says when the texts do not answer."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.conversation.pipeline import Pipeline
from nlu import policy_embeddings
from nlu.policy_index import PolicyLibrary
from nlu.policy_store import build_library, current_library, read_library, write_library
from nlu.policy_texts import cut, plain_text, questions_and_answers, read_passages
from storage.models import Appointment, CertificateRequest, Ticket
from tests.bot.transcript import Resident, play
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, POLICY_INDEX

POLICIES = DEMO_PROFILE / "policies"


@pytest.fixture(scope="module")
def library() -> PolicyLibrary:
    return PolicyLibrary.from_folder(POLICIES)


def test_every_section_becomes_a_passage_with_its_title() -> None:
    passages = read_passages(POLICIES)

    assert len({p.source for p in passages}) >= 25
    dibao = [p for p in passages if p.source == "dibao.md"]
    assert all(p.title == dibao[0].title for p in dibao)
    assert dibao[0].forms == (("低保申请表", "forms/dibao_application.pdf"),
                              ("家庭经济状况核对授权书", "forms/dibao_authorization.pdf"))


def test_question_in_other_words_finds_its_guide(library: PolicyLibrary) -> None:
    assert library.search("低保一个月能给多少钱", 1)[0].passage.source == "dibao.md"


def test_answer_is_the_section_that_fits_the_question(library: PolicyLibrary) -> None:
    conditions = library.answer("低保申请需要什么条件")
    materials = library.answer("老年优待证要带什么材料")

    assert conditions is not None
    assert (conditions.passage.source, conditions.passage.heading) == ("dibao.md", "申请条件")
    assert materials is not None
    assert (materials.passage.source, materials.passage.heading) == ("senior_card.md", "所需材料")


def test_question_the_texts_do_not_cover_is_not_answered(library: PolicyLibrary) -> None:
    assert library.answer("小区附近哪家火锅好吃") is None
    assert library.answer("小孩打疫苗在哪里打") is None


async def test_unanswerable_question_gets_i_dont_know_and_a_person(pipeline: Pipeline) -> None:
    pipeline.policies = PolicyLibrary.from_folder(POLICIES)
    resident = Resident(pipeline, "r-faq")

    await play(resident, """
        居民: 请问办宠物狗证需要带什么材料
        助手: 没有找到答案
        助手: 转人工
    """)


async def test_answer_quotes_the_passage_and_names_its_guide_by_title(pipeline: Pipeline) -> None:
    pipeline.policies = PolicyLibrary.from_folder(POLICIES, "https://sq.example.cn")

    await play(Resident(pipeline, "r-faq2"), """
        居民: 低保申请需要啥材料
        助手: 户口簿
        助手: 摘自社区办事指南《最低生活保障（低保）申请》
        助手: !dibao.md
        助手: !**
        助手: 表格下载：低保申请表
        助手: https://sq.example.cn/forms/dibao_application.pdf
    """)


def test_markdown_is_read_as_plain_text() -> None:
    assert plain_text("**问：子女的收入算不算？**\n答：看[细则](forms/x.pdf)\n- 户口簿\n  - 复印件") \
        == "问：子女的收入算不算？\n答：看细则\n· 户口簿\n  · 复印件"
    assert plain_text("| 年龄 | 每月 |\n|---|---|\n| 80-89岁 | 100元 |") == "年龄 每月\n80-89岁 100元"


def test_a_long_answer_is_cut_between_sentences_into_passages_a_phone_can_show() -> None:
    sentence = "符合条件的居民可以到社区便民服务窗口申请，工作人员当场审核材料。"
    pieces = cut(sentence * 20, 120)

    assert len(pieces) > 1
    assert all(len(piece) <= 120 and piece.endswith("。") for piece in pieces)
    assert "".join(pieces) == sentence * 20


def test_faq_cli_indexes_and_answers_one_json_line_per_question(tmp_path: Path) -> None:
    index = tmp_path / "faq.pkl"
    env = {**os.environ, "COLUMNS": "200"}
    indexed = frontdoor("faq", "index", str(POLICIES), "--words-only", "--out", str(index), env=env)
    asked = frontdoor("faq", "ask", "--k", "3", "--index", str(index), env=env,
                      stdin="低保标准是多少\n高龄津贴怎么领\n")

    assert indexed.returncode == 0, indexed.stderr
    lines = [json.loads(line) for line in asked.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["低保标准是多少", "高龄津贴怎么领"]
    assert lines[0]["passages"][0]["source"] == "dibao.md"
    assert len(lines[1]["passages"]) == 3


def test_re_indexing_embeds_only_the_passages_that_changed(tmp_path: Path) -> None:
    folder, index = tmp_path / "policies", tmp_path / "index.pkl"
    folder.mkdir()
    for name in ("longevity_allowance.md", "senior_card.md", "legal_aid.md"):
        shutil.copy(POLICIES / name, folder / name)
    env = {**os.environ, "COLUMNS": "200"}
    first = frontdoor("faq", "index", str(folder), "--out", str(index), env=env)
    unchanged = frontdoor("faq", "index", str(folder), "--out", str(index), env=env)
    guide = folder / "legal_aid.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("## 常见问题", "## 常见问题\n\n新增：夜间也可以电话预约。"), encoding="utf-8")
    changed = frontdoor("faq", "index", str(folder), "--out", str(index), env=env)

    total = len(read_passages(folder))
    assert f"indexed {total} passages from 3 documents ({total} embedded" in first.stdout, first.stderr
    assert f"({0} embedded" in unchanged.stdout
    assert "(1 embedded" in changed.stdout


def test_an_index_built_from_other_texts_is_never_answered_from(tmp_path: Path) -> None:
    old, new, index = tmp_path / "old", tmp_path / "new", tmp_path / "index.pkl"
    for folder, name in ((old, "dibao.md"), (new, "senior_card.md")):
        folder.mkdir()
        shutil.copy(POLICIES / name, folder / name)
    write_library(build_library(old, None, dense=False), index)

    library = current_library(new, tmp_path, index, dense=False)

    assert {p.source for p in library.passages} == {"senior_card.md"}
    assert read_library(index) is not None
    assert {p.source for p in read_library(index).passages} == {"senior_card.md"}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ranked_library() -> PolicyLibrary:
    """The library the app answers from: words, the profile's terms and sentence embeddings fused."""
    return current_library(POLICIES, DEMO_PROFILE, POLICY_INDEX, "http://127.0.0.1:8000")


@pytest.mark.parametrize(("question", "guide"), [
    ("外地人住满多久才能办居住证", "居住证办理（外来人员）"),
    ("居住证明开出来能管多长时间", "居住证明开具"),
    ("我每个月有一千二的养老金 这样还能申请低保不", "最低生活保障（低保）申请"),
    ("老伴有退休金 我们家还够不够吃低保的", "最低生活保障（低保）申请"),
    ("医保一年交多少钱 在哪交", "城乡居民基本医疗保险参保缴费"),
    ("俺的社保断了好几年了 现在还能补缴吗", "城乡居民基本养老保险"),
])
async def test_a_question_is_answered_from_its_own_guide_not_a_neighbour_sharing_its_words(
        pipeline: Pipeline, ranked_library: PolicyLibrary, question: str, guide: str) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-guide"), f"""
        居民: {question}
        助手: 摘自社区办事指南《{guide}》
    """)



async def test_a_policy_question_is_embedded_off_the_event_loop(
        pipeline: Pipeline, ranked_library: PolicyLibrary, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedding a question holds the CPU for 15-100 ms: it is done in the pipeline's threads, not in the event loop
    that every other message of the process waits on."""
    pipeline.policies = ranked_library
    model, embedded_in = policy_embeddings._model(), []
    query = model.query

    def query_noting_the_thread(text: str) -> object:
        embedded_in.append(threading.current_thread())
        return query(text)

    monkeypatch.setattr(model, "query", query_noting_the_thread)
    policy_embeddings.embed_question.cache_clear()  # asked by the other database's run of this test too
    await play(Resident(pipeline, "r-off-loop"), """
        居民: 想问一下我们家两口人 低保每个月到底能拿多少钱
        助手: 摘自社区办事指南《最低生活保障（低保）申请》
    """)

    assert embedded_in
    assert threading.current_thread() not in embedded_in


async def test_a_question_that_goes_on_about_the_guide_just_quoted_is_answered_from_it(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-goes-on"), """
        居民: 我妈今年82了 能领高龄津贴吗
        助手: 摘自社区办事指南《高龄津贴（高龄老人生活补贴）》
        助手: 表格下载：高龄津贴申请表
        居民: 要带啥材料
        助手: 【高龄津贴（高龄老人生活补贴）·申请材料】
        助手: 户口簿
        助手: !表格下载
        居民: 多久能批下来
        助手: 【高龄津贴（高龄老人生活补贴）·办理时限和发放时间】
    """)


async def test_a_question_going_on_with_that_is_answered_from_the_guide_just_quoted(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「那我能申请吗」 after the 低保 guide asks about 低保, though its 退休金 alone fits the guide of a reward paid at
    retirement better than any other."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-goes-on-with-na"), """
        居民: 我想问下低保怎么申请
        助手: 【最低生活保障（低保）申请·办理流程】
        居民: 那我能申请吗 我一个月退休金两千
        助手: 【最低生活保障（低保）申请·申请条件】
        助手: !独生子女
    """)


async def test_the_same_thing_asked_for_another_case_stays_with_the_guide_unless_it_names_one_of_its_own(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「我们户口不在这里 在老家 也能领吗」 after the 高龄津贴 guide got the 独生子女 reward its words fit alone."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-also"), """
        居民: 我们家老头子今年八十了 听说有个高龄补贴 我们能领吗
        助手: 【高龄津贴（高龄老人生活补贴）
        居民: 我们户口不在这里 在老家 也能领吗
        助手: 【高龄津贴（高龄老人生活补贴）·发放对象】
        助手: !独生子女
        居民: 居住证也能办吗
        助手: 【居住证办理（外来人员）
    """)


async def test_a_question_the_guide_just_quoted_covers_as_well_as_another_stays_with_it(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「租房合同是必须的吗 房东不给签怎么办」 after the 居住证 guide got the 公租房 guide's list of materials."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-stays"), """
        居民: 你好，我是外地来的，在这边租房子住，想办个居住证，需要什么材料？
        助手: 【居住证办理（外来人员）
        居民: 租房合同是必须的吗 房东不给签怎么办
        助手: 【居住证办理（外来人员）
        助手: !公共租赁住房
        居民: 那低保呢
        助手: 【最低生活保障（低保）申请
    """)


async def test_whether_one_may_apply_where_and_a_lost_card_go_on_about_the_guide_just_quoted(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-may-i"), """
        居民: 老年证要带什么材料
        助手: 【老年优待证办理·所需材料】
        居民: 我今年68了 可以办吗
        助手: 【老年优待证办理·办理对象】
        居民: 丢了怎么办
        助手: 【老年优待证办理·费用和补办】
        居民: 去哪办
        助手: 【老年优待证办理·办理地点和时间】
        助手: 白杨路88号
    """)
    await play(Resident(pipeline, "r-what-for"), """
        居民: 居住证怎么办
        助手: 【居住证办理（外来人员）·第二步：申领居住证】
        居民: 办好了能干啥
        助手: 【居住证办理（外来人员）·持证可以享受的服务】
    """)


async def test_the_guide_stays_the_topic_through_words_not_understood(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「我今年八十一了」 (beyond the bot, to the classifier) after the 高龄津贴 guide made the bot forget it: 「那要带
    什么材料」 then got 「没有找到答案」; 「我让我闺女去办行不行」 was not understood, and 「一个月能领多少钱」 got who
    may apply instead of how much."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-aside-kept"), """
        居民: 我想问一下高龄津贴怎么领
        助手: 【高龄津贴（高龄老人生活补贴）·申请步骤】
        居民: 我今年八十一了
        居民: 那要带什么材料
        助手: 【高龄津贴（高龄老人生活补贴）·申请材料】
        居民: 好的 我让我闺女去办行不行
        助手: 【高龄津贴（高龄老人生活补贴）·申请材料】
        助手: 家属代办的
        居民: 我八十一了 一个月能领多少钱
        助手: 【高龄津贴（高龄老人生活补贴）·发放标准】
    """)


async def test_an_age_told_alone_after_a_guide_that_sets_an_age_is_answered_with_who_may_apply(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「我老伴八十三了」 after the 高龄津贴 guide asks whether he is old enough; the classifier read it as an
    emergency and the bot gave the numbers to call."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-age-told"), """
        居民: 高龄津贴怎么申请
        助手: 【高龄津贴（高龄老人生活补贴）·申请步骤】
        居民: 我老伴八十三了
        助手: 【高龄津贴（高龄老人生活补贴）·发放对象】
        居民: 那要带啥
        助手: 【高龄津贴（高龄老人生活补贴）·申请材料】
    """)
    await play(Resident(pipeline, "r-age-told-card"), """
        居民: 老年优待证怎么办
        助手: 【老年优待证办理·办理流程】
        居民: 我今年六十二
        助手: 【老年优待证办理·办理对象】
    """)


async def test_a_resident_who_cannot_follow_the_passage_quoted_is_told_the_guides_other_way(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「我不会用手机啊 孩子都不在身边」 after the steps on the phone got the menu of safety tips (the classifier's
    safety_tip, 0.8): the guide's own answer for old people who cannot is the next passage."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-no-phone"), """
        居民: 我想问一下那个养老金认证怎么弄
        助手: 【养老金领取资格认证（生存认证）·手机自助认证（刷脸）】
        居民: 我不会用手机啊 孩子都不在身边
        助手: 【养老金领取资格认证（生存认证）·不方便刷脸的老人】
        助手: 到社区便民服务窗口
    """)
    await play(Resident(pipeline, "r-no-phone-asks-a-person"), """
        居民: 养老金认证怎么弄
        助手: 【养老金领取资格认证（生存认证）·手机自助认证（刷脸）】
        居民: 我不会用手机 你让人给我打个电话吧
        助手: 已为您转人工
    """)


async def test_a_resident_who_cannot_come_after_a_guide_that_tells_no_other_way_is_offered_a_home_visit(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「我腿脚不好 去不了」 after the 高龄津贴 guide's steps at the window got 「好的，不客气」 (a goodbye to the
    classifier); 「俺腿脚不方便 下不了楼」 was asked where the problem is (a report). The office comes to the home: the
    booking offered is the home visit. Someone going in the resident's place (「他腿脚不好 我替他去行不行」, a goodbye
    too) asks what the guide answers: what a family member brings."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-cannot-come"), """
        居民: 高龄津贴怎么申请
        助手: 【高龄津贴（高龄老人生活补贴）·申请步骤】
        居民: 我腿脚不好 去不了
        助手: 可以预约“上门办理”
        助手: !不客气
        居民: [预约办事]
        助手: 上门办理在居民家中
        助手: 想约什么时间
    """)
    await play(Resident(pipeline, "r-cannot-go-down"), """
        居民: 高龄津贴怎么申请
        助手: 【高龄津贴（高龄老人生活补贴）·申请步骤】
        居民: 俺腿脚不方便 下不了楼
        助手: 可以预约“上门办理”
        助手: !几栋几单元
    """)
    await play(Resident(pipeline, "r-goes-for-him"), """
        居民: 高龄津贴怎么申请
        助手: 【高龄津贴（高龄老人生活补贴）·申请步骤】
        居民: 他腿脚不好 我替他去行不行
        助手: 家属代办的，另带代办人身份证
        助手: !可以预约“上门办理”
        助手: !不客气
    """)


async def test_a_service_the_office_books_named_in_a_question_the_answer_does_not_speak_of_is_offered(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-home-visit"), """
        居民: 我妈走不动路 能上门办高龄津贴吗
        助手: 摘自社区办事指南《高龄津贴（高龄老人生活补贴）》
        助手: 可以直接预约“上门办理”
        居民: [预约办事]
        助手: 上门办理在居民家中
        助手: 想约什么时间
    """)
    await play(Resident(pipeline, "r-lost-card"), """
        居民: 社保卡丢了怎么补办
        助手: 没有找到答案
        居民: [预约办事]
        助手: 社保医保业务在社区便民服务窗口2号台
    """)
    await play(Resident(pipeline, "r-pays-where"), """
        居民: 医保在哪交
        助手: 社保医保业务
        助手: !可以直接预约
    """)


async def test_a_question_the_guide_just_quoted_does_not_answer_is_not_answered_from_it(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-not-in-guide"), """
        居民: 中午能去办事吗
        助手: 摘自社区办事指南《社区和街道办公时间、地址及联系电话》
        居民: 要带啥材料
        助手: !摘自社区办事指南《社区和街道办公时间、地址及联系电话》
    """)


async def test_a_question_after_another_need_does_not_go_on_about_the_guide_quoted_before(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-moved-on"), """
        居民: 我妈今年82了 能领高龄津贴吗
        助手: 摘自社区办事指南《高龄津贴（高龄老人生活补贴）》
        居民: 3栋2单元楼道灯坏了
        助手: 楼道照明
        居民: 要带啥材料
        助手: !高龄津贴
    """)


@pytest.mark.parametrize(("request_", "question"), [
    ("我想给我孙子开个居住证明 他上学要用", "开这个证明要带什么"),
    ("我想给我孙子开个居住证明 他上学要用", "要带啥材料"),
    ("我想给我孙子开个居住证明", "要带啥材料"),
])
async def test_a_question_about_the_certificate_being_requested_is_answered_from_its_guide(
        pipeline: Pipeline, ranked_library: PolicyLibrary, request_: str, question: str) -> None:
    """「要带啥材料」 names no certificate, and no guide answers it alone; where the ID number is asked it is not
    what the certificate is for either (still to be asked, or not), but a question about the one requested."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-cert-question"), f"""
        居民: {request_}
        助手: 身份证号
        居民: {question}
        助手: 【居住证明开具·所需材料】
        助手: 还没办完，要继续吗
        居民: 继续
        助手: 身份证号
    """)


@pytest.mark.parametrize("question", ["要照片吗", "多大的照片", "照片要几张"])
def test_a_question_going_on_about_a_guide_quotes_the_passage_the_question_itself_fits(
        ranked_library: PolicyLibrary, question: str) -> None:
    """The guide's title chooses the guide; with the question it also chose the passage, and the 办理 of 老年优待证办理
    fitted every 办理… heading: 「要照片吗」 got 办理时限, not the 所需材料 that asks for a photo."""
    hit = ranked_library.answer_about("老年优待证办理", question)

    assert hit is not None
    assert (hit.passage.title, hit.passage.heading) == ("老年优待证办理", "所需材料")


async def test_a_certificate_described_not_named_in_a_question_is_answered_from_its_guide(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「那个坐公交车不要钱的卡」 is the 老年优待证 (the certificate catalogue's own description of it); no guide
    answered the whole question, which named nothing, so it was not answered at all."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-described"), """
        居民: 我们家老人今年七十岁了想办那个坐公交车不要钱的卡要怎么弄
        助手: 摘自社区办事指南《老年优待证办理》
        居民: 要照片吗
        助手: 【老年优待证办理·所需材料】
    """)


async def test_a_question_not_understood_in_the_certificate_form_is_answered_from_its_guide(
        pipeline: Pipeline, ranked_library: PolicyLibrary) -> None:
    """「对了 开好了我去哪拿」 where the phone is asked: the classifier unsure of it, no guide answering it alone, but
    the guide of the certificate being requested says where (it was asked for the phone again, then a person);
    「我没有手机怎么办」 there is about the phone asked, not a question for the guide."""
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-cert-where"), """
        居民: 帮我开个居住证明 给我自己开 身份证110101199003074514 孩子上学用
        助手: 联系电话
        居民: 对了 开好了我去哪拿
        助手: 【居住证明开具·办理地点和时间】
        助手: 白杨路88号
        助手: 还没办完，要继续吗
        居民: [继续办理]
        助手: 联系电话
        居民: 我没有手机怎么办
        助手: !摘自社区办事指南
    """)


@pytest.mark.parametrize("question", [
    "低保怎么申请", "高龄津贴怎么领", "临时救助如何申请", "居住证明怎么开", "怎么办低保",
])
def test_a_question_about_how_to_apply_is_answered_with_the_steps(ranked_library: PolicyLibrary, question: str) -> None:
    """Not the time limits or the conditions, which share the question's words as much."""
    hit = ranked_library.answer(question)

    assert hit is not None
    assert "流程" in hit.passage.heading or "步骤" in hit.passage.heading


@pytest.mark.parametrize("question", ["低保申请要带什么材料", "办老年优待证要带啥", "低保需要准备哪些东西"])
def test_a_question_about_what_to_bring_is_answered_with_the_list_of_materials(
        ranked_library: PolicyLibrary, question: str) -> None:
    hit = ranked_library.answer(question)

    assert hit is not None
    assert "材料" in hit.passage.heading


@pytest.mark.parametrize("question", ["低保的表格在哪下载", "高龄津贴申请表在哪下", "临时救助的表去哪拿"])
def test_a_question_about_the_forms_is_answered_with_the_materials_that_name_them(
        ranked_library: PolicyLibrary, question: str) -> None:
    """The links come with any answer from the guide; the passage quoted with them is the one naming the forms,
    not a question-and-answer about something else that shares the guide's words."""
    hit = ranked_library.answer(question)

    assert hit is not None
    assert "材料" in hit.passage.heading
    assert hit.passage.forms


@pytest.mark.parametrize(("question", "asked", "answered"), [
    ("中午能去办事吗", "中午12点到1点半能去办事吗？", "中午窗口午休"),
    ("社区电话多少", "社区（居委会）的电话是多少？怎么联系社区？", "白杨社区电话0571-86012345"),
    ("居委会电话多少", "社区（居委会）的电话是多少？怎么联系社区？", "白杨社区电话0571-86012345"),
])
def test_an_answer_from_a_list_of_questions_and_answers_is_that_one_answer(
        ranked_library: PolicyLibrary, question: str, asked: str, answered: str) -> None:
    hit = ranked_library.answer(question)

    assert hit is not None
    assert hit.passage.heading == asked
    assert hit.passage.text.startswith(answered)
    assert "问：" not in hit.passage.text


def test_questions_and_answers_are_read_from_a_list_cut_anywhere_and_from_nothing_else() -> None:
    cut_list = "答：上一问的答案。\n问：几点上班？\n答：八点半。\n问：周六呢？\n答：上午有人。\n问：中午呢？"

    assert questions_and_answers(cut_list) == [("几点上班？", "八点半。"), ("周六呢？", "上午有人。")]
    assert questions_and_answers("· 本人身份证原件；\n问：这一行是引用的问题") == []


@pytest.mark.parametrize(("question", "heading"), [
    ("低保申请需要什么条件", "申请条件"),
    ("老年优待证要带什么材料", "所需材料"),
    ("低保批下来要多久", "办理时限"),
    ("高龄津贴多大岁数能领", "发放对象"),
    ("低保一个月能给多少钱", "保障标准"),
    ("残疾人补贴一个月多少钱", "补贴标准"),
    # Not the guide's 常见问题, many answers in one passage, which shares some words with nearly any question:
    ("残疾证怎么办理", "办理流程"),
    ("医保怎么交", "缴费方式"),
    ("社区几点上班", "社区办公时间"),
    ("办老年证要什么", "所需材料"),
    ("养老认证咋弄", "手机自助认证（刷脸）"),
    # Where to go: the section with the address, not the time limits or the steps that share the question's words:
    ("老年证去哪办", "办理地点和时间"),
    ("临时救助找谁", "办理地点和时间"),
    ("居住证去哪里办", "办理地点和时间"),
    ("法律援助找哪个部门", "办理地点和时间"),
    ("无犯罪记录证明在哪开", "办理途径"),
    # … unless the guide's 常见问题 has that very question, whose answer names the place:
    ("低保证明去哪开", "已经吃低保了，要开低保证明去哪里？"),
    # … and not the 常见问题 entry that asks where to go for something else:
    ("低保去哪申请", "办理地点和时间"),
    # … and where to download a form is a question about the forms:
    ("低保的表格在哪下载", "所需材料"),
    # Who may apply; a lost card:
    ("我能吃低保吗", "申请条件"),
    ("残疾证丢了怎么办", "有效期、换证和迁移"),
    ("老年证丢了怎么补", "费用和补办"),
    # The section whose heading says it before one whose text merely holds it (「送餐费每次3元」 under 送餐上门):
    ("老年食堂多少钱一顿", "价格和补贴"),
    # 「X证怎么办」 asks how to get one; the steps may be headed 第一步、第二步:
    ("居住证怎么办", "第二步：申领居住证"),
    ("残疾证有什么用", "办了残疾证有什么用？"),
])
def test_the_quoted_passage_is_the_part_of_the_guide_that_answers(
        ranked_library: PolicyLibrary, question: str, heading: str) -> None:
    hit = ranked_library.answer(question)

    assert hit is not None
    assert hit.passage.heading == heading


def test_a_guide_far_ahead_of_the_next_answers_a_question_in_dialect_words(ranked_library: PolicyLibrary) -> None:
    hit = ranked_library.answer("阿拉爷叔今年六十五了 想办张老年优待证 要带啥物事去 户口本要伐")

    assert hit is not None
    assert hit.passage.title == "老年优待证办理"


# A question asked in the middle of a form, and the form taken up again.

async def test_a_question_about_a_relative_inside_a_form_is_answered_and_the_form_kept(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-asks-mid-form"), """
        居民: 开个居住证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 慢着 我先问一句 我爸今年八十一了 高龄补贴每个月有多少钱？
        助手: 高龄
        助手: 还没办完
        居民: 好的那继续吧
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 单位要
        助手: 联系电话
        居民: 13912345678
        助手: 本人
        助手: !家人
        居民: [确认]
        助手: 已受理
    """)

    async with sessions() as session:
        [request] = (await session.scalars(select(CertificateRequest))).all()
    assert request.for_whom == "本人"


async def test_going_on_with_the_time_in_the_same_words_books_it(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-go-on-with-time"), """
        居民: 想约个社保医保的窗口
        助手: 什么时间
        居民: 对了先问下 医保一年要交多少钱
        助手: 缴费
        助手: 还没办完
        居民: 继续 约下周二上午九点
        助手: 请核对
        助手: 09:00
        居民: [确认]
        助手: 预约成功
    """)

    async with sessions() as session:
        [booking] = (await session.scalars(select(Appointment))).all()
    assert booking.service_key == "social_insurance"


# A story told only to explain a question.

async def test_a_quarrel_told_before_just_asking_about_mediation_is_answered_not_filed(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-just-asks"), """
        居民: 楼上楼下漏水的事我们两家吵了好几回了，我就想先了解一下，社区的人民调解是怎么个流程？
        助手: 人民调解
        助手: !已登记
    """)

    async with sessions() as session:
        assert (await session.scalars(select(Ticket))).all() == []


async def test_a_question_where_the_form_waits_for_words_is_answered_not_taken_as_them(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-asks-for-purpose"), """
        居民: 开个居住证明
        助手: 给谁开
        居民: [本人]
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 哦对了 你们周六上午有人上班吗
        助手: 办公时间
        助手: 还没办完
        居民: 好的那继续吧
        助手: 做什么用
    """)


async def test_a_question_in_a_dialect_is_answered_from_its_guide(pipeline: Pipeline,
                                                                  ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-wu"), """
        居民: 阿拉姆妈八十岁了 一个人烧不动饭 社区里有老人吃饭的地方伐 哪能报名
        助手: 摘自社区办事指南《老年人助餐服务》
    """)


async def test_progress_asked_of_a_matter_not_on_record_gets_the_guide(pipeline: Pipeline,
                                                                        ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library

    await play(Resident(pipeline, "r-progress-offline"), """
        居民: 我妈的高龄津贴现在怎么样了 什么时候能发下来
        助手: 摘自社区办事指南《高龄津贴（高龄老人生活补贴）》
        助手: 发放时间
    """)


async def test_a_question_put_in_while_the_bot_asks_where_is_answered(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-aside-where"), """
        居民: 楼道灯又坏了 晚上黑乎乎的
        助手: 几栋几单元
        居民: 等会儿 我先问个事 电瓶车可以放楼道里充电吗
        助手: 摘自社区办事指南《
        助手: 还没办完
        居民: 好的那继续吧
        助手: !已登记
        居民: 二十三栋
        助手: 已登记
    """)

    async with sessions() as session:
        [ticket] = (await session.scalars(select(Ticket).options(selectinload(Ticket.building)))).all()
    assert (ticket.category_key, ticket.building.number if ticket.building else None) == ("lighting", "23")


async def test_a_safety_question_where_the_form_waits_for_words_gets_the_tip(pipeline: Pipeline,
                                                                            ranked_library: PolicyLibrary) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-aside-safety"), """
        居民: 给我自己开个困难证明
        助手: 身份证号
        居民: 110105196003157725
        助手: 做什么用
        居民: 对了 总有人打电话冒充公安局让我把钱转到安全账户 这种到底该怎么防
        助手: 安全提醒
        助手: 还没办完
    """)


async def test_questions_that_sound_like_a_hello_or_a_request_are_answered_from_their_guide(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-noon"), """
        居民: 社区中午歇不歇 我一点钟过去能办事不
        助手: 《社区和街道办公时间、地址及联系电话》
    """)
    await play(Resident(pipeline, "r-permit-or-proof"), """
        居民: 居住证跟居住证明是不是一回事啊
        助手: 摘自社区办事指南《居住证
        助手: !给谁开
    """)
    await play(Resident(pipeline, "r-deadline"), """
        居民: 城乡居民医保今年交到啥时候截止 在手机上能交不
        助手: 《城乡居民基本医疗保险参保缴费》
    """)

    async with sessions() as session:
        assert (await session.scalars(select(Ticket))).all() == []


async def test_a_question_about_documents_inside_a_certificate_form_is_answered_and_go_on_takes_it_up(
        pipeline: Pipeline, ranked_library: PolicyLibrary, sessions: async_sessionmaker[AsyncSession]) -> None:
    pipeline.policies = ranked_library
    await play(Resident(pipeline, "r-form-question"), """
        居民: 给我闺女开个居住证明 她单位要
        助手: 身份证号
        居民: 居住证跟居住证明到底是不是一回事
        助手: 摘自社区办事指南《居住证
        助手: 还没办完
        居民: 继续
        助手: 身份证号
        居民: 330106201505031218
        助手: 联系电话
    """)

    async with sessions() as session:
        assert (await session.scalars(select(Ticket))).all() == []
