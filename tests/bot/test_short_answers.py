"""No short answer raises the emergency net. A few thousand answers of one to six characters of the kinds
residents give to a form's questions (relatives, places, building numbers, yes and no, the bot's own button
labels, phones) are read as the pipeline reads them and judged in every kind of form state; a sample also
goes through the real pipeline in each state of each form."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.pipeline import Pipeline, is_emergency
from bot.core.messages import InboundMessage
from nlu.embedded import EmbeddedClassifier
from nlu.result import ConfidencePolicy
from storage.db import create_engine, create_sessionmaker
from storage.models import Ticket
from storage.profile import Profile
from storage.profile.sync import sync_profile
from tests.conftest import MONDAY_10AM, SAFETY_NET

IN_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
SAMPLE_EVERY = 200
"""Every so many answers of the list go through the real pipeline in each form state (all are judged above)."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sessions(sqlite_template_module: str, profile: Profile) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_template_module)
    maker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    async with maker() as session, session.begin():
        await sync_profile(session, profile)
    yield maker
    await engine.dispose()


@pytest.fixture(scope="module")
def pipeline(sessions: async_sessionmaker[AsyncSession], profile: Profile, classifier: EmbeddedClassifier) -> Pipeline:
    return Pipeline(sessions, profile, classifier, ConfidencePolicy(), SAFETY_NET, clock=lambda: MONDAY_10AM)

MAX_CHARS = 6


def words(*lines: str) -> list[str]:
    return [word for line in lines for word in line.split()]


RELATIVES = words(
    "爸 妈 爸爸 妈妈 老爸 老妈 父亲 母亲 爹 娘 老伴 爱人 老婆 老公 媳妇 丈夫 妻子 儿子 女儿 闺女 孩子 娃",
    "孙子 孙女 外孙",
    "外孙女 爷爷 奶奶 外公 外婆 姥姥 姥爷 公公 婆婆 岳父 岳母 哥哥 姐姐 弟弟 妹妹 叔叔 阿姨 舅舅 姑姑 侄子 女婿 儿媳",
    "邻居 朋友 同事 房东 租客 老乡 我自己 自己 本人 我本人 俺自己 别人 家里人",
)
RELATIVE_FORMS = ("{}", "帮我{}开", "给我{}", "我{}的", "给{}开", "是{}", "{}的", "替{}办", "{}要用")
PLACE_FORMS = ("{}", "就在{}", "{}那边", "在{}", "{}旁边", "{}门口", "{}里面")
PLACE_WORDS = words(
    "东门 西门 南门 北门 大门 后门 车库 地库 广场 花园 凉亭 路口 马路边 河边 桥下 楼道 楼下 楼顶 天台 电梯口",
    "垃圾站 车棚 菜市场",
)
YES_NO = words(
    "好 好的 好吧 行 行吧 可以 对 对的 是的 是 嗯 嗯嗯 哦 噢 OK ok 确认 确定 没问题 同意 要 要的 需要 不用 不用了",
    "不要 算了 取消 不对 不是 错了 没有 没了 不知道 不清楚 记不得 忘了 随便 都行 谢谢 谢谢你 多谢 辛苦了 在吗",
    "你好 您好 喂 啊 啥 什么 怎么了 为什么 然后呢 继续 接着办 好的继续 等一下 稍等 马上 现在 今天 明天 后天 上午",
    "下午 晚上 周一 下周三 没有楼号 莫得楼号 不晓得 晓得了 要得 中 得嘞 好嘞 妥了 对头 么得 冇 唔该",
)
NUMBERS = [str(n) for n in range(121)] + words(
    "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 二十 二十一 三十 五十 八十 九十九 一百 一百零三 幺零三 两")
NUMBER_FORMS = ("{}", "{}栋", "{}号楼", "{}幢", "{}单元", "{}号", "{}楼", "第{}个")
PHONES_AND_MORE = ("13912345678", "0571-86231460", "110", "119", "120", "12345", "96110", "GD20261123-0001")


def labels(profile: Profile) -> Iterator[str]:
    """Every button label the bot shows: replies named choice_*, intent labels, options, catalogue names;
    not the emergency's own label (紧急求助), which asks for the emergency reply."""
    for key, template in profile.replies[""].items():
        if key.startswith(("choice_", "intent_")) and key != "intent_emergency" and "{" not in template:
            yield template
    for flow in profile.flows.values():
        for slot in flow.slots:
            yield from slot.options
    yield from (c.name for c in profile.certificates.values())
    yield from (s.name for s in profile.services.values())
    yield from (c.name for c in profile.communities.values())
    for places in profile.places.values():
        for place in places.values():
            yield from place.words


def short_answers(profile: Profile) -> list[str]:
    found = [form.format(word) for word in RELATIVES for form in RELATIVE_FORMS]
    found += [form.format(word) for word in [*PLACE_WORDS, *labels(profile)] for form in PLACE_FORMS]
    found += [form.format(number) for number in NUMBERS for form in NUMBER_FORMS]
    found += [*YES_NO, *PHONES_AND_MORE, *labels(profile)]
    return sorted({a for a in found if 0 < sum(ch.isalnum() for ch in a) <= MAX_CHARS})


def test_the_list_holds_a_few_thousand_short_answers(profile: Profile) -> None:
    assert len(short_answers(profile)) >= 2000


@IN_MODULE_LOOP
async def test_no_short_answer_is_an_emergency_in_any_kind_of_state(pipeline: Pipeline, profile: Profile) -> None:
    states = list(itertools.product((False, True), (False, True)))  # (in a flow, answers a closed question)
    raised = [(answer, in_flow, closed) for answer in short_answers(profile)
              for said, cued in [pipeline.read(answer)]
              for in_flow, closed in states
              if is_emergency(said, cued, in_flow=in_flow, closed_answer=closed)]

    assert raised == []


FORM_OPENINGS = {
    "certificate: which": ["我要开证明"],
    "certificate: for whom": ["帮我开个居住证明"],
    "certificate: id number": ["帮我开个居住证明", "本人"],
    "certificate: purpose": ["帮我开个居住证明", "本人", "110101199003074514"],
    "appointment: which service": ["我想预约"],
    "appointment: when": ["约法律咨询"],
    "report: what": ["我要反映问题"],
    "report: where": ["楼道灯坏了"],
    "clue: what": ["我要举报"],
    "hand-off: relaying": ["转人工"],
}


@IN_MODULE_LOOP
@pytest.mark.parametrize("state", FORM_OPENINGS)
async def test_a_sample_of_short_answers_in_each_form_state_raises_no_alarm(
        pipeline: Pipeline, profile: Profile, sessions: async_sessionmaker[AsyncSession], state: str) -> None:
    answers = short_answers(profile)[::SAMPLE_EVERY]
    wanted = profile.reply_template("baiyang", "emergency_now")
    for number, answer in enumerate(answers):
        sender = f"short-{state}-{number}"
        for step, opening in enumerate(FORM_OPENINGS[state]):
            await pipeline.handle(InboundMessage("web", sender, f"{sender}-{step}", opening, MONDAY_10AM, "baiyang"))
        replies = await pipeline.handle(InboundMessage("web", sender, f"{sender}-a", answer, MONDAY_10AM, "baiyang"))
        assert wanted not in [r.text for r in replies], answer

    async with sessions() as session:
        emergencies = select(Ticket).where(Ticket.category_key == "emergency")
        assert (await session.scalars(emergencies)).all() == []
