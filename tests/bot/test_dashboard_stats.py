"""The dashboard's numbers over a month of real work in 青水社区 (tickets opened, closed on time and
late, rated, reopened; a certificate; appointments; a notice), checked against the rows themselves,
by area, by local week, and unchanged when a resident's personal data is blanked; and its charts."""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from bot.console.charts import bar_chart, line_chart
from bot.console.stats import Dashboard, OnTime, compute_dashboard
from bot.notices import sending
from bot.notices.compose import AnnouncementInput, compose_announcement
from bot.office.appointments import book, cancel
from bot.office.certificates import mark_ready
from bot.office.ticket_actions import close_ticket, rate_ticket, reopen_ticket
from bot.office.ticketing import TicketRequest, open_ticket
from handlers.certificate_request import certificate_category
from storage.models import (
    Appointment,
    AppointmentStatus,
    Area,
    Building,
    CertificateRequest,
    Community,
    OutboxMessage,
    Resident,
    Ticket,
)
from storage.profile import Profile
from storage.repositories import outbox
from tests.subscribers import seed_subscribers

Sessions = async_sessionmaker[AsyncSession]
TZ = ZoneInfo("Asia/Shanghai")
CLOSER = "qs-sec-01"
PERSON = {"name": "柳如烟", "phone": "13912345678", "id_number": "11010519491231002X", "unit": "3", "room": "1702"}


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


START, END = local(11, 1, 0), local(12, 1, 0)
NOW = local(11, 24, 12)
"""When the dashboard is looked at: the tickets of 18 November and before still open are overdue."""


@dataclass(frozen=True)
class Month:
    community_id: int
    other_community_id: int
    areas: dict[str, int]
    """Area key -> id in 青水."""
    numbers: dict[str, str]
    """Our name for each ticket -> its number."""


async def _building(session: AsyncSession, community: Community, number: str | None) -> Building | None:
    if number is None:
        return None
    return await session.scalar(select(Building).options(joinedload(Building.area))
                                .where(Building.community_id == community.id, Building.number == number))


async def _open(session: AsyncSession, profile: Profile, community: Community, resident: Resident, category: str,
                building: str | None, at: datetime, text: str = "请尽快处理") -> Ticket:
    home = await _building(session, community, building)
    return (await open_ticket(session, profile, TicketRequest(
        community, resident, "telegram", profile.categories[category], text, home), at)).ticket


