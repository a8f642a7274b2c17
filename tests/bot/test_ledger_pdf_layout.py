"""The ledger PDF's columns fitted to what they hold: read back as text, no ticket number, date or name is
broken across lines, however long the results written beside them."""

from __future__ import annotations

import io
import re
from dataclasses import replace

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.ledger_files import ledger_pdf
from storage.profile import Profile
from tests.bot.test_ledger import november

Sessions = async_sessionmaker[AsyncSession]
TICKET_NUMBER = re.compile(r"GD\d{8}-\d{4}")
LONG_RESULT = ("已联系物业和施工单位到场检查，更换了二楼至六楼的楼道感应灯和线路，"
               "并请居民确认照明恢复正常，后续每周巡查一次。") * 2


def lines_of(pdf: bytes) -> list[str]:
    return [line for page in PdfReader(io.BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


async def test_every_ticket_number_and_name_stays_whole_on_one_line(sessions: Sessions, profile: Profile) -> None:
    _, ledger = await november(sessions, profile)
    crowded = replace(ledger, tickets=tuple(replace(ticket, result=LONG_RESULT, category=ticket.category * 2,
                                                    assignee_role=ticket.assignee_role * 2)
                                            for ticket in ledger.tickets))

    lines = lines_of(ledger_pdf(crowded))

    numbers = {ticket.number for ticket in crowded.tickets}
    assert len(numbers) >= 5
    whole = {number for line in lines for number in TICKET_NUMBER.findall(line)}
    assert numbers <= whole
    assert [line for line in lines if re.search(r"(?:^|\s)GD\d{0,7}$|^\d{0,8}-\d{4}", line)] == []
    for ticket in crowded.tickets:
        assert any(ticket.assignee in line for line in lines), ticket.assignee
        assert any(f"{ticket.created:%Y-%m-%d}" in line or f"{ticket.created.astimezone(profile.timezone):%Y-%m-%d}"
                   in line for line in lines)
