"""Answers from the demo community's policy texts; the bot says when the texts do not answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.conversation.pipeline import Pipeline
from nlu.policy_index import PolicyLibrary
from nlu.policy_texts import cut, plain_text, read_passages
from tests.bot.transcript import Resident, play
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE

POLICIES = DEMO_PROFILE / "policies"


@pytest.fixture(scope="module")
def library() -> PolicyLibrary:
    return PolicyLibrary.from_folder(POLICIES)


def test_every_section_becomes_a_passage_with_its_title() -> None:
    passages = read_passages(POLICIES)

    assert len({p.source for p in passages}) >= 25
    dibao = [p for p in passages if p.source == "dibao.md"]
    assert all(p.title == dibao[0].title for p in dibao)
    assert dibao[0].form is not None


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
    indexed = frontdoor("faq", "index", str(POLICIES), "--out", str(index), env=env)
    asked = frontdoor("faq", "ask", "--k", "3", "--index", str(index), env=env,
                      stdin="低保标准是多少\n高龄津贴怎么领\n")

    assert indexed.returncode == 0, indexed.stderr
    lines = [json.loads(line) for line in asked.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["低保标准是多少", "高龄津贴怎么领"]
    assert lines[0]["passages"][0]["source"] == "dibao.md"
    assert len(lines[1]["passages"]) == 3