async def seed_month(session: AsyncSession, profile: Profile) -> Month:
    """November 2026 in 青水 (and one ticket in 白杨), with a ticket on each side of the month."""
    communities = {c.key: c for c in await session.scalars(select(Community))}
    qingshui, baiyang = communities["qingshui"], communities["baiyang"]
    home = await _building(session, qingshui, "3")
    person = Resident(community_id=qingshui.id, building_id=home.id if home else None, unit=PERSON["unit"],
                      room=PERSON["room"], display_name=PERSON["name"], phone=PERSON["phone"], created_at=START)
    neighbour, stranger = Resident(community_id=qingshui.id), Resident(community_id=baiyang.id)
    session.add_all([person, neighbour, stranger])
    await session.flush()

    async def opened(name: str, category: str, building: str | None, at: datetime, who: Resident = neighbour,
                     text: str = "请尽快处理") -> Ticket:
        ticket = await _open(session, profile, qingshui, who, category, building, at, text)
        numbers[name] = ticket.number or ""
        return ticket

    numbers: dict[str, str] = {}
    october = await opened("october", "drain_blocked", "3", local(10, 31, 22))
    await close_ticket(session, profile, october.number or "", CLOSER, "已疏通", local(11, 1, 9))
    rate_ticket(session, october, neighbour, True, None, local(11, 1, 10))
    lift = await opened("lift", "lift", "5", local(11, 1, 0, 30))  # Saturday 16:30 UTC, local November
    await close_ticket(session, profile, lift.number or "", CLOSER, "已联系维保修复", local(11, 1, 8))
    rate_ticket(session, lift, neighbour, True, None, local(11, 2, 9))
    drain = await opened("drain", "drain_blocked", "3", local(11, 3, 10), person,
                         f"{PERSON['unit']}单元{PERSON['room']}门口下水道堵了，臭了好几天，电话{PERSON['phone']}")
    await close_ticket(session, profile, drain.number or "", CLOSER,
                       f"已到3栋{PERSON['unit']}单元{PERSON['room']}室疏通，回访电话{PERSON['phone']}",
                       local(11, 3, 16))
    rate_ticket(session, drain, person, True, f"谢谢，有事打我电话{PERSON['phone']}", local(11, 4, 9))
    noise = await opened("noise", "noise", "18", local(11, 5, 15))
    await close_ticket(session, profile, noise.number or "", CLOSER, "已上门劝导", local(11, 6, 9))
    await reopen_ticket(session, profile, noise, neighbour, "晚上还是吵", local(11, 9, 20))
    # Reopened Monday evening: a new deadline of 3 working days from Tuesday (Friday 17:30); closed late.
    await close_ticket(session, profile, noise.number or "", CLOSER, "已约谈并签订承诺书", local(11, 16, 10))
    rate_ticket(session, noise, neighbour, True, None, local(11, 16, 15))
    await opened("civil", "civil_affairs", None, local(11, 10, 9))  # still open, overdue
    dispute = await opened("dispute", "dispute", "20", local(11, 12, 14))
    await close_ticket(session, profile, dispute.number or "", CLOSER, "双方达成调解协议", local(11, 13, 11))
    certificate = profile.certificates["residence"]
    paper = (await open_ticket(session, profile, TicketRequest(
        qingshui, person, "telegram", certificate_category(certificate), "居住证明：办理居住证",
        time_limit=certificate.processing), local(11, 16, 10))).ticket
    numbers["certificate"] = paper.number or ""
    session.add(CertificateRequest(ticket_id=paper.id, certificate_key="residence", for_whom=PERSON["name"],
                                   id_number=PERSON["id_number"], purpose="办理居住证", phone=PERSON["phone"]))
    await session.flush()
    await mark_ready(session, profile, paper.number or "", local(11, 16, 15))
    await close_ticket(session, profile, paper.number or "", CLOSER, "已领取", local(11, 16, 16))
    await opened("lighting", "lighting", "7", local(11, 18, 11))  # open, overdue by NOW
    await opened("sunday", "sanitation", "25", local(11, 22, 23, 30))  # Sunday night: the week of 16 Nov
    await opened("monday", "water_leak", "2", local(11, 23, 0, 30))  # Sunday 16:30 UTC: the week of 23 Nov
    await opened("december", "lift", "5", local(12, 1, 0, 10))  # 30 Nov 16:10 UTC, local December
    numbers["baiyang"] = (await _open(session, profile, baiyang, stranger, "drain_blocked", "1",
                                      local(11, 11, 10))).number or ""
    await _seed_appointments(session, profile, qingshui, person)
    await _seed_notices(session, profile, qingshui)
    areas = {a.key: a.id for a in await session.scalars(select(Area).where(Area.community_id == qingshui.id))}
    return Month(qingshui.id, baiyang.id, areas, numbers)


async def _seed_appointments(session: AsyncSession, profile: Profile, community: Community,
                             resident: Resident) -> None:
    bookings = [("health_check", local(11, 3, 8), local(11, 2, 10)),
                ("social_insurance", local(11, 9, 8, 30), local(11, 4, 10)),
                ("legal_advice", local(11, 18, 9), local(11, 12, 10)),
                ("community_police", local(11, 27, 14), local(11, 23, 10)),
                ("community_police", local(12, 2, 14), local(11, 24, 10))]
    made = [await book(session, profile, community, resident, service, at, PERSON["phone"], now)
            for service, at, now in bookings]
    made[0].status = made[1].status = AppointmentStatus.DONE
    await cancel(session, profile, made[2], local(11, 13, 9))


async def _seed_notices(session: AsyncSession, profile: Profile, community: Community) -> None:
    """An October notice, and a November one: of its six recipients four got it, one could not."""
    await seed_subscribers(session, "qingshui", "announcements", 6)
    for headline, at in (("10月30日停电", local(10, 28, 9)), ("11月12日停水", local(11, 10, 9))):
        draft = compose_announcement(profile, "qingshui", AnnouncementInput.from_mapping(
            {"headline": headline, "body": f"{headline}，请提前做好准备。"}))
        notice = sending.create_notice(session, profile, community, draft, None, at)
        await session.flush()
        await sending.start_sending(session, profile, notice, at)
    rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == notice.id)
                                      .order_by(OutboxMessage.id)))
    for row in rows[:4]:
        row.delivered_at = local(11, 10, 9, 5)
    outbox.settle_undeliverable(rows[4], "outside_window")


