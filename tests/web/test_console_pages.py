"""The console's other pages over real HTTP: clues for the police only (each read audited), the
audit log and roster for admins only, the dashboard and ledger, and filter values that try SQL."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.accounts import add_console_staff
from storage.models import AuditEntry, Community, Staff
from storage.profile import Profile
from storage.repositories.clues import add_clue
from tests.web.conftest import APP_CLOCK
from tests.web.seeding import in_database
from tests.web.test_console import PASSWORD, give_passwords, open_ticket, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seed_clue(database_url: str, profile: Profile) -> tuple[int, str]:
    async def add(session: AsyncSession) -> tuple[int, str]:
        baiyang = (await session.scalars(select(Community).where(Community.key == "baiyang"))).one()
        clue = await add_clue(session, community_id=baiyang.id, text="12栋地下室每晚有人聚众赌博", category="gambling",
                              prefix="XS", timezone=profile.timezone, now=APP_CLOCK())
        assert clue.receipt is not None
        return clue.id, clue.receipt

    return in_database(database_url, add, APP_CLOCK)


def clue_reads(database_url: str, clue_id: int) -> list[str | None]:
    """Who (by staff key) read the clue, per the audit log."""
    async def read(session: AsyncSession) -> list[str | None]:
        query = (select(Staff.key).select_from(AuditEntry).outerjoin(Staff, Staff.id == AuditEntry.staff_id)
                 .where(AuditEntry.action == "read_clue", AuditEntry.subject == f"clue:{clue_id}"))
        return list(await session.scalars(query))

    return in_database(database_url, read)


def add_admin(database_url: str) -> None:
    async def add(session: AsyncSession) -> None:
        await add_console_staff(session, "admin-01", "系统管理员", "admin", None, PASSWORD)

    in_database(database_url, add)


def test_only_the_police_read_clues_and_each_read_is_audited(
        server: str, database_url: str, profile: Profile) -> None:
    clue_id, receipt = seed_clue(database_url, profile)
    give_passwords(database_url, "by-sec-01", "by-police-01")
    add_admin(database_url)

    with signed_in(server, "by-sec-01") as secretary:
        refused = secretary.get("/console/clues")
    with signed_in(server, "by-police-01") as police:
        inbox = police.get("/console/clues")
    with signed_in(server, "admin-01") as admin:
        log = admin.get("/console/audit")
        admin_clues = admin.get("/console/clues")

    assert refused.status_code == 403
    assert "12栋地下室" not in refused.text
    assert inbox.status_code == 200
    assert "12栋地下室每晚有人聚众赌博" in inbox.text
    assert receipt in inbox.text
    assert "赌博" in inbox.text
    assert clue_reads(database_url, clue_id) == ["by-police-01"]
    assert log.status_code == 200
    assert f"clue:{clue_id}" in log.text
    assert "查看线索" in log.text
    assert admin_clues.status_code == 403  # an admin manages staff, but only the police read clues


def test_the_audit_log_and_roster_are_for_admins_only(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01", "by-police-01")
    add_admin(database_url)

    with signed_in(server, "by-sec-01") as secretary, signed_in(server, "by-police-01") as police:
        refused = [client.get(page) for client in (secretary, police) for page in ("/console/audit", "/console/staff")]
    with signed_in(server, "admin-01") as admin:
        roster = admin.get("/console/staff")

    assert [r.status_code for r in refused] == [403] * 4
    assert roster.status_code == 200
    row = roster.text.split('data-key="by-sec-01"')[1].split("</tr>")[0]
    assert "白晓东" in row
    assert "社区书记" in row
    assert "白杨社区" in row
    assert "<td>是</td>" in row  # has a password: can sign in
    assert "$argon2" not in roster.text
    assert "<td>否</td>" in roster.text.split('data-key="by-win-01"')[1].split("</tr>")[0]


def test_the_dashboard_draws_charts_for_the_secretary_and_for_an_area_lead(server: str, database_url: str) -> None:
    open_ticket(server)  # building 3: 东一片
    give_passwords(database_url, "by-sec-01", "by-area-01", "by-area-06")

    with signed_in(server, "by-sec-01") as secretary, signed_in(server, "by-area-01") as lead, \
            signed_in(server, "by-area-06") as other_lead:
        community = secretary.get("/console/dashboard")
        area = lead.get("/console/dashboard")
        other_area = other_lead.get("/console/dashboard")
        year = secretary.get("/console/dashboard?from=2026-01-01&to=2026-12-31")

    assert [page.status_code for page in (community, area, other_area, year)] == [200] * 4
    assert community.text.count("<svg") == 8
    assert 'viewBox="0 0 ' in community.text  # scales with the page
    assert "下水道堵塞" in community.text
    assert "东一片" in area.text
    assert "下水道堵塞" in area.text
    assert "下水道堵塞" not in other_area.text
    assert "下载Excel" in community.text
    assert "下载Excel" not in area.text


def test_the_ledger_downloads_for_the_secretary_and_not_for_a_building_lead(server: str, database_url: str) -> None:
    open_ticket(server)
    give_passwords(database_url, "by-sec-01", "by-bld-01")

    with signed_in(server, "by-sec-01") as secretary, signed_in(server, "by-bld-01") as building_lead:
        workbook = secretary.get("/console/ledger.xlsx?month=2026-11")
        document = secretary.get("/console/ledger.pdf?month=2026-11")
        bad_month = secretary.get("/console/ledger.pdf?month=2026-13")
        refused = [building_lead.get(f"/console/ledger.{kind}?month=2026-11") for kind in ("xlsx", "pdf")]

    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    assert workbook.headers["content-disposition"] == 'attachment; filename="ledger-baiyang-2026-11.xlsx"'
    assert workbook.content.startswith(b"PK")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment;")
    assert document.content.startswith(b"%PDF")
    assert bad_month.status_code == 400
    assert [r.status_code for r in refused] == [403, 403]


def test_filter_values_that_look_like_sql_are_harmless(server: str, database_url: str) -> None:
    number = open_ticket(server)  # building 3: 东一片, led by by-area-01
    give_passwords(database_url, "by-area-01", "by-area-06")

    with signed_in(server, "by-area-06") as other, signed_in(server, "by-area-01") as own:
        queues = [other.get("/console/tickets", params=params) for params in (
            {"status": "' OR 1=1 --"}, {"area": "x'--"}, {"area": "a1' OR '1'='1"},
            {"category": "x' UNION SELECT 1 --"})]
        own_queue = own.get("/console/tickets", params={"area": "x'--"})
        dates = [other.get("/console/dashboard", params=params) for params in (
            {"from": "2026-11-01' OR 1=1 --"}, {"to": "x'--"}, {"from": "2026-12-01", "to": "2026-11-01"})]
        widest = other.get("/console/dashboard", params={"from": "2000-01-01", "to": "2030-12-31"})

    assert [q.status_code for q in queues] == [200] * 4
    assert all(number not in q.text for q in queues)
    assert own_queue.status_code == 200
    assert number not in own_queue.text  # no area is called x'--
    assert [d.status_code for d in dates] == [400] * 3
    assert "日期有误" in dates[0].text
    assert widest.status_code == 400  # longer than a year


def test_an_admin_picks_the_community_above_every_form_that_writes_for_one(server: str, database_url: str) -> None:
    add_admin(database_url)

    with signed_in(server, "admin-01") as admin:
        pages = {path: admin.get(f"{path}?community=qingshui")
                 for path in ("/console/notices/new", "/console/publicity/new", "/console/proposals/new",
                              "/console/rota")}

    for path, page in pages.items():
        assert page.status_code == 200, path
        switch = re.search(rf'<form class="filters" method="get" action="{path}">.*?</form>', page.text, re.S)
        assert switch is not None, path
        assert '<option value="qingshui" selected>' in switch.group(0), path
        assert '<option value="baiyang" >' in switch.group(0), path
