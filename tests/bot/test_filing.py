"""Filing a report: a category learned from the profile's examples, two problems split, nobody-acts and
stories kept whole, a guess the bot is unsure of sent to a person to re-file."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.office.categories import file_report, file_reports
from bot.office.routing import route_ticket
from nlu.categories import CategoryClassifier
from storage.models import Building, Community
from storage.profile import Profile
from storage.repositories.directory import get_building


def keys(profile: Profile, description: str) -> list[str]:
    return [filing.category.key for filing in file_reports(profile, description)]


def test_a_category_is_learned_from_examples_not_counted_from_keywords(profile: Profile) -> None:
    assert file_report(profile, "楼道里堆着别人扔的旧柜子和破床垫 好久没人收拾").category.key == "sanitation"
    assert file_report(profile, "物业天天收钱不干事 保安也不巡逻 停车场乱成一锅粥").category.key == "property"


def test_a_clause_adding_a_second_problem_of_another_kind_makes_two_filings(profile: Profile) -> None:
    filings = file_reports(profile, "9栋楼道里堆满了旧家具 楼道灯也坏了好几天")

    assert [f.category.key for f in filings] == ["sanitation", "lighting"]
    assert filings[1].words == "楼道灯也坏了好几天"


def test_nobody_acting_and_a_news_story_are_not_second_problems(profile: Profile) -> None:
    assert keys(profile, "电梯又坏了 打物业电话也没人管") == ["lift"]
    assert keys(profile, "看新闻说有电动车在电梯里着火 我们楼还天天有人推电瓶车进电梯") == ["ebike_charging"]


def test_a_loss_taken_to_the_police_is_the_story_behind_the_repair_asked_for(profile: Profile) -> None:
    assert keys(profile, "我的电动车上个月在车棚被人偷了 报了警也没找回来 车棚那个摄像头一直是坏的 能不能修好") \
        == ["facilities"]


def test_a_second_problem_is_read_from_the_clause_after_the_break_not_from_further_on(profile: Profile) -> None:
    filings = file_reports(profile, "公共厕所的门锁坏了 关不上 里面灯也不亮")

    assert filings[-1].words == "里面灯也不亮"


def test_without_examples_the_keywords_decide(profile: Profile) -> None:
    bare = replace(profile, categories={key: category.model_copy(update={"examples": []})
                                        for key, category in profile.categories.items()})

    assert file_report(bare, "楼道灯坏了").category.key == "lighting"
    assert file_report(bare, "说不上来是什么事").category.key == "general"


def test_the_classifier_reports_how_sure_it_is() -> None:
    classifier = CategoryClassifier((
        ("lift", ("电梯坏了", "电梯困人", "电梯不动了"), ("电梯",)),
        ("noise", ("半夜装修太吵", "广场舞声音太大", "楼上天天蹦迪"), ("吵",)),
    ))

    sure, unsure = classifier.classify("电梯又坏了不动了"), classifier.classify("这个事")

    assert sure.key == "lift"
    assert sure.confidence > unsure.confidence


async def test_a_report_to_re_file_goes_to_the_area_lead_not_the_building_lead(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    async with sessions() as session:
        community = await session.scalar(select(Community).where(Community.key == "baiyang"))
        assert community is not None
        building = await get_building(session, community.id, "3")
        assert isinstance(building, Building)
        category = profile.categories[profile.GENERAL_CATEGORY]

        usual = await route_ticket(session, profile, community, category, building)
        refile = await route_ticket(session, profile, community, category, building, refile=True)

    assert usual.handler_label.startswith("3栋")
    assert refile.assignee.name == "黎德明"


async def test_a_role_named_after_the_community_is_not_named_twice(
        sessions: async_sessionmaker[AsyncSession], profile: Profile) -> None:
    """The secretary's reports read 「承办：白杨社区社区书记」 to residents: the community's 社区 and the role's."""
    async with sessions() as session:
        community = await session.scalar(select(Community).where(Community.key == "baiyang"))
        assert community is not None
        secretary = await route_ticket(session, profile, community, profile.categories["resident_suggestion"], None)
        window = await route_ticket(session, profile, community, profile.categories["window_service"], None)

    assert secretary.handler_label == "白杨社区书记"
    assert window.handler_label == "白杨社区便民服务窗口"
