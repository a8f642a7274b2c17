"""No personal data in the logs or in broadcasts. A resident's ID number, mobile and unit and room,
sent through the web chat, WeChat and Telegram and looked up through Open311, appear in no log record
made while the app handles them: captured at DEBUG over the whole of it (uvicorn's access log, the
pipeline, the channels, the in-app worker sending the replies), with logging set up as `frontdoor
serve` sets it up. The masking itself, and that every command that logs sets it up. A notice or its
withdrawal naming such numbers or a household's room is refused."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.privacy.log_masking import PersonalDataFilter, configure_logging, mask_personal_data
from tests.attacks.arena import TELEGRAM_TOKEN, Arena
from tests.attacks.callbacks import WeChat, new_msg_id, post_update, telegram_update
from tests.channels.wechat_server import text_xml
from tests.web.open311.support import ID_NUMBER, V2
from tests.web.test_console_notices import ANNOUNCEMENT

MOBILE = "13812345678"
ROOM = "2单元501室"
MESSAGE = f"11栋{ROOM}楼道里的下水道堵了，我的身份证{ID_NUMBER}，电话{MOBILE}"
SECRETS = (ID_NUMBER, MOBILE, ID_NUMBER[6:14], MOBILE[3:], "2单元", "501室")
"""The numbers, their telling parts (a birth date, a mobile's last eight digits), and the unit and room."""


@pytest.fixture
def masked_logging(logging_restored: None) -> io.StringIO:
    """Logging as `frontdoor serve` configures it, written to a buffer; put back as it was afterwards."""
    written = io.StringIO()
    configure_logging(logging.DEBUG, written)
    return written


def everything_logged(caplog: pytest.LogCaptureFixture, written: io.StringIO) -> str:
    records = [f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records]
    return "\n".join([*records, written.getvalue()])


def test_a_residents_personal_data_is_in_no_log_record_on_any_channel(
        arena: Arena, masked_logging: io.StringIO, caplog: pytest.LogCaptureFixture) -> None:
    telegram_chat = 640_001
    with caplog.at_level(logging.DEBUG), arena.anonymous() as client:
        chat = client.post("/api/chat", json={"sender_id": "log-web", "text": MESSAGE, "community": "baiyang"})
        safe_mode = WeChat.of(arena, client)
        wechat = safe_mode.post_aes(*safe_mode.aes_request(text_xml("openid-log", MESSAGE, new_msg_id())))
        telegram = post_update(client, telegram_update(telegram_chat, MESSAGE))
        looked_up = client.get(f"{V2}/requests.json", params={"service_request_id": MOBILE})
        by_id = client.get(f"{V2}/requests/{ID_NUMBER}.json")
        by_room = client.get(f"{V2}/requests/11栋{ROOM}.json")
        arena.telegram_api.wait_for(lambda: len(arena.telegram_api.sent_messages(telegram_chat)) >= 1, timeout=10)
    logged = everything_logged(caplog, masked_logging)

    assert [r.status_code for r in (chat, wechat, telegram, looked_up, by_id, by_room)] == [200] * 4 + [404] * 2
    assert [line for line in logged.splitlines() if any(secret in line for secret in SECRETS)] == []
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any(f"{V2}/requests.json?service_request_id=*********** " in line for line in access), access
    assert any(f"{V2}/requests/110101********1233.json " in line for line in access), access
    assert any(f"{V2}/requests/11栋.json " in line for line in access), access
    assert any("POST /telegram/webhook " in line for line in access)
    wechat_lines = [line for line in access if "POST /wechat?" in line]
    assert wechat_lines, access
    assert all("signature=***" in line and not re.search(r"signature=(?!\*\*\*)", line) for line in wechat_lines)
    assert TELEGRAM_TOKEN not in logged  # the bot's token is in every Bot API URL httpx logs
    assert "/bot***/sendMessage" in logged


def test_a_logged_exception_and_its_traceback_are_masked(masked_logging: io.StringIO,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        try:
            raise ValueError(f"no resident with phone {MOBILE} and ID {ID_NUMBER}")
        except ValueError:
            logging.getLogger("bot.test").exception("lookup for %s failed", MESSAGE)
        logging.getLogger("bot.test").warning("stack", stack_info=True, extra={"phone": MOBILE})
    logged = everything_logged(caplog, masked_logging)

    assert "ValueError: no resident with phone ***********" in logged
    assert "Traceback" in logged
    assert [secret for secret in SECRETS if secret in logged] == []


@pytest.mark.parametrize(("text", "masked"), [
    (f"身份证{ID_NUMBER}", "身份证110101********1233"),
    ("身份证110101199003071234", "身份证******************"),  # a wrong check digit still names someone
    (f"电话{MOBILE}", "电话***********"),
    ("电话+86 138 1234 5678", "电话+** *** **** ****"),
    ("座机0571-87654321", "座机****-********"),
    (f"住11栋{ROOM}", "住11栋"),
    ("3-2-501", "3栋"),
    ("GD20261123-0001 closed", "GD20261123-0001 closed"),
    ("POST https://api.telegram.org/bot123456:ABC-def_ghi/sendMessage",
     "POST https://api.telegram.org/bot***/sendMessage"),
    ("GET /cgi-bin/message/custom/send?access_token=TOKEN_1&x=1",
     "GET /cgi-bin/message/custom/send?access_token=***&x=1"),
    ("outbox 12 sent to 3 recipients", "outbox 12 sent to 3 recipients"),
    ('"POST /wechat?signature=0f1e2d&timestamp=1764897425&nonce=abc&encrypt_type=aes&msg_signature=9a8b" 200',
     '"POST /wechat?signature=***&timestamp=**********&nonce=abc&encrypt_type=aes&msg_signature=***" 200'),
    ("GET /wecom?msg_signature=77aa&timestamp=1&nonce=2&echostr=Zm9v%2B",
     "GET /wecom?msg_signature=***&timestamp=1&nonce=2&echostr=***"),
])
def test_mask_personal_data(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


def test_the_filter_masks_the_message_made_from_msg_and_args() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "resident %s wrote %r", (MOBILE, {"id": ID_NUMBER}),
                               None)
    plain = logging.LogRecord("bot", logging.INFO, __file__, 1, "outbox %d sent", (12,), None)
    broken = logging.LogRecord("bot", logging.INFO, __file__, 1, "two %s %s", (MOBILE,), None)

    kept = [PersonalDataFilter().filter(r) for r in (record, plain, broken)]

    assert kept == [True, True, True]
    assert record.getMessage() == "resident *********** wrote {'id': '110101********1233'}"
    assert (plain.msg, plain.args) == ("outbox %d sent", (12,))  # nothing to mask: left as it was
    assert broken.args == (MOBILE,)  # a malformed call is left for the handler to report


def masks_records_as_they_are_made() -> bool:
    record = logging.getLogger("bot.test").makeRecord("bot.test", logging.INFO, __file__, 1, "phone %s", (MOBILE,),
                                                      None)
    return MOBILE not in record.getMessage()


def test_serve_sets_up_masked_logging_and_uvicorn_adds_no_handlers_of_its_own(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, nlu_model: Path, masked_logging: io.StringIO) -> None:
    import uvicorn

    from bot.cli.main import app

    served: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: served.append({"target": target, **options}))
    monkeypatch.setenv("FRONTDOOR_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite'}")
    monkeypatch.setenv("FRONTDOOR_NLU_MODEL", str(nlu_model))
    monkeypatch.setenv("FRONTDOOR_SYNC_PROFILE_ON_START", "true")  # `--workers` changes it: put back after
    masked = []
    for arguments in (["serve"], ["serve", "--workers", "2"]):
        logging.setLogRecordFactory(logging.LogRecord)  # as a fresh process has it
        assert not masks_records_as_they_are_made()
        ran = CliRunner().invoke(app, arguments)
        assert ran.exit_code == 0, ran.output
        masked.append(masks_records_as_they_are_made())

    assert masked == [True, True]
    assert [options["log_config"] for options in served] == [None, None]
    assert served[1]["target"] == "bot.web.processes:app_from_environment"


def test_each_server_process_sets_up_masked_logging(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    masked_logging: io.StringIO,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from bot.web.processes import app_from_environment

    monkeypatch.setenv("FRONTDOOR_DATABASE_URL", f"sqlite:///{tmp_path / 'worker.sqlite'}")
    logging.setLogRecordFactory(logging.LogRecord)  # as a process uvicorn has just started has it

    app_from_environment()
    with caplog.at_level(logging.INFO):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET",
                                                 f"/open311/v2/requests.json?service_request_id={MOBILE}", "1.1", 200)

    assert MOBILE not in caplog.text
    assert "service_request_id=***********" in caplog.text


def test_the_worker_command_sets_up_masked_logging(monkeypatch: pytest.MonkeyPatch,
                                                   masked_logging: io.StringIO) -> None:
    import bot.workers.worker
    from bot.cli.main import app

    async def a_worker_that_logs(*_: object) -> None:
        logging.getLogger("bot.workers.worker").warning("resident %s", MOBILE)

    monkeypatch.setattr(bot.workers.worker, "serve_worker", a_worker_that_logs)
    logging.setLogRecordFactory(logging.LogRecord)

    ran = CliRunner().invoke(app, ["worker"])

    assert ran.exit_code == 0, ran.output
    assert "resident ***********" in ran.output
    assert masks_records_as_they_are_made()


# --- broadcasts


@pytest.mark.parametrize(("field", "leak"), [
    ("body", f"有事请找身份证{ID_NUMBER}的王女士"),
    ("headline", "110101199003071234挪车"),  # a wrong check digit still names someone
    ("instruction", f"联系电话{MOBILE}"), ("body", f"11栋{ROOM}门口的电动车请挪走"),
])
def test_a_notice_naming_a_residents_numbers_or_room_is_refused_and_not_stored(arena: Arena, field: str,
                                                                              leak: str) -> None:
    client, token = arena.staff("by-sec-01"), arena.csrf("by-sec-01")
    before = arena.table_counts()["notices"]

    refused = client.post("/console/notices", data={**ANNOUNCEMENT, field: leak, "csrf_token": token})
    stairwell = client.post("/console/notices/preview", data={**ANNOUNCEMENT, "body": "11栋2单元楼道今晚停电",
                                                               "csrf_token": token})

    assert refused.status_code == 422
    assert "通知不能含个人信息" in refused.text
    assert arena.table_counts()["notices"] == before
    assert stairwell.status_code == 200  # a stairwell names no household


def test_a_withdrawal_naming_a_residents_mobile_is_refused(arena: Arena) -> None:
    """A sent notice is withdrawn with a CAP Cancel to everyone it reached, whose text is the reason."""
    client, token = arena.staff("by-sec-01"), arena.csrf("by-sec-01")
    page = client.post("/console/notices", data={**ANNOUNCEMENT, "csrf_token": token}).headers["location"]
    assert client.post(f"{page}/send", data={"csrf_token": token}).status_code == 303
    before = arena.table_counts()["notices"]

    refused = client.post(f"{page}/cancel", data={"reason": f"{MOBILE}的住户说写错了", "csrf_token": token})

    assert refused.status_code == 422
    assert arena.table_counts()["notices"] == before
    assert "已发送" in client.get(page).text
