"""The ledger as files: an XLSX workbook (a 汇总 totals sheet, then one sheet per section) and a
printable A4 landscape PDF with the same tables, both drawn from `ledger_tables` so they agree.

The PDF's Chinese is set in the CID font STSong-Light that PDF readers carry (no font file is
embedded or needed); figures are set in Helvetica, and both extract as text (e.g. with pypdf)."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bot.console.ledger import Ledger, LedgerPublicity

REPLIES: dict[str, tuple[str, ...]] = {
    "ledger_page": ("page",),
    "ledger_section_totals": (),
    "ledger_section_tickets": (),
    "ledger_section_certificates": (),
    "ledger_section_appointments": (),
    "ledger_section_notices": (),
    "ledger_section_ratings": (),
    "ledger_section_follow_ups": (),
    "ledger_col_follow_ups_asked": (),
    "ledger_col_follow_ups_answered": (),
    "ledger_col_follow_up_rate": (),
    "ledger_col_follow_up_satisfaction": (),
    "ledger_total_follow_ups_asked": (),
    "ledger_total_follow_ups_answered": (),
    "ledger_total_follow_up_rate": (),
    "ledger_total_follow_up_satisfaction": (),
    "ledger_section_publicities": (),
    "ledger_col_publicity_subject": (),
    "ledger_col_window_opens": (),
    "ledger_col_window_closes": (),
    "ledger_col_objections": (),
    "ledger_col_publicity_result": (),
    "ledger_publicity_open": (),
    "ledger_publicity_no_objection": (),
    "ledger_publicity_objected": (),
    "ledger_publicity_outcome": ("verdict", "outcome"),
    "ledger_total_publicities": (),
    "ledger_total_objections": (),
    "ledger_col_item": (),
    "ledger_col_count": (),
    "ledger_col_number": (),
    "ledger_col_category": (),
    "ledger_col_intake_type": (),
    "ledger_col_created": (),
    "ledger_col_due": (),
    "ledger_col_closed": (),
    "ledger_col_on_time": (),
    "ledger_col_role": (),
    "ledger_col_assignee": (),
    "ledger_col_result": (),
    "ledger_col_certificate": (),
    "ledger_col_requested": (),
    "ledger_col_ready": (),
    "ledger_col_service": (),
    "ledger_col_time": (),
    "ledger_col_status": (),
    "ledger_col_headline": (),
    "ledger_col_sent": (),
    "ledger_col_recipients": (),
    "ledger_col_delivered": (),
    "ledger_col_rating": (),
    "ledger_col_rated": (),
    "ledger_yes": (),
    "ledger_no": (),
    "ledger_not_closed": (),
    "ledger_satisfied": (),
    "ledger_unsatisfied": (),
    "ledger_total_tickets": (),
    "ledger_total_closed": (),
    "ledger_total_on_time": (),
    "ledger_total_late": (),
    "ledger_total_open": (),
    "ledger_total_on_time_rate": (),
    "ledger_total_certificates": (),
    "ledger_total_certificates_ready": (),
    "ledger_total_appointments": (),
    "ledger_total_appointments_done": (),
    "ledger_total_appointments_cancelled": (),
    "ledger_total_notices": (),
    "ledger_total_recipients": (),
    "ledger_total_delivered": (),
    "ledger_total_satisfied": (),
    "ledger_total_unsatisfied": (),
    "ledger_total_satisfaction_rate": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


CJK_FONT = "STSong-Light"
FIGURE_FONT = "Helvetica"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
HEADER_FILL = "E4E7EB"
MAX_COLUMN_CHARS = 40
KEEP_WHOLE_CHARS = 20
"""A text cell up to this long (a ticket number, a name, a category) is never wrapped in the PDF; longer text
(a result, a headline) wraps."""
CELL_PADDING = 13.0
"""Points a PDF table cell needs beside its text: reportlab's 6 left and 6 right, and one so that text exactly as
wide as its column is not wrapped by rounding."""


@dataclass(frozen=True)
class Percent:
    value: float


Cell = str | int | Percent | datetime | None
"""A datetime is the district's local time."""


