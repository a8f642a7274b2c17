"""Notices in the console over real HTTP: the live preview as residents will read it and whom it
reaches, the two approvals a security forecast needs before it can go, sending and the delivery
report, and forms posted without their CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.wording import Wording
from storage.models import Notice
from storage.profile import Profile
from tests.subscribers import seed_subscribers
from tests.web.conftest import APP_CLOCK
from tests.web.seeding import in_database
from tests.web.test_console import csrf_of, give_passwords, signed_in

FORECAST: dict[str, str | list[str]] = {
    "kind": "forecast", "period": "2026年11月16日至22日", "area_keys": ["a1"],
    "case_kind": ["telecom_fraud", "burglary", "", "", "", ""], "case_count": ["4", "1", "", "", "", ""],
    "case_last": ["2", "1", "", "", "", ""],
    "police_actions": "enforcement|11月18日查处一起楼道内为电动自行车飞线充电的行为。\n"
                      "调解结果|5栋噪音纠纷经调解双方达成一致。",
    "extra_precautions": "年底快递多，冒充快递客服索要验证码的都是诈骗。",
}
ANNOUNCEMENT = {"kind": "announcement", "headline": "12月1日起东门施工", "body": "东门道路施工两周，车辆请走南门。",
                "instruction": "施工期间请看护好孩子。"}


def seed_forecast_subscribers(database_url: str) -> None:
    """Three subscribers in 东一片 (buildings 1-3), two in 南片 (building 40)."""
    async def seed(session: AsyncSession) -> None:
        await seed_subscribers(session, "baiyang", "security_forecast", 3, buildings=["1", "2", "3"])
        await seed_subscribers(session, "baiyang", "security_forecast", 2, buildings=["40"], first_account=6_000_000)

    in_database(database_url, seed)


def notice_count(database_url: str) -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Notice)) or 0)

    return in_database(database_url, count)


def compose_token(client: httpx.Client, kind: str = "forecast") -> str:
    page = client.get(f"/console/notices/new?kind={kind}")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def create_forecast(client: httpx.Client) -> tuple[int, str]:
    token = compose_token(client)
    created = client.post("/console/notices", data={**FORECAST, "csrf_token": token})
    assert created.status_code == 303, created.text
    found = re.fullmatch(r"/console/notices/(\d+)", created.headers["location"])
    assert found is not None
    return int(found.group(1)), token


def test_the_preview_shows_what_residents_read_and_how_many_it_reaches(
        server: str, database_url: str, profile: Profile) -> None:
    give_passwords(database_url, "by-police-01")
    seed_forecast_subscribers(database_url)
    never_asks = Wording(profile, "baiyang").render("notice_never_asks_money")

    with signed_in(server, "by-police-01") as client:
        token = compose_token(client)
        forecast = client.post("/console/notices/preview", data={**FORECAST, "csrf_token": token})
        announcement = client.post("/console/notices/preview", data={**ANNOUNCEMENT, "csrf_token": token})
        with_phone = client.post("/console/notices/preview",
                                 data={**ANNOUNCEMENT, "body": "有事请打13812345678", "csrf_token": token})

    assert forecast.status_code == 200, forecast.text
    seen = forecast.json()
    assert seen["text"].endswith(never_asks)
    assert "电信网络诈骗：本期4起，上期2起，上升2起" in seen["text"]
    assert "执法公告：11月18日" in seen["text"]
    assert seen["recipients"] == 3  # 东一片 only; 南片's two are not in the target
    assert seen["approvals"] == "社区民警、社区书记"
    assert announcement.json()["recipients"] == 0  # nobody subscribed to announcements
    assert announcement.json()["text"].endswith(never_asks)
    assert with_phone.status_code == 422
    assert "手机号" in with_phone.json()["problem"]
    assert notice_count(database_url) == 0  # previews write nothing


def test_a_forecast_is_sent_only_after_police_and_secretary_approve_and_the_report_counts_recipients(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-police-01", "by-sec-01")
    seed_forecast_subscribers(database_url)

    with signed_in(server, "by-police-01") as police, signed_in(server, "by-sec-01") as secretary:
        notice_id, token = create_forecast(police)
        draft = police.get(f"/console/notices/{notice_id}")
        too_early = police.post(f"/console/notices/{notice_id}/send", data={"csrf_token": token})
        police_approves = police.post(f"/console/notices/{notice_id}/approve", data={"csrf_token": token})
        half_approved = secretary.get(f"/console/notices/{notice_id}")
        secretary_approves = secretary.post(f"/console/notices/{notice_id}/approve",
                                            data={"csrf_token": csrf_of(half_approved.text)})
        sent = police.post(f"/console/notices/{notice_id}/send", data={"csrf_token": token})
        report = police.get(f"/console/notices/{notice_id}/report.json").json()
        listed = police.get("/console/notices")

    assert "【治安形势预报】" in draft.text
    assert "还需审核：社区民警、社区书记" in draft.text
    assert too_early.status_code == 409
    assert "社区民警、社区书记" in too_early.text
    assert (police_approves.status_code, secretary_approves.status_code, sent.status_code) == (303, 303, 303)
    assert "还需审核：社区书记" in half_approved.text
    assert report["stage"] == "sent"
    assert report["recipients"] == 3
    assert (report["pending"], report["sent"], report["not_delivered"]) == (3, 0, 0)
    assert f'href="/console/notices/{notice_id}"' in listed.text
    assert "已发送" in listed.text


def test_a_notice_can_be_scheduled_in_the_district_time_and_cancelled_with_a_reason(
        server: str, database_url: str) -> None:
    give_passwords(database_url, "by-sec-01")
    tomorrow = local_time(days=1)

    with signed_in(server, "by-sec-01") as client:
        token = compose_token(client, "announcement")
        created = client.post("/console/notices", data={**ANNOUNCEMENT, "csrf_token": token})
        page = created.headers["location"]
        past = client.post(f"{page}/schedule", data={"csrf_token": token, "send_at": "2020-01-01T09:00"})
        expired = client.post(f"{page}/schedule", data={"csrf_token": token, "send_at": local_time(days=8)})
        scheduled = client.post(f"{page}/schedule", data={"csrf_token": token, "send_at": tomorrow})
        shown = client.get(page)
        cancelled = client.post(f"{page}/cancel", data={"csrf_token": token, "reason": "施工推迟"})
        after = client.get(page)

    assert created.status_code == 303
    assert past.status_code == 422
    assert "发送时间须在现在之后" in past.text
    assert expired.status_code == 422  # an announcement is in force 7 days
    assert scheduled.status_code == 303
    assert f"定时发送于 {tomorrow.replace('T', ' ')}" in shown.text
    assert cancelled.status_code == 303
    assert "已撤回" in after.text


def local_time(days: int) -> str:
    """A `datetime-local` value that many days ahead, in the district's time zone (Asia/Shanghai)."""
    return (APP_CLOCK() + timedelta(days=days)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_a_building_lead_may_not_write_notices(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-bld-01")

    with signed_in(server, "by-bld-01") as client:
        compose = client.get("/console/notices/new?kind=announcement")
        listed = client.get("/console/notices")
        preview = client.post("/console/notices/preview", data={**ANNOUNCEMENT, "csrf_token": csrf_of(listed.text)})

    assert compose.status_code == 403
    assert listed.status_code == 200
    assert "写社区公告" not in listed.text
    assert preview.status_code == 403


def test_notice_forms_without_their_csrf_token_are_refused(server: str, database_url: str) -> None:
    give_passwords(database_url, "by-police-01", "by-sec-01")

    with signed_in(server, "by-sec-01") as client:
        preview = client.post("/console/notices/preview", data=FORECAST)
        create = client.post("/console/notices", data={**FORECAST, "csrf_token": "forged"})
        notice_id, _ = create_forecast(client)
        approve = client.post(f"/console/notices/{notice_id}/approve", data={})
        send = client.post(f"/console/notices/{notice_id}/send", data={})
        cancel = client.post(f"/console/notices/{notice_id}/cancel", data={"reason": "不发了"})
        still = client.get(f"/console/notices/{notice_id}")

    assert [r.status_code for r in (preview, create, approve, send, cancel)] == [403] * 5
    assert notice_count(database_url) == 1  # only the one created with its token
    assert "草稿" in still.text
    assert "社区民警、社区书记" in still.text  # the approval without a token did not count


def test_staff_of_another_community_can_neither_see_nor_touch_a_notice(server: str, database_url: str) -> None:
    give_passwords(database_url, "qs-sec-01", "by-sec-01")

    with signed_in(server, "qs-sec-01") as qingshui, signed_in(server, "by-sec-01") as baiyang:
        own_token = compose_token(qingshui, "announcement")
        created = qingshui.post("/console/notices", data={**ANNOUNCEMENT, "csrf_token": own_token})
        page = created.headers["location"]
        token = csrf_of(baiyang.get("/console/notices").text)
        seen = baiyang.get(page)
        report = baiyang.get(f"{page}/report.json")
        cancel = baiyang.post(f"{page}/cancel", data={"csrf_token": token, "reason": "不是我们社区的"})
        listed = baiyang.get("/console/notices")

    assert (seen.status_code, report.status_code, cancel.status_code) == (403, 403, 403)
    assert "东门施工" not in listed.text
