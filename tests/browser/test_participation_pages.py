"""公示 and 议事 pages in a real browser, on a desk (1280 px) and a phone (390 px): a secretary writes a 公示,
sees it listed, publishes it and sees its window's end; writes a proposal with three options, opens the vote
and sees no count per option while voting (only how many households voted). Neither page scrolls sideways on the
phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from bot.console.labels import console_labels
from tests.browser.conftest import LiveApp, Screenshot, no_sideways_scroll
from tests.browser.test_console_in_browser import sign_in
from tests.conftest import DEMO_PROFILE

WORDS = console_labels(DEMO_PROFILE)
TITLE = "2026年第四季度低保审核结果公示"
BODY = "经入户调查、民主评议，下列家庭符合最低生活保障条件，现予公示：张建国、李秀英、王小明。"
WINDOW_ENDS = "2026-11-29"
"""The last day of a 7-day window opened on the test week's Monday, 23 November."""
PROPOSAL = "3栋旁空地装电动车充电桩"
OPTIONS = ("同意", "不同意", "弃权")


def test_a_secretary_writes_lists_and_publishes_a_publicity(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot) -> None:
    name, page = sized
    sign_in(page, live_app, "by-sec-01")

    page.get_by_role("link", name=WORDS["nav_publicity"], exact=True).click()
    page.get_by_role("link", name=WORDS["publicity_new"]).click()
    page.get_by_label(WORDS["publicity_subject"]).select_option(label="低保")
    page.get_by_label(WORDS["publicity_title"], exact=True).fill(TITLE)
    page.get_by_label(WORDS["publicity_body"], exact=True).fill(BODY)
    expect(page.get_by_label(WORDS["publicity_window_days"])).to_have_value("7")
    no_sideways_scroll(page)
    screenshot(page, f"publicity-new-{name}")
    page.get_by_role("button", name=WORDS["publicity_create"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".names-warning")).to_contain_text("张建国")
    no_sideways_scroll(page)
    screenshot(page, f"publicity-draft-{name}")
    page.get_by_role("button", name=WORDS["publicity_publish"]).click()
    expect(page.locator(".window")).to_contain_text(WINDOW_ENDS)

    page.get_by_role("link", name=WORDS["back_to_publicity"]).click()
    row = page.locator("tr.publicity-row", has_text=TITLE)
    expect(row).to_contain_text(WORDS["publicity_stage_open"])
    expect(row.locator(".window-end")).to_contain_text(WINDOW_ENDS)
    expect(row.locator(".objections")).to_contain_text("0")
    no_sideways_scroll(page)
    screenshot(page, f"publicity-list-{name}")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("button", name=WORDS["publicity_close"])).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"publicity-open-{name}")


def test_a_secretary_writes_a_proposal_with_three_options_and_opens_the_vote(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot) -> None:
    name, page = sized
    sign_in(page, live_app, "by-sec-01")

    page.get_by_role("link", name=WORDS["nav_proposals"], exact=True).click()
    page.get_by_role("link", name=WORDS["proposal_new"]).click()
    page.get_by_label(WORDS["proposal_title"], exact=True).fill(PROPOSAL)
    page.get_by_label(WORDS["proposal_body"], exact=True).fill("电动车不用再拉电线上楼充电，请3栋各户投票。")
    page.get_by_label(WORDS["proposal_options"], exact=True).fill("\n".join(OPTIONS))
    page.get_by_label(WORDS["notice_buildings"]).fill("3")
    no_sideways_scroll(page)
    screenshot(page, f"proposal-new-{name}")
    page.get_by_role("button", name=WORDS["proposal_create"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(PROPOSAL)
    expect(page.locator("ul.options li")).to_have_text(list(OPTIONS))
    page.get_by_role("button", name=WORDS["proposal_open"]).click()
    expect(page.get_by_text(WORDS["proposal_stage_open"], exact=True)).to_be_visible()
    expect(page.get_by_text(WORDS["proposal_counts_after_close"])).to_be_visible()
    expect(page.locator(".option-row .count")).to_have_count(0)
    expect(page.locator("[data-field=voted]")).to_contain_text("0 /")
    no_sideways_scroll(page)
    screenshot(page, f"proposal-open-{name}")

    page.get_by_role("link", name=WORDS["back_to_proposals"]).click()
    expect(page.locator("tr.proposal-row", has_text=PROPOSAL)).to_contain_text(WORDS["proposal_stage_open"])
    no_sideways_scroll(page)
    screenshot(page, f"proposals-{name}")
