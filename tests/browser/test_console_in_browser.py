"""The staff console in a real browser: a secretary works a Telegram resident's ticket to the end and
the resident's chat receives it; an area lead is refused another area's ticket; a secretary sends an
announcement and watches its delivery report fill as the subscribers' chats receive it."""

from __future__ import annotations

import asyncio
import itertools
import re
import time

import httpx
from playwright.sync_api import Page, expect

from bot.console.labels import console_labels
from storage.db import create_engine, create_sessionmaker
from tests.browser.conftest import COMMUNITY, WEBHOOK_SECRET, LiveApp, Screenshot, beside_playwright
from tests.conftest import DEMO_PROFILE
from tests.fakes.telegram_api import FakeTelegramAPI, JSONObject, message_update
from tests.subscribers import seed_subscribers
from tests.web.test_console import PASSWORD, REPORT, give_passwords, open_ticket

WORDS = console_labels(DEMO_PROFILE)
TICKET_NUMBER = re.compile(r"GD\d{8}-\d{4}")
RESIDENT_CHAT = 555_301
DELIVERY_SECONDS = 10.0
SUBSCRIBERS = 5
FIRST_SUBSCRIBER_CHAT = 5_100_000
REPLY = "师傅下午两点到，请家里留人"
RESULT = "已疏通下水道"
HEADLINE = "周六上午东门道路施工"
BODY = "11月28日（周六）8:00至12:00东门道路施工，车辆请从北门出入。"
_update_ids = itertools.count(1)


def sign_in(page: Page, app: LiveApp, key: str) -> None:
    """Gives `key` the test password, then signs in through the form as staff do; lands on the queue."""
    beside_playwright(give_passwords, app.database_url, key)
    page.goto(f"{app.url}/console/sign-in")
    page.get_by_label(WORDS["username"]).fill(key)
    page.get_by_label(WORDS["password"]).fill(PASSWORD)
    page.get_by_role("button", name=WORDS["sign_in"]).click()
    expect(page).to_have_url(f"{app.url}/console/tickets")


def say_on_telegram(app: LiveApp, chat: int, text: str) -> None:
    """A resident's message, posted to the app's webhook as Telegram would."""
    update: JSONObject = {"update_id": next(_update_ids), **message_update(chat, chat, text)}
    update["message"] |= {"message_id": update["update_id"], "date": int(time.time())}
    answer = httpx.post(f"{app.url}/telegram/webhook", json=update, timeout=10,
                        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert answer.status_code == 200, answer.text


def texts_to(telegram: FakeTelegramAPI, chat: int) -> list[str]:
    return [str(message["text"]) for message in telegram.sent_messages(chat)]


def wait_for_text(telegram: FakeTelegramAPI, chat: int, wanted: str) -> None:
    """Until a message to `chat` containing `wanted` was delivered (the in-process worker sends after commit)."""
    telegram.wait_for(lambda: any(wanted in text for text in texts_to(telegram, chat)), timeout=DELIVERY_SECONDS)


def report_on_telegram(app: LiveApp, chat: int) -> str:
    """The resident reports the blocked drain; returns the ticket number the bot answered with."""
    say_on_telegram(app, chat, str(REPORT["text"]))
    app.telegram.wait_for(lambda: bool(texts_to(app.telegram, chat)), timeout=DELIVERY_SECONDS)
    found = TICKET_NUMBER.search(texts_to(app.telegram, chat)[0])
    assert found is not None, texts_to(app.telegram, chat)
    return found.group()


def seed_announcement_subscribers(database_url: str) -> list[int]:
    """Telegram chats of residents subscribed to the community's announcements."""
    async def run() -> None:
        engine = create_engine(database_url)
        async with create_sessionmaker(engine)() as session, session.begin():
            await seed_subscribers(session, COMMUNITY, "announcements", SUBSCRIBERS,
                                   first_account=FIRST_SUBSCRIBER_CHAT)
        await engine.dispose()

    asyncio.run(run())
    return list(range(FIRST_SUBSCRIBER_CHAT, FIRST_SUBSCRIBER_CHAT + SUBSCRIBERS))


def submit(page: Page, field: str, text: str) -> None:
    """Fills the action's text box and presses its button (both carry the action's label)."""
    page.get_by_role("textbox", name=WORDS[field]).fill(text)
    page.get_by_role("button", name=WORDS[field], exact=True).click()


def test_the_secretary_works_a_ticket_to_the_end_and_the_residents_chat_receives_it(
        page: Page, live_app: LiveApp, screenshot: Screenshot) -> None:
    number = report_on_telegram(live_app, RESIDENT_CHAT)
    sign_in(page, live_app, "by-sec-01")

    row = page.locator(f"tr.ticket-row[data-number='{number}']")
    expect(row).to_contain_text(WORDS["status_open"])
    screenshot(page, "queue")
    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)

    page.get_by_role("button", name=WORDS["claim"]).click()
    expect(page.locator(".card").first).to_contain_text(WORDS["status_claimed"])
    submit(page, "reply", REPLY)
    expect(page.locator(".history")).to_contain_text(REPLY)
    submit(page, "close", RESULT)
    expect(page.locator(".card").first).to_contain_text(WORDS["status_closed"])
    expect(page.locator(".history")).to_contain_text(RESULT)
    screenshot(page, "ticket")

    wait_for_text(live_app.telegram, RESIDENT_CHAT, REPLY)
    wait_for_text(live_app.telegram, RESIDENT_CHAT, RESULT)
    closing = next(text for text in texts_to(live_app.telegram, RESIDENT_CHAT) if RESULT in text)
    assert number in closing


