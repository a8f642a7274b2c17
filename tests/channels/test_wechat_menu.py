"""The official account's menu: checked on load like the rest of the profile, rendered as menu/create
takes it, pushed with `frontdoor wechat menu push`, and a press read as the need it names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.channels.wechat.menu import payload_for_click, render_menu
from bot.cli.main import app
from bot.conversation.pipeline import Pipeline
from bot.conversation.profile_check import load_checked_profile
from nlu.payloads import read_button_payload
from storage.profile import Profile, ProfileError, load_profile
from tests.bot.transcript import Resident
from tests.conftest import DEMO_PROFILE
from tests.fakes.wechat_api import FakeWeChatAPI

FRAUD_KEY = 'safety_tip{"topic": "fraud"}'


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the demo profile whose menu a test rewrites."""
    target = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, target)
    return target


def write_menu(profile_dir: Path, yaml_text: str) -> Path:
    path = profile_dir / "wechat_menu.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return path


def load_error(profile_dir: Path) -> str:
    with pytest.raises(ProfileError) as raised:
        load_checked_profile(profile_dir)
    return str(raised.value)


def frontdoor(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


# Checked on load


def test_a_profile_without_the_file_has_no_menu(copy: Path) -> None:
    (copy / "wechat_menu.yaml").unlink()

    assert load_profile(copy).wechat_menu is None


def test_a_fourth_top_level_button_is_refused(copy: Path) -> None:
    path = write_menu(copy, "buttons:\n" + "".join(f"  - {{name: 按钮{n}, key: greet}}\n" for n in range(4)))

    assert load_error(copy) == f"{path}: buttons: WeChat allows 1 to 3 top-level buttons, not 4"


def test_a_sixth_sub_button_is_refused(copy: Path) -> None:
    subs = "".join(f"      - {{name: 按钮{n}, key: greet}}\n" for n in range(6))
    path = write_menu(copy, f"buttons:\n  - name: 办事\n    sub_buttons:\n{subs}")

    assert load_error(copy) == f"{path}: buttons[0].sub_buttons: WeChat allows at most 5 buttons in a sub-menu, not 6"


@pytest.mark.parametrize(("menu", "field", "name", "limits"), [
    ("  - {name: 社区办事大厅, key: greet}\n", "buttons[0].name", "社区办事大厅",
     "top-level button: at most 4 Chinese characters (8 Latin letters) and 16 bytes"),
    ("  - {name: Services, key: greet}\n  - {name: Community, key: greet}\n", "buttons[1].name", "Community",
     "top-level button: at most 4 Chinese characters (8 Latin letters) and 16 bytes"),
    ("  - name: 办事\n    sub_buttons:\n      - {name: 开居住证明和困难证明, key: certificate_request}\n",
     "buttons[0].sub_buttons[0].name", "开居住证明和困难证明",
     "sub-menu button: at most 8 Chinese characters (16 Latin letters) and 60 bytes"),
])
def test_a_name_wechat_would_cut_is_refused(copy: Path, menu: str, field: str, name: str, limits: str) -> None:
    path = write_menu(copy, f"buttons:\n{menu}")

    assert load_error(copy) == f"{path}: {field}: '{name}' is too long for a {limits}"


def test_a_key_no_handler_answers_is_refused_with_the_nearest_intent(copy: Path) -> None:
    path = write_menu(copy, "buttons:\n  - name: 办事\n    sub_buttons:\n"
                            "      - {name: 开证明, key: certificate_request}\n"
                            "      - {name: 预约, key: appointment_booking}\n")

    assert load_error(copy) == (f"{path}: buttons[0].sub_buttons[1].key: no handler answers intent "
                                "'appointment_booking'; did you mean 'appointment_book'?")


@pytest.mark.parametrize(("key", "problem"), [
    ("safety_tip{topic: fire}", "is not an intent, optionally with entities"),
    ('safety_tip{"topic": "' + "f" * 120 + '"}', "is longer than 128 bytes"),
])
def test_a_key_that_is_not_a_button_payload_is_refused(copy: Path, key: str, problem: str) -> None:
    path = write_menu(copy, f"buttons:\n  - name: 安全\n    key: '{key}'\n")

    assert load_error(copy).startswith(f"{path}: buttons[0].key: '{key}' ")
    assert problem in load_error(copy)


def test_a_view_button_without_url_is_refused(copy: Path) -> None:
    path = write_menu(copy, "buttons:\n  - name: 办事\n    sub_buttons:\n"
                            "      - {name: 开证明, key: certificate_request}\n"
                            "      - {name: 办事指南, type: view}\n")

    assert load_error(copy) == f"{path}: buttons[0].sub_buttons[1].url: a view button needs a url"


def test_a_click_button_without_key_is_refused(copy: Path) -> None:
    path = write_menu(copy, "buttons:\n  - {name: 办事}\n")

    assert load_error(copy) == (f"{path}: buttons[0].key: a click button needs a key: "
                                "an intent such as certificate_request")


# Rendered for menu/create


def test_demo_menu_renders_as_menu_create_takes_it(profile: Profile) -> None:
    assert profile.wechat_menu is not None
    body = render_menu(profile.wechat_menu)

    assert [(top["name"], [sub["name"] for sub in top["sub_button"]]) for top in body["button"]] == [
        ("办事", ["开证明", "预约办事", "取消预约", "政策咨询"]),
        ("我要反映", ["反映问题", "匿名线索", "转人工"]),
        ("我的", ["我的事项", "安全提醒", "防诈骗", "订阅通知"]),
    ]
    assert body["button"][0]["sub_button"][0] == {"type": "click", "name": "开证明", "key": "certificate_request"}
    assert body["button"][2]["sub_button"][2] == {"type": "click", "name": "防诈骗", "key": FRAUD_KEY}
    assert all("type" not in top and "key" not in top for top in body["button"])


def test_view_and_single_buttons_render_without_sub_button(copy: Path) -> None:
    write_menu(copy, "buttons:\n  - {name: 转人工, key: human_handoff}\n"
                     "  - {name: 指南, type: view, url: 'https://example.org/guide'}\n")
    menu = load_profile(copy).wechat_menu
    assert menu is not None

    assert render_menu(menu) == {"button": [
        {"type": "click", "name": "转人工", "key": "human_handoff"},
        {"type": "view", "name": "指南", "url": "https://example.org/guide"},
    ]}


# A press


def test_a_click_key_stands_for_its_button_payload(profile: Profile) -> None:
    assert payload_for_click(profile.wechat_menu, "certificate_request") == "/certificate_request"
    assert read_button_payload(payload_for_click(profile.wechat_menu, FRAUD_KEY) or "") == (
        "safety_tip", {"topic": "fraud"})


def test_a_key_not_in_the_menu_stands_for_nothing(profile: Profile) -> None:
    assert payload_for_click(profile.wechat_menu, "emergency") is None
    assert payload_for_click(None, "certificate_request") is None


async def test_a_menu_press_reaches_the_need_it_names(pipeline: Pipeline, profile: Profile) -> None:
    resident = Resident(pipeline, "wx-menu")

    fraud = await resident.say(payload_for_click(profile.wechat_menu, FRAUD_KEY) or "")
    certificate = await resident.say(payload_for_click(profile.wechat_menu, "certificate_request") or "")

    assert "【电信诈骗安全提醒】" in fraud[0].text
    assert "证明" in certificate[0].text


# The command


def test_show_prints_the_body_without_calling_wechat(profile: Profile) -> None:
    assert profile.wechat_menu is not None
    with FakeWeChatAPI() as api:
        result = frontdoor("wechat", "menu", "show", "--profile", str(DEMO_PROFILE),
                           env={"FRONTDOOR_WECHAT_API_BASE": api.base_url})

        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == render_menu(profile.wechat_menu)
        assert api.calls == []


def test_show_says_when_the_profile_has_no_menu(copy: Path) -> None:
    (copy / "wechat_menu.yaml").unlink()

    result = frontdoor("wechat", "menu", "show", "--profile", str(copy))

    assert result.exit_code == 1
    assert "wechat_menu.yaml: no such file, so the profile has no menu" in result.stderr


def push_env(api: FakeWeChatAPI, database_url: str) -> dict[str, str]:
    return {"FRONTDOOR_WECHAT_API_BASE": api.base_url, "FRONTDOOR_WECHAT_APP_ID": api.appid,
            "FRONTDOOR_WECHAT_APP_SECRET": api.secret, "FRONTDOOR_DATABASE_URL": database_url,
            "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE)}


def test_push_creates_the_profile_menu_on_the_account(database_url: str, profile: Profile) -> None:
    assert profile.wechat_menu is not None
    with FakeWeChatAPI() as api:
        result = frontdoor("wechat", "menu", "push", env=push_env(api, database_url))

        assert result.exit_code == 0, result.output
        assert api.menu == render_menu(profile.wechat_menu)
        assert api.token_requests == 1
    assert "3 top-level buttons" in result.stdout


def test_a_refused_push_exits_1_with_wechats_error(database_url: str) -> None:
    with FakeWeChatAPI() as api:
        api.fail_next("/cgi-bin/menu/create", 40016)

        result = frontdoor("wechat", "menu", "push", env=push_env(api, database_url))

        assert result.exit_code == 1
        assert "WeChat refused the push: errcode 40016, invalid button size" in result.stderr
        assert api.menu is None


def test_a_push_with_a_wrong_secret_exits_1_with_wechats_error(database_url: str) -> None:
    with FakeWeChatAPI() as api:
        result = frontdoor("wechat", "menu", "push",
                           env={**push_env(api, database_url), "FRONTDOOR_WECHAT_APP_SECRET": "wrong"})

    assert result.exit_code == 1
    assert "errcode 40125, invalid appsecret" in result.stderr


def test_a_push_that_cannot_reach_wechat_exits_1(database_url: str) -> None:
    with FakeWeChatAPI() as api:
        env = push_env(api, database_url)
    # The fake has stopped: nothing listens at its address any more.

    result = frontdoor("wechat", "menu", "push", env=env)

    assert result.exit_code == 1
    assert f"could not reach WeChat at {env['FRONTDOOR_WECHAT_API_BASE']}" in result.stderr
    assert env["FRONTDOOR_WECHAT_APP_SECRET"] not in result.stderr  # the token request's URL carries it


def test_a_push_without_the_token_table_says_to_migrate(tmp_path: Path) -> None:
    with FakeWeChatAPI() as api:
        result = frontdoor("wechat", "menu", "push", env=push_env(api, f"sqlite:///{tmp_path / 'new.sqlite'}"))

        assert result.exit_code == 1
        assert "has `frontdoor db upgrade` run?" in result.stderr
        assert api.calls == []
