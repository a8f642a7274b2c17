"""The ticket page in a real browser, on a desk (1280 px) and a phone (390 px): the 转派 picker preselects nobody,
narrows as a name is typed, asks before a move out of the ticket's area and tells the previous assignee; an
emergency shows the police its resident's name and phone (the reading audited) and minutes left in warning
colours; a reply refused because the ticket changed hands keeps its text and names who may reply. No page scrolls
sideways on the phone."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.emergencies import alert_on_duty
from bot.privacy import audit
from storage.models import AuditEntry, ChannelIdentity, OutboxMessage, Resident, Staff, Ticket
from storage.profile import Profile
from storage.repositories.directory import get_community
from tests.browser.conftest import LiveApp, Screenshot, beside_playwright, no_sideways_scroll
from tests.browser.test_console_in_browser import sign_in
from tests.browser.test_participation_pages import WORDS
from tests.web.conftest import APP_CLOCK
from tests.web.seeding import in_database
from tests.web.test_console import open_ticket

SOUTH_LEAD = ("by-area-03", "姚娟")  # 南片's 片长; the drain ticket is in building 3, 东一片
CALLER = ("王秀兰", "13912345678")
FIRE = "3栋楼道里冒烟了，好像着火了"
REPLY = "师傅下午两点到，请家里留人"
"""Each test at a desk's width and at a phone's."""


def staff_of(database_url: str, number: str) -> tuple[str, str]:
    """The key and name of the ticket's assignee."""
    async def find(session: AsyncSession) -> tuple[str, str]:
        row = (await session.execute(select(Staff.key, Staff.name).join(Ticket, Ticket.assignee_id == Staff.id)
                                     .where(Ticket.number == number))).one()
        return row[0], row[1]

    return in_database(database_url, find)


def messages_to(database_url: str, key: str, kind: str) -> list[str]:
    async def find(session: AsyncSession) -> list[str]:
        found = await session.scalars(select(OutboxMessage.payload).join(Staff, Staff.id == OutboxMessage.staff_id)
                                      .where(Staff.key == key, OutboxMessage.kind == kind))
        return [str(payload["text"]) for payload in found]

    return in_database(database_url, find)


def report_emergency(database_url: str, profile: Profile) -> tuple[str, int]:
    """A named resident with a phone writes that there is a fire; the police officer handles it."""
    async def report(session: AsyncSession) -> tuple[str, int]:
        community = await get_community(session, "baiyang")
        assert community is not None
        resident = Resident(community_id=community.id, display_name=CALLER[0], phone=CALLER[1])
        session.add(resident)
        await session.flush()
        session.add(ChannelIdentity(resident_id=resident.id, channel="web", external_id="fire-caller"))
        ticket = await alert_on_duty(session, profile, community, resident, "web", FIRE, APP_CLOCK())
        police = await session.scalar(select(Staff.id).where(Staff.key == "by-police-01"))
        await session.execute(update(Ticket).where(Ticket.id == ticket.id).values(assignee_id=police))
        return str(ticket.number), resident.id

    return in_database(database_url, report, APP_CLOCK)


def audit_rows(database_url: str, resident_id: int) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == audit.READ_RESIDENT, AuditEntry.subject == audit.resident_subject(resident_id))) or 0)

    return in_database(database_url, count)


def hand_to(database_url: str, number: str, key: str) -> None:
    """The ticket changes hands behind the page's back (a colleague reassigned it in another tab)."""
    async def move(session: AsyncSession) -> None:
        staff = await session.scalar(select(Staff.id).where(Staff.key == key))
        await session.execute(update(Ticket).where(Ticket.number == number).values(assignee_id=staff))

    in_database(database_url, move)


