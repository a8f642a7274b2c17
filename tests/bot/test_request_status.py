"""request_status: the resident's own open matters, or the one whose number they give."""

from __future__ import annotations

from bot.conversation.pipeline import Pipeline
from tests.bot.transcript import Resident, play


async def test_status_lists_open_tickets_with_assignee_and_due(pipeline: Pipeline) -> None:
    resident = Resident(pipeline, "r-status")
    await play(resident, """
        居民: 我反映的问题处理得怎么样了
        助手: 没有正在办理的事项
        居民: 3栋2单元楼道里的下水道堵了，臭了好几天
        助手: 编号
        居民: 我反映的问题处理得怎么样了
        助手: 1件正在办理
        助手: 下水道堵塞：待处理
        助手: 11月25日 17:30前办结
    """)


async def test_a_number_shows_that_ticket_but_never_another_residents(pipeline: Pipeline) -> None:
    owner, other = Resident(pipeline, "r-owner"), Resident(pipeline, "r-other")
    [created] = await owner.say("5栋电梯坏了 把人关里面了")
    number = next(word for word in created.text.replace("，", " ").replace("。", " ").split() if word.startswith("GD"))

    await play(owner, f"""
        居民: {number}到哪一步了
        助手: {number} 电梯故障：待处理
    """)
    await play(other, f"""
        居民: {number}到哪一步了
        助手: 没有找到编号 {number}
    """)


async def test_thanks_then_a_question_when_it_will_be_done_gets_the_answer_not_a_goodbye(pipeline: Pipeline) -> None:
    await play(Resident(pipeline, "r-thanks-when"), """
        居民: 我们楼下那个垃圾桶好几天没人收了 臭死了 3栋
        助手: 编号
        居民: 谢谢啊 什么时候能弄好
        助手: 1件正在办理
        助手: 11月25日 17:30前办结
        助手: !有事随时找我们
        居民: 谢谢你们
        助手: 有事随时找我们
    """)


async def test_whether_anyone_will_deal_with_it_right_after_filing_shows_how_it_goes_not_a_second_report(
        pipeline: Pipeline) -> None:
    """「你们管不管啊」 (a report to the classifier, 0.70) opened a second report's form:
    「请简单说一下遇到了什么问题」."""
    await play(Resident(pipeline, "r-chases-up"), """
        居民: 物业天天不打扫卫生 楼道里全是垃圾 18栋
        助手: 编号 GD
        居民: 你们管不管啊
        助手: 正在办理
        助手: !遇到了什么问题
    """)
