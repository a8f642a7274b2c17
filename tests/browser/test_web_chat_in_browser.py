"""The residents' web chat in Chromium at a phone's width: a resident reports, staff work the ticket in the
console, and the open page receives the reply and the closure with its 满意 / 不满意 buttons; 不满意 reopens
the ticket. A page closed while staff act shows what came on its return, each message once."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, ViewportSize, expect

from storage.models import TicketStatus
from tests.browser.conftest import LiveApp, Screenshot, beside_playwright
from tests.browser.test_console_in_browser import REPLY, RESULT, WORDS, sign_in, submit
from tests.web.test_web_chat import REPORT, close, status_of

PHONE: ViewportSize = {"width": 390, "height": 844}
TICKET_NUMBER = re.compile(r"GD\d{8}-\d{4}")


def report_on_the_page(page: Page, app: LiveApp) -> str:
    page.goto(f"{app.url}/chat?community=baiyang")
    page.get_by_label("要说的话").fill(REPORT)
    page.get_by_role("button", name="发送").click()
    first = page.locator(".bubble.bot").first
    expect(first).to_contain_text(TICKET_NUMBER)
    found = TICKET_NUMBER.search(first.inner_text())
    assert found is not None
    return found.group()


def test_staff_close_in_the_console_and_the_open_page_asks_and_reopens(
        live_app: LiveApp, browser: Browser, page: Page, screenshot: Screenshot) -> None:
    resident = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    number = report_on_the_page(resident, live_app)

    sign_in(page, live_app, "by-sec-01")
    page.locator(f"tr.ticket-row[data-number='{number}']").get_by_role("link", name=number).click()
    page.get_by_role("button", name=WORDS["claim"]).click()
    submit(page, "reply", REPLY)
    expect(page.locator(".history")).to_contain_text(REPLY)
    submit(page, "close", RESULT)
    expect(page.locator(".card").first).to_contain_text(WORDS["status_closed"])

    office = resident.locator(".bubble.office")
    expect(office.filter(has_text=REPLY)).to_have_count(1)
    closing = office.filter(has_text=RESULT)
    expect(closing).to_have_count(1)
    expect(closing).to_contain_text(number)
    screenshot(resident, "web-chat-closed")
    closing.get_by_role("button", name="不满意").click()
    expect(resident.locator(".bubble.bot").last).not_to_contain_text(RESULT)

    assert beside_playwright(status_of, live_app.database_url, number) == TicketStatus.REOPENED
    resident.context.close()


def test_a_page_closed_while_staff_act_shows_the_closure_once_on_return(
        live_app: LiveApp, browser: Browser, screenshot: Screenshot) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    first_visit = context.new_page()
    number = report_on_the_page(first_visit, live_app)
    first_visit.close()

    beside_playwright(close, live_app.database_url, number)

    back = context.new_page()
    back.goto(f"{live_app.url}/chat?community=baiyang")
    expect(back.locator(".bubble.me")).to_contain_text(REPORT)
    expect(back.locator(".bubble.office")).to_contain_text("已疏通")
    back.reload()
    expect(back.locator(".bubble.office")).to_have_count(1)
    expect(back.locator(".bubble.office").get_by_role("button", name="满意", exact=True)).to_be_visible()

    back.get_by_role("button", name="长辈版").click()
    expect(back.locator("body")).to_have_class(re.compile(r"\belder\b"))
    expect(back.locator("#call")).to_have_attribute("href", "tel:0571-86012345".replace("-", ""))
    size = back.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    line = back.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    button = back.locator(".bubble.office").get_by_role("button", name="满意", exact=True).bounding_box()
    assert size >= 20
    assert line / size >= 1.3
    assert button is not None
    assert button["height"] >= 48
    screenshot(back, "web-chat-elder")
    back.get_by_role("button", name="字大一点").click()
    assert back.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > size
    context.close()


def test_a_message_the_network_lost_goes_back_into_the_box(live_app: LiveApp, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_app.url}/chat?community=baiyang")
    page.route("**/api/web/messages", lambda route: route.abort())
    page.get_by_label("要说的话").fill(REPORT)
    page.get_by_role("button", name="发送").click()

    expect(page.locator("#status")).to_contain_text("消息没有发出去")
    expect(page.get_by_label("要说的话")).to_have_value(REPORT)
    page.unroute("**/api/web/messages")
    page.get_by_role("button", name="发送").click()
    expect(page.locator(".bubble.bot").first).to_contain_text(TICKET_NUMBER)
    expect(page.locator("#status")).to_be_hidden()
    context.close()