@dataclass(frozen=True)
class LedgerTable:
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def ledger_tables(ledger: Ledger) -> list[LedgerTable]:
    """The totals, then one table per section, with the profile's headings."""
    say, tz = ledger.wording.render, ledger.wording.profile.timezone

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz) if moment is not None else None

    def yes_no(value: bool | None) -> str:
        return "" if value is None else say("ledger_yes" if value else "ledger_no")

    def columns(*keys: str) -> list[str]:
        return [say(f"ledger_col_{key}") for key in keys]

    return [
        LedgerTable(say("ledger_section_totals"), columns("item", "count"), _totals_rows(ledger)),
        LedgerTable(say("ledger_section_tickets"), columns(
            "number", "category", "intake_type", "created", "due", "closed", "on_time", "role", "assignee", "result"),
            [[t.number, t.category, t.intake_type, local(t.created), local(t.due),
              local(t.closed) or say("ledger_not_closed"), yes_no(t.on_time), t.assignee_role, t.assignee,
              t.result or ""] for t in ledger.tickets]),
        LedgerTable(say("ledger_section_certificates"), columns("number", "certificate", "requested", "ready"),
                    [[c.number, c.certificate, local(c.requested), local(c.ready)] for c in ledger.certificates]),
        LedgerTable(say("ledger_section_appointments"), columns("number", "service", "time", "status"),
                    [[a.number, a.service, local(a.time), say(f"booking_{a.status}")] for a in ledger.appointments]),
        LedgerTable(say("ledger_section_notices"), columns("headline", "sent", "recipients", "delivered"),
                    [[n.headline, local(n.sent_at), n.recipients, n.delivered] for n in ledger.notices]),
        LedgerTable(say("ledger_section_ratings"), columns("number", "category", "assignee", "rating", "rated"),
                    [[r.ticket_number, r.category, r.staff, say("ledger_satisfied" if r.satisfied
                                                                 else "ledger_unsatisfied"), local(r.rated)]
                     for r in ledger.ratings]),
        LedgerTable(say("ledger_section_follow_ups"), columns(
            "assignee", "follow_ups_asked", "follow_ups_answered", "follow_up_rate", "follow_up_satisfaction"),
            [[staff, f.asked, f.answered, _percent(f.rate), _percent(f.satisfaction)]
             for staff, f in ledger.follow_ups.items()]),
        LedgerTable(say("ledger_section_publicities"), columns(
            "headline", "publicity_subject", "window_opens", "window_closes", "objections", "publicity_result"),
            [[p.title, p.subject, local(p.opens), local(p.closes), p.objections, _publicity_result(ledger, p)]
             for p in ledger.publicities]),
    ]


def _publicity_result(ledger: Ledger, publicity: LedgerPublicity) -> str:
    """公示中 while open; then 无异议, or 有异议 with how staff handled them."""
    say = ledger.wording.render
    if not publicity.closed:
        return say("ledger_publicity_open")
    verdict = say("ledger_publicity_objected" if publicity.objections else "ledger_publicity_no_objection")
    return say("ledger_publicity_outcome", verdict=verdict, outcome=publicity.outcome) if publicity.outcome else verdict


def _totals_rows(ledger: Ledger) -> list[list[Cell]]:
    t = ledger.totals
    figures: list[tuple[str, Cell]] = [
        ("tickets", t.tickets), ("closed", t.closed), ("on_time", t.on_time), ("late", t.late), ("open", t.open),
        ("on_time_rate", _percent(t.on_time_share)), ("certificates", t.certificates),
        ("certificates_ready", t.certificates_ready), ("appointments", t.appointments),
        ("appointments_done", t.appointments_done), ("appointments_cancelled", t.appointments_cancelled),
        ("notices", t.notices), ("recipients", t.recipients), ("delivered", t.delivered),
        ("satisfied", t.satisfied), ("unsatisfied", t.unsatisfied),
        ("satisfaction_rate", _percent(t.satisfied_share)), ("follow_ups_asked", t.follow_ups.asked),
        ("follow_ups_answered", t.follow_ups.answered), ("follow_up_rate", _percent(t.follow_ups.rate)),
        ("follow_up_satisfaction", _percent(t.follow_ups.satisfaction)), ("publicities", t.publicities),
        ("objections", t.objections),
    ]
    return [[ledger.wording.render(f"ledger_total_{key}"), value] for key, value in figures]


def _percent(share: float | None) -> Percent | None:
    return None if share is None else Percent(share)


def _text(cell: Cell) -> str:
    if isinstance(cell, datetime):
        return cell.strftime(DATETIME_FORMAT)
    if isinstance(cell, Percent):
        return f"{cell.value:.1%}"
    return "" if cell is None else str(cell)


def _column_chars(table: LedgerTable) -> list[int]:
    """Each column's width in characters, a Chinese character counting two."""
    def chars(cell: Cell) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in _text(cell))

    return [min(max(chars(cell) for cell in column) + 2, MAX_COLUMN_CHARS)
            for column in zip(table.headers, *table.rows, strict=True)]