def test_the_picker_preselects_nobody_and_asks_before_moving_a_ticket_to_another_area(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot) -> None:
    width, page = sized
    number = open_ticket(live_app.url)
    previous = beside_playwright(staff_of, live_app.database_url, number)
    sign_in(page, live_app, "by-sec-01")
    page.goto(f"{live_app.url}/console/tickets/{number}")

    picker = page.locator("form.picker")
    choices = picker.get_by_role("radio")
    expect(choices.first).to_be_visible()
    assert choices.count() > 10
    expect(picker.locator("input[type=radio]:checked")).to_have_count(0)
    expect(picker).to_contain_text(WORDS["assign_load"])
    picker.get_by_role("searchbox", name=WORDS["assign_search"]).fill(SOUTH_LEAD[1])
    expect(picker.locator("label.choice:visible")).to_have_count(1)
    only = picker.locator("label.choice:visible")
    expect(only).to_contain_text("南片")
    expect(only).to_contain_text(WORDS["assign_load"])
    no_sideways_scroll(page)
    screenshot(page, f"assign-picker-{width}")
    only.click()
    picker.get_by_role("button", name=WORDS["assign"], exact=True).click()

    confirm = page.locator("form.confirm")
    expect(confirm).to_contain_text(WORDS["assign_confirm_heading"])
    expect(confirm).to_contain_text("东一片")
    expect(confirm).to_contain_text(SOUTH_LEAD[1])
    assert beside_playwright(staff_of, live_app.database_url, number)[0] == previous[0]  # nothing moved yet
    no_sideways_scroll(page)
    screenshot(page, f"assign-confirm-{width}")
    confirm.get_by_role("button", name=WORDS["assign_confirm"]).click()

    expect(page.locator("form.confirm")).to_have_count(0)
    expect(page.locator(".status-line")).to_contain_text(SOUTH_LEAD[1])
    assert beside_playwright(staff_of, live_app.database_url, number)[0] == SOUTH_LEAD[0]
    told = beside_playwright(messages_to, live_app.database_url, previous[0], "ticket_handed_away")
    assert len(told) == 1
    assert number in told[0]
    assert SOUTH_LEAD[1] in told[0]


def test_an_emergency_shows_the_police_the_residents_contact_and_the_minutes_left_and_audits_it(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot, profile: Profile) -> None:
    width, page = sized
    number, resident_id = beside_playwright(report_emergency, live_app.database_url, profile)
    before = beside_playwright(audit_rows, live_app.database_url, resident_id)
    sign_in(page, live_app, "by-police-01")
    page.goto(f"{live_app.url}/console/tickets/{number}")

    expect(page.get_by_role("heading", level=1)).to_contain_text(WORDS["emergency_badge"])
    expect(page.locator(".card.emergency")).to_be_visible()
    contact = page.locator("dl.contact")
    expect(contact).to_contain_text(CALLER[0])
    expect(contact.get_by_role("link", name=CALLER[1])).to_have_attribute("href", f"tel:{CALLER[1]}")
    expect(contact).to_contain_text(WORDS["from_web"])
    expect(page.locator(".place")).to_contain_text("3" + WORDS["building_suffix"])
    left = page.locator(".status-line .time-left span")
    expect(left).to_contain_text(WORDS["minutes"])
    expect(left).to_have_class("near")
    words = page.locator(".card .words")
    expect(words).to_contain_text(FIRE)
    first, then = words.bounding_box(), contact.bounding_box()
    assert first is not None
    assert then is not None
    assert first["y"] < then["y"]  # the resident's words come first
    assert beside_playwright(audit_rows, live_app.database_url, resident_id) == before + 1
    no_sideways_scroll(page)
    screenshot(page, f"ticket-emergency-{width}")


def test_a_reply_refused_after_the_ticket_changed_hands_keeps_the_text_and_names_who_may_reply(
        sized: tuple[str, Page], live_app: LiveApp, screenshot: Screenshot) -> None:
    width, page = sized
    number = open_ticket(live_app.url)
    sign_in(page, live_app, "by-sec-01")
    page.goto(f"{live_app.url}/console/tickets/{number}")
    page.get_by_role("button", name=WORDS["claim"]).click()
    page.get_by_role("textbox", name=WORDS["reply"]).fill(REPLY)
    beside_playwright(hand_to, live_app.database_url, number, "by-area-01")  # 黎德明 takes it over meanwhile

    page.get_by_role("button", name=WORDS["reply"], exact=True).click()

    refused = page.locator(".refused")
    expect(refused).to_contain_text(WORDS["refused_reply"] + "黎德明")
    expect(refused.get_by_role("textbox", name=WORDS["refused_kept_text"])).to_have_value(REPLY)
    expect(page.get_by_role("textbox", name=WORDS["reply"])).to_have_count(0)  # no longer hers to use
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.get_by_text(WORDS["forbidden_explanation"])).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, f"reply-refused-{width}")