async def seeded(sessions: Sessions, profile: Profile) -> Month:
    async with sessions() as session, session.begin():
        return await seed_month(session, profile)


async def dashboard(sessions: Sessions, profile: Profile, community_id: int | None,
                    area_id: int | None = None) -> Dashboard:
    async with sessions() as session:
        return await compute_dashboard(session, profile, community_id, START, END, area_id, now=NOW)


async def month_rows(sessions: Sessions, community_id: int | None, area_id: int | None = None) -> list[Ticket]:
    """The period's tickets, read plainly and filtered here: the yardstick for the aggregates."""
    async with sessions() as session:
        rows = (await session.scalars(select(Ticket).options(joinedload(Ticket.assignee),
                                                             joinedload(Ticket.building)))).all()
    return [t for t in rows if START <= t.created_at < END
            and (community_id is None or t.community_id == community_id)
            and (area_id is None or (t.building is not None and t.building.area_id == area_id))]


def on_time_of(tickets: list[Ticket]) -> OnTime:
    closed = [t for t in tickets if t.closed_at is not None]
    return OnTime(sum(t.closed_at <= t.due_at for t in closed if t.closed_at), len(closed),
                  sum(t.closed_at is None and t.due_at < NOW for t in tickets))


async def test_the_dashboard_agrees_with_the_tickets_themselves(sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    shown = await dashboard(sessions, profile, month.community_id)
    rows = await month_rows(sessions, month.community_id)
    intake_names = {key: kind.name for key, kind in profile.district.intake_types.items()}

    assert sum(shown.tickets_by_category.values()) == len(rows) == 9
    assert shown.tickets_by_category == dict(Counter(profile.categories[t.category_key].name for t in rows))
    assert shown.on_time_by_intake == {intake_names[kind]: on_time_of([t for t in rows if t.intake_type == kind])
                                       for kind in {t.intake_type for t in rows}}
    assert shown.on_time_by_staff == {name: on_time_of([t for t in rows if t.assignee.name == name])
                                      for name in {t.assignee.name for t in rows}}
    assert on_time_of(rows) == OnTime(on_time=4, closed=5, open_overdue=2)
    durations = [(t.closed_at - t.created_at).total_seconds() / 3600 for t in rows if t.closed_at]
    assert shown.median_hours_to_close is not None
    assert abs(shown.median_hours_to_close - statistics.median(durations)) < 0.01
    assert shown.tickets_by_area == {"上片": 4, "下片": 3, "未注明楼栋": 2}
    # Ratings given in November, the October ticket's included; the reopened ticket was rated twice.
    assert (shown.satisfaction.satisfied, shown.satisfaction.unsatisfied) == (4, 1)
    assert shown.appointments_by_service == {"老年人健康体检": 1, "社保医保业务": 1, "约见社区民警": 1}
    [reach] = shown.notice_reach
    assert (reach.headline, reach.recipients, reach.delivered, reach.not_delivered, reach.pending) == \
        ("【社区公告】11月12日停水", 6, 4, 1, 1)


async def test_tickets_whose_resident_a_message_could_not_reach_are_counted_once(
        sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    before = await dashboard(sessions, profile, month.community_id)
    rows = await month_rows(sessions, month.community_id)
    async with sessions() as session, session.begin():
        for kind, ticket, reason in (("ticket_claimed", rows[0], "unfollowed"),
                                     ("ticket_closed", rows[0], "unfollowed"), ("ticket_closed", rows[1], None)):
            row = outbox.enqueue(session, kind, {"text": "-"}, resident_id=ticket.resident_id, ticket_id=ticket.id)
            if reason:
                outbox.settle_undeliverable(row, reason)
    after = await dashboard(sessions, profile, month.community_id)

    assert before.unreached_tickets == 0
    assert after.unreached_tickets == 1


async def test_weeks_are_local_weeks_starting_on_monday(sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    shown = await dashboard(sessions, profile, month.community_id)

    # 1 Nov 00:30 local is still 31 October in UTC; Monday 23 Nov 00:30 local is Sunday in UTC.
    assert shown.tickets_by_week == [(date(2026, 10, 26), 1), (date(2026, 11, 2), 2), (date(2026, 11, 9), 2),
                                     (date(2026, 11, 16), 3), (date(2026, 11, 23), 1), (date(2026, 11, 30), 0)]
    rows = await month_rows(sessions, month.community_id)
    by_week = Counter(d - timedelta(days=d.weekday()) for d in (t.created_at.astimezone(TZ).date() for t in rows))
    assert {week: count for week, count in shown.tickets_by_week if count} == dict(by_week)


async def test_an_area_lead_sees_only_their_areas_tickets_and_ratings(sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    upper = await dashboard(sessions, profile, month.community_id, month.areas["a1"])
    lower = await dashboard(sessions, profile, month.community_id, month.areas["a2"])

    for shown, area in ((upper, "a1"), (lower, "a2")):
        rows = await month_rows(sessions, month.community_id, month.areas[area])
        assert shown.tickets_by_category == dict(Counter(profile.categories[t.category_key].name for t in rows))
        assert sum(count for _, count in shown.tickets_by_week) == len(rows)
    assert upper.tickets_by_area == {"上片": 4}
    assert lower.tickets_by_area == {"下片": 3}
    assert (upper.satisfaction.satisfied, upper.satisfaction.unsatisfied) == (3, 0)
    assert (lower.satisfaction.satisfied, lower.satisfaction.unsatisfied) == (1, 1)


async def test_all_communities_name_each_area_with_its_community(sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    everywhere = await dashboard(sessions, profile, None)

    assert sum(everywhere.tickets_by_category.values()) == len(await month_rows(sessions, None)) == 10
    assert everywhere.tickets_by_area["青水社区上片"] == 4
    assert sum(v for k, v in everywhere.tickets_by_area.items() if k.startswith("白杨社区")) == 1
    assert sum((await dashboard(sessions, profile, month.other_community_id)).tickets_by_category.values()) == 1


async def test_blanking_a_residents_personal_data_changes_no_figure(sessions: Sessions, profile: Profile) -> None:
    month = await seeded(sessions, profile)
    before = await dashboard(sessions, profile, month.community_id)
    async with sessions() as session, session.begin():
        await session.execute(update(Resident).values(display_name=None, phone=None, unit=None, room=None))
        await session.execute(update(Ticket).values(description="", unit=None, room=None))
        await session.execute(update(CertificateRequest).values(for_whom="", id_number=None, phone=None))
        await session.execute(update(Appointment).values(phone=None, note=None))

    assert await dashboard(sessions, profile, month.community_id) == before


async def test_an_empty_period_has_zeros_and_no_median(sessions: Sessions, profile: Profile) -> None:
    async with sessions() as session:
        qingshui = (await session.scalars(select(Community).where(Community.key == "qingshui"))).one()
        shown = await compute_dashboard(session, profile, qingshui.id, START, END, now=NOW)

    assert shown.tickets_by_category == {}
    assert shown.on_time_by_staff == {}
    assert shown.median_hours_to_close is None
    assert shown.unreached_tickets == 0
    assert shown.satisfaction.share is None
    assert [count for _, count in shown.tickets_by_week] == [0] * 6


def test_charts_are_well_formed_svg_with_their_labels_escaped() -> None:
    items: list[tuple[str, float]] = [("下水道堵塞", 3), ("A&B <物业>", 1.5), ("邻里纠纷调解很长很长很长的名字", 0)]
    bars = bar_chart("诉求类别 <本月>", items, "件")
    line = line_chart("每周受理", [("11-02", 2), ("11-09", 0), ("11-16", 3)])
    empty = bar_chart("满意度", [], empty="暂无数据")
    ns = {"svg": "http://www.w3.org/2000/svg"}

    for svg in (bars, line, empty):
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert (root.get("role"), root.get("width")) == ("img", "100%")
        assert root.get("viewBox")
        assert root.find("svg:title", ns) is not None
    texts = ["".join(t.itertext()) for t in ET.fromstring(bars).iter("{http://www.w3.org/2000/svg}text")]
    assert {"诉求类别 <本月>", "下水道堵塞", "A&B <物业>", "1.5件"} <= set(texts)
    assert any(text.endswith("…") for text in texts)  # a long label is cut, the full one is in <desc>
    assert "邻里纠纷调解很长很长很长的名字" in "".join(ET.fromstring(bars).itertext())
    assert {"11-02", "11-09", "11-16"} <= {"".join(t.itertext()) for t in ET.fromstring(line).iter(
        "{http://www.w3.org/2000/svg}text")}
    assert "暂无数据" in "".join(ET.fromstring(empty).itertext())
    assert "<script" not in bars + line
    assert "http" not in (bars + line).replace("http://www.w3.org/2000/svg", "")
