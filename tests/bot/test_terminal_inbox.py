"""`frontdoor chat` shows what the office sends while it runs: a resident reports in one terminal, staff
close the ticket from another command, and the chat prints the closure with its numbered 满意 / 不满意, which a
typed number answers (不满意 reopens the ticket)."""

from __future__ import annotations

import os
import queue
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA, ROOT

DRAIN = "3栋2单元楼道里的下水道堵了，臭了好几天"
WAIT_SECONDS = 60


class Terminal:
    """`frontdoor chat` as a process of its own, typed into line by line, its output read as it comes."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat", *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                        cwd=ROOT)
        self.output = ""
        self._chunks: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._chunks.put(line)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def wait_for(self, pattern: str) -> re.Match[str]:
        """Until the output holds `pattern` (a regex); fails with what it printed if it never does."""
        while (found := re.search(pattern, self.output)) is None:
            try:
                self.output += self._chunks.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                raise AssertionError(f"never printed {pattern!r}:\n{self.output}") from None
        return found

    def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=WAIT_SECONDS)


def test_the_terminal_chat_prints_the_closure_and_a_typed_number_answers_it(tmp_path: Path, nlu_model: Path) -> None:
    database = tmp_path / "inbox.db"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": f"sqlite:///{database}", "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200",
           "PYTHONUNBUFFERED": "1"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    chat = Terminal("--as", "t-inbox", "--community", "baiyang", env=env)
    try:
        chat.type(DRAIN)
        number = chat.wait_for(r"GD\d{8}-\d{4}").group()
        closed = frontdoor("ticket", "close", number, "--staff", "by-sec-01", "--result", "已疏通", env=env)
        assert closed.returncode == 0, closed.stderr
        chat.wait_for(r"office> [^\n]*已办结[\s\S]*已疏通[\s\S]*1\. 满意[\s\S]*2\. 不满意")
        chat.type("2")
        chat.wait_for(r"2\. 不满意[\s\S]*bot> ")
    finally:
        chat.quit()

    with sqlite3.connect(database) as connection:
        [(status,)] = connection.execute("SELECT status FROM tickets").fetchall()
    assert status == "reopened"
    assert chat.output.count("已疏通") == 1
