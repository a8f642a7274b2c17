"""The spool's file rules: a live process's file is left to it, a dead one's is taken over once, a file of
another database is never replayed here, and a line torn by a kill is skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.channels.spool import FAILED, Spool, Spooled
from bot.core.messages import InboundMessage, Photo, SharedLocation, VoiceNote

DATABASE = "postgresql://postgres@127.0.0.1/frontdoor"


def message(n: int) -> InboundMessage:
    return InboundMessage("wechat", f"openid-{n}", str(7_000 + n), f"第{n}条", datetime(2026, 11, 23, 2, tzinfo=UTC),
                          "baiyang", Photo("media-1", "http://x/p.jpg"), SharedLocation(30.5, 114.3, "3栋"),
                          VoiceNote("voice-1", "amr"))


def test_a_message_is_given_back_whole_and_a_finished_one_is_not(tmp_path: Path) -> None:
    dead = Spool(tmp_path, DATABASE)
    dead.put("k1", message(1), "baiyang")
    dead.put("k2", message(2), None)
    dead.done("k1")
    dead._file.close()  # killed: the lock goes with the process, the file stays

    taker = Spool(tmp_path, DATABASE)
    adopted = taker.take_over()

    assert adopted == [Spooled("k2", message(2), None)]
    assert not dead.path.exists()
    assert taker.holds("k2")
    assert Spool(tmp_path, DATABASE).take_over() == []  # the taker is alive: its file is its own


def test_a_live_process_s_file_and_another_database_s_are_left_alone(tmp_path: Path) -> None:
    alive = Spool(tmp_path, DATABASE)
    alive.put("k1", message(1), "baiyang")
    other = Spool(tmp_path, "sqlite:///elsewhere.db")
    other.put("k9", message(9), None)
    other._file.close()

    assert Spool(tmp_path, DATABASE).take_over() == []
    assert alive.path.exists()
    assert other.path.exists()


def test_a_line_torn_by_a_kill_is_skipped_and_the_rest_is_read(tmp_path: Path) -> None:
    dead = Spool(tmp_path, DATABASE)
    dead.put("k1", message(1), "baiyang")
    dead._file.write('{"put": "k2", "message": {"chan')
    dead._file.close()

    assert [entry.key for entry in Spool(tmp_path, DATABASE).take_over()] == ["k1"]


def test_an_end_that_comes_before_its_message_is_written_keeps_it_out(tmp_path: Path) -> None:
    spool = Spool(tmp_path, DATABASE)
    spool.done("k1")
    spool.put("k1", message(1), "baiyang")
    spool.close()

    assert not spool.path.exists()


def test_a_message_given_up_is_kept_for_a_person_and_leaves_the_spool(tmp_path: Path) -> None:
    spool = Spool(tmp_path, DATABASE)
    spool.put("k1", message(1), "baiyang")
    spool.failed(Spooled("k1", message(1), "baiyang"), "KeyError")
    spool.close()

    [kept] = [json.loads(line) for line in (tmp_path / FAILED).read_text().splitlines()]
    assert (kept["key"], kept["reason"], kept["message"]["text"]) == ("k1", "KeyError", "第1条")
    assert kept["ref"].isalpha()
    assert not spool.path.exists()