def ledger_xlsx(ledger: Ledger) -> bytes:
    """The workbook: the title above each sheet's table, bold headers, fitted columns, A4 landscape."""
    book = Workbook()
    book.remove(book.active)
    book.properties.title = ledger.title
    for table in ledger_tables(ledger):
        sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", "-", table.title)[:31])
        sheet.append([ledger.title])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        for row in table.rows:
            sheet.append([_xlsx_value(cell) for cell in row])
            for written, cell in zip(sheet[sheet.max_row], row, strict=True):
                written.number_format = ("yyyy-mm-dd hh:mm" if isinstance(cell, datetime)
                                         else "0.0%" if isinstance(cell, Percent) else written.number_format)
                written.alignment = Alignment(vertical="top", wrap_text=isinstance(cell, str))
                if isinstance(cell, str):
                    written.data_type = "s"  # text, even "=HYPERLINK(...)" in a close result: never a formula
        for index, width in enumerate(_column_chars(table), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A3"
        sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _xlsx_value(cell: Cell) -> Any:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)  # Excel has no time zones; the cell is already local time
    if isinstance(cell, Percent):
        return cell.value
    return cell


@cache
def _pdf_styles() -> dict[str, ParagraphStyle]:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return {
        "title": ParagraphStyle("title", fontName=CJK_FONT, fontSize=16, leading=22, spaceAfter=4 * mm),
        "heading": ParagraphStyle("heading", fontName=CJK_FONT, fontSize=12, leading=16, spaceAfter=2 * mm),
        "text": ParagraphStyle("text", fontName=CJK_FONT, fontSize=9, leading=12, wordWrap="CJK"),
        "figure": ParagraphStyle("figure", fontName=FIGURE_FONT, fontSize=9, leading=12),
    }


def ledger_pdf(ledger: Ledger) -> bytes:
    """A4 landscape: the title, the totals, then each section as a table whose header repeats on
    every page, and a page number at the foot."""
    styles = _pdf_styles()
    output = io.BytesIO()
    document = SimpleDocTemplate(output, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                                 topMargin=12 * mm, bottomMargin=14 * mm, title=ledger.title)
    story: list[Any] = [Paragraph(escape(ledger.title), styles["title"])]
    for table in ledger_tables(ledger):
        story += [Paragraph(escape(table.title), styles["heading"]), _pdf_table(table, document.width, styles),
                  Spacer(1, 6 * mm)]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.drawString(doc.leftMargin, 7 * mm, ledger.title)
        canvas.drawRightString(doc.leftMargin + doc.width, 7 * mm,
                               ledger.wording.render("ledger_page", page=canvas.getPageNumber()))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return output.getvalue()


def _pdf_table(table: LedgerTable, width: float, styles: dict[str, ParagraphStyle]) -> Table:
    rows = [[Paragraph(escape(header), styles["text"]) for header in table.headers]]
    rows += [[Paragraph(escape(_text(cell)), _pdf_style(cell, styles)) for cell in row] for row in table.rows]
    drawn = Table(rows, colWidths=_pdf_widths(table, width, styles), repeatRows=1, hAlign="LEFT")
    drawn.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9AA5B1")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(f"#{HEADER_FILL}")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return drawn


def _pdf_style(cell: Cell, styles: dict[str, ParagraphStyle]) -> ParagraphStyle:
    return styles["text" if cell is None or isinstance(cell, str) else "figure"]


def _pdf_widths(table: LedgerTable, width: float, styles: dict[str, ParagraphStyle]) -> list[float]:
    """Each column as wide as its widest cell when the page has room. When it has not, every column keeps room
    for what must not wrap (headers, numbers, dates, names, any short text) and the long text columns (results,
    headlines) share what is left in proportion to what they hold, wrapping within it."""
    def drawn(text: str, style: ParagraphStyle) -> float:
        return float(pdfmetrics.stringWidth(text, style.fontName, style.fontSize)) + CELL_PADDING

    columns = list(zip(table.headers, *table.rows, strict=True))
    natural = [max(drawn(_text(cell), _pdf_style(cell, styles)) for cell in column) for column in columns]
    least = [max(drawn(_text(cell), _pdf_style(cell, styles)) for cell in column
                 if not isinstance(cell, str) or len(cell) <= KEEP_WHOLE_CHARS) for column in columns]
    spare, growth = width - sum(least), [most - whole for most, whole in zip(natural, least, strict=True)]
    if spare <= 0:  # more columns than a page holds whole: they shrink alike
        return [whole * width / sum(least) for whole in least]
    if sum(growth) <= spare:
        return natural
    return [whole + spare * more / sum(growth) for whole, more in zip(least, growth, strict=True)]