def test_an_area_lead_typing_another_areas_ticket_url_gets_the_403_page(
        page: Page, live_app: LiveApp, screenshot: Screenshot) -> None:
    number = open_ticket(live_app.url)  # building 3: 东一片, led by by-area-01
    sign_in(page, live_app, "by-area-06")

    refused = page.goto(f"{live_app.url}/console/tickets/{number}")

    assert refused is not None
    assert refused.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["forbidden_heading"])
    expect(page.get_by_text(WORDS["forbidden_explanation"])).to_be_visible()
    expect(page.get_by_text(number)).to_have_count(0)
    screenshot(page, "forbidden")
    page.get_by_role("link", name=WORDS["back_to_tickets"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["tickets_heading"])
    expect(page.locator(f"tr.ticket-row[data-number='{number}']")).to_have_count(0)


def test_the_secretary_sends_an_announcement_and_watches_the_delivery_report_fill(
        page: Page, live_app: LiveApp, screenshot: Screenshot) -> None:
    chats = beside_playwright(seed_announcement_subscribers, live_app.database_url)
    sign_in(page, live_app, "by-sec-01")

    page.get_by_role("link", name=WORDS["nav_notices"], exact=True).click()
    page.get_by_role("link", name=WORDS["notice_new_announcement"]).click()
    page.get_by_label(WORDS["notice_headline"], exact=True).fill(HEADLINE)
    page.get_by_label(WORDS["notice_body"], exact=True).fill(BODY)
    preview = page.locator("#preview-text")
    expect(preview).to_contain_text(HEADLINE)
    expect(preview).to_contain_text(BODY)
    expect(page.locator("#preview-count")).to_have_text(str(SUBSCRIBERS))
    expect(page.locator("#preview-approvals")).to_be_empty()  # announcements need no approval
    screenshot(page, "notice-compose")

    page.get_by_role("button", name=WORDS["notice_create"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(HEADLINE)
    page.get_by_role("button", name=WORDS["notice_send_now"]).click()
    report = page.locator("section.report")
    expect(report).to_be_visible()
    page.evaluate("window.stillThisPage = true")  # the figures below must come from the page's own refresh
    with page.expect_response(lambda response: response.url.endswith("/report.json")) as refreshed:
        expect(report.locator("[data-field=sent]")).to_have_text(str(SUBSCRIBERS), timeout=DELIVERY_SECONDS * 1000)
    assert refreshed.value.ok
    expect(report.locator("[data-field=pending]")).to_have_text("0")
    expect(report.locator("[data-field=not_delivered]")).to_have_text("0")
    expect(page.locator("#notice-stage")).to_have_text(WORDS["notice_stage_sent"])
    assert page.evaluate("window.stillThisPage") is True
    screenshot(page, "notice-report")

    for chat in chats:
        wait_for_text(live_app.telegram, chat, HEADLINE)
