"""The `frontdoor` command as a newcomer uses it: migrate, load, chat in the terminal."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import uvicorn

import bot.app
from bot.settings import Settings
from tests.cli import frontdoor, frontdoor_process
from tests.conftest import DEMO_PROFILE, NLU_DATA


def test_terminal_chat_asks_for_the_building_then_opens_a_ticket(tmp_path: Path, nlu_model: Path) -> None:
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
           "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200"}

    assert frontdoor("db", "upgrade", env=env).returncode == 0
    loaded = frontdoor("profile", "load", env=env)
    chat = frontdoor("chat", "--as", "t-1", "--community", "baiyang", env=env,
                     stdin="楼道灯坏了好几天，晚上看不见路\n1\n")

    assert "103 buildings" not in loaded.stdout
    assert "133 buildings" in loaded.stdout
    assert chat.returncode == 0, chat.stderr
    # The lighting complaint names no building: the bot asks, and a bare number answers it.
    asked, _, answered = chat.stdout.partition("几栋几单元")
    assert "编号 GD" not in asked
    assert "编号 GD" in answered
    assert "白杨社区1栋" in answered


def test_terminal_chat_number_picks_a_choice(tmp_path: Path, nlu_model: Path) -> None:
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
           "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200"}
    frontdoor("db", "upgrade", env=env)

    chat = frontdoor("chat", "--as", "t-2", "--community", "qingshui", env=env,
                     stdin="你好\n1\n8栋下水道堵了好几天了\n")

    assert chat.returncode == 0, chat.stderr
    assert "什么问题" in chat.stdout
    assert "编号 GD" in chat.stdout
    assert "青水社区8栋" in chat.stdout


def test_terminal_chat_on_a_database_never_migrated_migrates_it_as_serve_does(tmp_path: Path, nlu_model: Path) -> None:
    """`frontdoor chat` on a new database printed a traceback (no such table, taken for an outage) at the first
    message; `serve` migrates first, and so does `chat` now."""
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
           "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200"}

    chat = frontdoor("chat", "--as", "t-new", "--community", "baiyang", env=env, stdin="3栋楼道灯坏了\n")

    assert chat.returncode == 0, chat.stderr
    assert "白杨社区3栋" in chat.stdout


def test_outbox_undeliverable_lists_what_no_platform_took(tmp_path: Path) -> None:
    """As a process of its own, as an operator runs it: `python -m bot.cli` starts and reads its settings."""
    database = tmp_path / "outbox.db"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0  # in this process: only the listing is the point
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO outbox (kind, payload, priority, attempts, available_at, created_at, "
                   "undeliverable_reason) VALUES ('wechat_reply', '{\"text\": \"证明已开好\"}', 100, 0, "
                   "'2026-11-23 02:00:00', '2026-11-23 02:00:00', 'outside_48h_window_without_consent')")
        db.execute("INSERT INTO outbox (kind, payload, priority, attempts, available_at, created_at) "
                   "VALUES ('wechat_reply', '{\"text\": \"还在等\"}', 100, 0, '2026-11-23 02:00:00', "
                   "'2026-11-23 02:00:00')")

    listed = frontdoor_process("outbox", "undeliverable", env=env)

    assert listed.returncode == 0, listed.stderr
    assert "outside_48h_window_without_consent" in listed.stdout
    assert "证明已开好" in listed.stdout
    assert "还在等" not in listed.stdout


def test_staff_link_code_prints_a_code_for_a_known_staff_member_only(tmp_path: Path) -> None:
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'staff.db'}",
           "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0

    issued = frontdoor("staff", "link", "by-area-01", env=env)
    unknown = frontdoor("staff", "link", "nobody", env=env)

    assert issued.returncode == 0, issued.stderr
    assert re.match(r"^[A-Z2-9]{8}  ", issued.stdout)
    assert unknown.returncode == 1
    assert "nobody" in unknown.stderr


def test_calendar_check_says_whether_a_year_is_known_and_the_profile_can_fill_one_in(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, profile)
    env = {**os.environ, "FRONTDOOR_PROFILE_DIR": str(profile), "COLUMNS": "300"}

    known = frontdoor("calendar", "check", "2026", env=env)
    unknown = frontdoor("calendar", "check", "2031", env=env)
    (profile / "calendar.yaml").write_text("holidays: [2031-01-01]\nworkdays: [2031-01-05]\n", encoding="utf-8")
    filled = frontdoor("calendar", "check", "2031", env=env)

    assert (known.returncode, unknown.returncode, filled.returncode) == (0, 1, 0)
    assert "2026: known" in known.stdout
    assert "2031: not known" in unknown.stdout
    assert "2 day(s)" in filled.stdout


@pytest.mark.usefixtures("logging_restored")
@pytest.mark.parametrize(("public_url", "linked"), [
    (None, "http://127.0.0.1:8765"),
    ("https://frontdoor.example.org", "https://frontdoor.example.org"),
])
def test_serve_on_another_port_links_where_it_listens_unless_told_the_public_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, public_url: str | None, linked: str) -> None:
    """`frontdoor serve --port 8765` with no public address configured: a guide's form links point at the server
    that gives them, not at the default port where nothing listens (that the app serves the forms at its own
    address is `tests/web/test_policy_answers_over_http.py`)."""
    served: list[Settings] = []
    monkeypatch.setattr(bot.app, "create_app", lambda settings: served.append(settings))
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: None)
    env = {"FRONTDOOR_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}", "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE)}
    if public_url is None:
        monkeypatch.delenv("FRONTDOOR_PUBLIC_URL", raising=False)
    else:
        env["FRONTDOOR_PUBLIC_URL"] = public_url

    assert frontdoor("serve", "--port", "8765", env=env).returncode == 0

    [settings] = served
    assert settings.public_url == linked
