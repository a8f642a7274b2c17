"""The demo page in a real browser at a phone's width: in its chat (the residents' page in a frame), a guide's
answer and its form link."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import LiveApp

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_guide_answer_on_a_phone_keeps_its_form_link_inside_the_bubble_and_clickable(
        live_app: LiveApp, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_app.url}/")
    page.select_option("#community", "baiyang")
    chat = page.frame_locator("#chat")
    expect(chat.locator("#community-name")).to_contain_text("白杨社区")  # the frame has reloaded for the community
    chat.locator("#text").fill("低保批下来要多久")
    chat.get_by_role("button", name="发送").click()

    link = chat.locator("#messages a").first
    expect(link).to_have_attribute("href", re.compile(r"/forms/dibao_application\.pdf$"))
    expect(chat.locator("#messages")).to_contain_text("摘自社区办事指南《最低生活保障（低保）申请》")
    box = link.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"]
    served = page.request.get(re.sub(r"^https?://[^/]+", live_app.url, link.get_attribute("href") or ""))
    assert served.status == 200
    assert served.headers["content-type"] == "application/pdf"
    context.close()
