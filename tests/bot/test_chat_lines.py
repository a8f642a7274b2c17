"""`frontdoor chat` prints each reply as written: the terminal, not Rich, wraps it."""

from __future__ import annotations

import io

from rich.console import Console

from bot.cli.chat import say


def test_a_reply_is_printed_as_written_and_left_to_the_terminal_to_wrap() -> None:
    printed = io.StringIO()
    narrow = Console(file=printed, width=20, color_system=None)

    say(narrow, "bot>", "bold cyan", "【社区办公时间】\n· 周六上午8:30-12:00 便民服务窗口值班 [确认] [/b]")

    assert printed.getvalue() == "bot> 【社区办公时间】\n· 周六上午8:30-12:00 便民服务窗口值班 [确认] [/b]\n"
