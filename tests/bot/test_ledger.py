"""The monthly ledger (台账) out of a month of real work: its totals are the database's, the month is
the local month, the XLSX and the PDF carry the same figures, and no resident's personal data."""

from __future__ import annotations

import asyncio
import io
import os
import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.ledger import MASK, Ledger, build_ledger, mask_personal
from bot.console.ledger_files import ledger_pdf, ledger_xlsx
from storage.db import create_engine, create_sessionmaker
from storage.models import Appointment, AppointmentSlot, CertificateRequest, Notice, Rating, Ticket
from storage.profile import Profile
from tests.bot.test_dashboard_stats import END, PERSON, START, Month, seed_month, seeded
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, MONDAY_10AM

Sessions = async_sessionmaker[AsyncSession]
NOVEMBER = date(2026, 11, 1)


async def november(sessions: Sessions, profile: Profile) -> tuple[Month, Ledger]:
    month = await seeded(sessions, profile)
    async with sessions() as session:
        return month, await build_ledger(session, profile, month.community_id, date(2026, 11, 17))


async def count(session: AsyncSession, query: Select[int]) -> int:
    return int(await session.scalar(query) or 0)


async def test_the_ledgers_totals_are_the_databases_for_the_month(sessions: Sessions, profile: Profile) -> None:
    month, ledger = await november(sessions, profile)
    ours = [Ticket.community_id == month.community_id, Ticket.created_at >= START, Ticket.created_at < END]
    async with sessions() as session:
        tickets = await count(session, select(func.count()).select_from(Ticket).where(*ours))
        closed = await count(session, select(func.count()).select_from(Ticket).where(
            *ours, Ticket.closed_at.is_not(None)))
        on_time = await count(session, select(func.count()).select_from(Ticket).where(
            *ours, Ticket.closed_at <= Ticket.due_at))
        certificates = await count(session, select(func.count()).select_from(CertificateRequest).join(
            Ticket, Ticket.id == CertificateRequest.ticket_id).where(*ours))
        appointments = await count(session, select(func.count()).select_from(Appointment).join(AppointmentSlot).where(
            Appointment.community_id == month.community_id, AppointmentSlot.starts_at >= START,
            AppointmentSlot.starts_at < END))
        notices = await count(session, select(func.count()).select_from(Notice).where(
            Notice.community_id == month.community_id, Notice.sent_at >= START, Notice.sent_at < END))
        ratings = {satisfied: await count(session, select(func.count()).select_from(Rating).join(Ticket).where(
            Ticket.community_id == month.community_id, Rating.created_at >= START, Rating.created_at < END,
            Rating.satisfied.is_(satisfied))) for satisfied in (True, False)}

    totals = ledger.totals
    assert (totals.tickets, totals.closed, totals.on_time, totals.late, totals.open) == \
        (tickets, closed, on_time, closed - on_time, tickets - closed) == (9, 5, 4, 1, 4)
    assert (totals.certificates, totals.certificates_ready) == (certificates, 1) == (1, 1)
    assert (totals.appointments, totals.appointments_done, totals.appointments_cancelled) == (appointments, 2, 1)
    assert (totals.notices, totals.recipients, totals.delivered) == (notices, 6, 4) == (1, 6, 4)
    assert (totals.satisfied, totals.unsatisfied) == (ratings[True], ratings[False]) == (4, 1)
    assert ledger.title == "青水社区2026年11月工作台账"


async def test_tickets_of_the_months_either_side_are_left_out(sessions: Sessions, profile: Profile) -> None:
    month, ledger = await november(sessions, profile)
    listed = [t.number for t in ledger.tickets]

    assert not {month.numbers["october"], month.numbers["december"], month.numbers["baiyang"]} & set(listed)
    assert listed[0] == month.numbers["lift"]  # 1 Nov 00:30 local, still 31 October in UTC
    assert listed[-1] == month.numbers["monday"]
    assert [a.time.month for a in ledger.appointments] == [11, 11, 11, 11]
    noise = next(t for t in ledger.tickets if t.number == month.numbers["noise"])
    assert (noise.on_time, noise.result) == (False, "已约谈并签订承诺书")  # the latest closing's result
    assert ledger.ratings[0].ticket_number == month.numbers["october"]  # rated in November


