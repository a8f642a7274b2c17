"""The rota page in a real browser, on a desk (1280 px) and a phone (390 px): the secretary opens the rota of today
and the next six days from the menu, puts another clerk on Sunday's window shift and sees it marked as changed; the
page does not scroll sideways on the phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp, Screenshot, no_sideways_scroll
from tests.browser.test_console_in_browser import sign_in
from tests.browser.test_participation_pages import WORDS

TODAY = "2026-11-23"
"""The test app's day, a Monday."""
SUNDAY = "2026-11-29"
"""The last of the seven days shown."""


def test_the_secretary_puts_another_clerk_on_sundays_window_shift(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot) -> None:
    name, page = sized
    sign_in(page, live_app, "by-sec-01")

    page.get_by_role("link", name=WORDS["nav_rota"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(WORDS["rota_heading"])
    days = page.locator("section.rota-day")
    expect(days).to_have_count(7)
    expect(days.first).to_have_attribute("data-day", TODAY)
    expect(days.last).to_have_attribute("data-day", SUNDAY)
    window = page.locator(f'section[data-day="{SUNDAY}"] tr[data-role="window"]')
    expect(window.locator(".on-duty")).to_contain_text("白秋菊")
    window.get_by_label(WORDS["rota_change"]).select_option(label="叶艳")
    window.get_by_role("button", name=WORDS["rota_save"]).click()

    window = page.locator(f'section[data-day="{SUNDAY}"] tr[data-role="window"]')
    expect(window.locator(".on-duty")).to_contain_text("叶艳")
    expect(window.locator(".on-duty")).to_contain_text(WORDS["rota_changed"])
    no_sideways_scroll(page)
    screenshot(page, f"rota-{name}")