async def test_the_workbook_reads_back_with_the_same_totals(sessions: Sessions, profile: Profile) -> None:
    _, ledger = await november(sessions, profile)
    book = load_workbook(io.BytesIO(ledger_xlsx(ledger)))

    assert book.sheetnames == ["汇总", "诉求工单", "证明开具", "预约服务", "通知推送", "满意度评价",
                               "回访情况（按承办人）", "公示"]
    summary = book["汇总"]
    assert summary["A1"].value == ledger.title
    assert [c.value for c in summary[2]] == ["项目", "数量"]
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    totals = ledger.totals
    assert figures["受理诉求（件）"] == totals.tickets == book["诉求工单"].max_row - 2
    assert (figures["按时办结（件）"], figures["已办结（件）"]) == (totals.on_time, totals.closed)
    assert figures["证明申请（件）"] == totals.certificates == book["证明开具"].max_row - 2
    assert figures["预约（人次）"] == totals.appointments == book["预约服务"].max_row - 2
    assert figures["送达（人次）"] == totals.delivered
    assert (figures["满意（件）"], figures["不满意（件）"]) == (totals.satisfied, totals.unsatisfied)
    assert figures["满意率"] == totals.satisfied_share == 0.8
    assert figures["应回访（人次）"] == totals.follow_ups.asked == sum(f.asked for f in ledger.follow_ups.values())
    tickets = book["诉求工单"]
    assert [c.value for c in tickets[2]][:3] == ["编号", "类别", "受理类型"]
    assert tickets.column_dimensions["A"].width >= len(ledger.tickets[0].number)


async def test_the_pdf_holds_the_title_and_every_total(sessions: Sessions, profile: Profile) -> None:
    _, ledger = await november(sessions, profile)
    reader = PdfReader(io.BytesIO(ledger_pdf(ledger)))
    text = "\n".join(page.extract_text() for page in reader.pages)

    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert ledger.title in text
    totals = ledger.totals
    for label, value in (("受理诉求（件）", totals.tickets), ("已办结（件）", totals.closed),
                         ("按时办结（件）", totals.on_time), ("证明申请（件）", totals.certificates),
                         ("预约（人次）", totals.appointments), ("推送（人次）", totals.recipients),
                         ("满意（件）", totals.satisfied), ("不满意（件）", totals.unsatisfied), ("满意率", "80.0%")):
        assert re.search(rf"{re.escape(label)}\s*{re.escape(str(value))}(?!\d)", text), label
    for ticket in ledger.tickets:
        assert ticket.number in text


async def test_no_residents_personal_data_reaches_the_files(sessions: Sessions, profile: Profile) -> None:
    month, ledger = await november(sessions, profile)
    book = load_workbook(io.BytesIO(ledger_xlsx(ledger)))
    cells = "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(ledger_pdf(ledger))).pages)
    drain = next(t for t in ledger.tickets if t.number == month.numbers["drain"])

    for secret in (PERSON["name"], PERSON["phone"], PERSON["id_number"], PERSON["room"], "臭了好几天", "有事打我电话"):
        assert secret not in cells, secret
        assert secret not in pdf, secret
    assert drain.result is not None
    assert MASK in drain.result
    assert "疏通" in drain.result


MONDAY = MONDAY_10AM.date()


def test_masking_keeps_the_work_and_hides_who_asked() -> None:
    assert mask_personal("已到5栋2单元301室修好，电话13812345678", MONDAY) == f"已到{MASK}修好，电话{MASK}"
    assert mask_personal("身份证11010519491231002X已核验", MONDAY) == f"身份证{MASK}已核验"
    assert mask_personal("5栋楼道灯已更换", MONDAY) == "5栋楼道灯已更换"


async def _seed_file(database_url: str, profile: Profile) -> None:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await seed_month(session, profile)
    await engine.dispose()


def test_the_cli_exports_both_files(tmp_path: Path, profile: Profile) -> None:
    database_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0
    asyncio.run(_seed_file(database_url, profile))
    xlsx, pdf = tmp_path / "qs.xlsx", tmp_path / "qs.pdf"

    done = frontdoor("ledger", "export", "--community", "qingshui", "--month", "2026-11", "--xlsx", str(xlsx),
                     "--pdf", str(pdf), env=env)
    wrong = frontdoor("ledger", "export", "--community", "qingshui", "--month", "2026-13", env=env)
    unknown = frontdoor("ledger", "export", "--community", "nowhere", "--month", "2026-11", "--xlsx",
                        str(tmp_path / "x.xlsx"), env=env)

    assert done.returncode == 0, done.stderr
    assert "9 tickets" in done.stdout
    assert "4 satisfied / 1 unsatisfied" in done.stdout
    assert load_workbook(xlsx)["汇总"]["B3"].value == 9
    assert pdf.read_bytes().startswith(b"%PDF")
    assert wrong.returncode != 0
    assert "2026-13" in wrong.stderr
    assert unknown.returncode == 1
    assert "nowhere" in unknown.stderr
