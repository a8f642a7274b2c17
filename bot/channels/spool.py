"""Messages a webhook answered `success` before they were handled, kept on local disk until they are.

WeChat does not send a message again once it got `success`, so from that answer on the message exists only
here. It is written to this spool, flushed and fsynced, before the answer leaves; that works when the
database is down, which is when it matters (a restart or a failover makes the pipeline slower than WeChat's
5 seconds). Its end is written when its replies are queued in the database.

Each server process appends to a file of its own, `inbox-<pid>-<random>.jsonl`, and holds an exclusive
`flock` on it while it runs. A line is a message (`{"put": key, "message": {...}, "community": ...}`) or
the end of one (`{"done": key}`). A process that starts (or a running one, now and then) takes over every
file whose lock it can get, which means the process that wrote it is gone: it copies the messages without
an end into its own file, deletes the old one and handles them. The first line of a file names the
database (a digest of its URL); a file of another database is left alone, so a spool directory shared by
mistake never replays one district's messages into another's.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.core.messages import InboundMessage, message_from_json, message_to_json

log = logging.getLogger(__name__)

PREFIX = "inbox-"
MAX_EARLY_ENDS = 10_000
FAILED = "failed.jsonl"
"""Messages whose handling failed for good (not a database outage): kept for a person to look at."""


@dataclass(frozen=True)
class Spooled:
    key: str
    message: InboundMessage
    community: str | None


def reference(key: str) -> str:
    """What logs call a message by: 12 letters from a digest of its key (digits would read as a phone number to
    the log masker and be hidden); the spool's records carry it too, so a log line finds its message."""
    return "".join(chr(ord("a") + int(digit, 16)) for digit in hashlib.sha256(key.encode()).hexdigest()[:12])


def database_mark(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


class Spool:
    """This process's spool file, opened and locked; `take_over` adopts the files of processes that died."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.directory = directory
        self.mark = database_mark(database_url)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # the messages are residents' words
        self.path = directory / f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        self._file: IO[str] = self.path.open("a", encoding="utf-8")
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._pending: set[str] = set()
        self._ended_first: set[str] = set()
        """Ends that came while their message was still being written (another thread): not written again."""
        self._lock = threading.Lock()
        """Held for writing lines, never for an fsync: `done` takes it on the event loop."""
        self._syncing = threading.Lock()
        self._lines = self._synced = 0
        """Lines written, and lines an fsync has made durable."""
        self._write({"database": self.mark}, sync=True)

    def put(self, key: str, message: InboundMessage, community: str | None) -> None:
        """Durable when it returns: flushed and fsynced. Blocking: run it off the event loop."""
        with self._lock:
            if key in self._ended_first:
                self._ended_first.discard(key)
                return
            self._write({"put": key, "ref": reference(key), "message": message_to_json(message),
                         "community": community}, sync=False)
            self._pending.add(key)
            line = self._lines
        self._sync_through(line)

    def _sync_through(self, line: int) -> None:
        """An fsync covering `line`. Puts waiting here together share one (group commit): at a peak, when many
        messages are answered `success` at once, one fsync after another would leave each waiting for all the
        others' before its answer could leave."""
        with self._syncing:
            if self._synced >= line:
                return
            with self._lock:
                written = self._lines
            os.fsync(self._file.fileno())
            self._synced = written

    def holds(self, key: str) -> bool:
        return key in self._pending

    def done(self, key: str) -> None:
        """Not fsynced: an end lost in a crash only means the message is handled again, which finds it
        already handled (the retry cache) and already sent (the delivery claim)."""
        with self._lock:
            if key in self._pending:
                self._pending.discard(key)
                self._write({"done": key}, sync=False)
            elif len(self._ended_first) < MAX_EARLY_ENDS:
                self._ended_first.add(key)

    def failed(self, entry: Spooled, reason: str) -> None:
        """Given up (a fault in handling, not in the database): kept in `failed.jsonl` for a person."""
        with self._lock, (self.directory / FAILED).open("a", encoding="utf-8") as kept:
            record = {"key": entry.key, "ref": reference(entry.key), "message": message_to_json(entry.message),
                      "community": entry.community, "reason": reason}
            kept.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.done(entry.key)

    def take_over(self) -> list[Spooled]:
        """The unfinished messages of every dead process's file for this database, now in this file."""
        adopted: list[Spooled] = []
        for path in sorted(self.directory.glob(f"{PREFIX}*.jsonl")):
            if path == self.path:
                continue
            adopted += self._adopt(path)
        return adopted

    def close(self) -> None:
        """Unlocks the file; deletes it when nothing in it is unfinished."""
        if not self._pending:
            self.path.unlink(missing_ok=True)
        self._file.close()

    def _adopt(self, path: Path) -> list[Spooled]:
        try:
            file = path.open("r+", encoding="utf-8")
        except FileNotFoundError:
            return []
        with file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []  # its process is alive
            if not _still_at(path, file):
                return []  # another process took it over while this one waited to open it
            lines = [_read(line) for line in file.read().splitlines()]
            records = [record for record in lines if record is not None]
            if not records or records[0].get("database") != self.mark:
                return []
            found = _unfinished(records)
            with self._lock:
                for entry in found:  # written to our file before theirs goes
                    self._write({"put": entry.key, "message": message_to_json(entry.message),
                                 "community": entry.community}, sync=False)
                    self._pending.add(entry.key)
                self._sync()
            path.unlink()
        if found:
            log.warning("took over %d unfinished message(s) from %s", len(found), path.name)
        return found

    def _write(self, record: dict[str, Any], *, sync: bool) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._lines += 1
        if sync:
            self._sync()
        else:
            self._file.flush()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())


def _still_at(path: Path, file: IO[str]) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(file.fileno()).st_ino
    except FileNotFoundError:
        return False


def _read(line: str) -> dict[str, Any] | None:
    """A line, or None for the torn last line of a process killed while writing it."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _unfinished(records: list[dict[str, Any]]) -> list[Spooled]:
    put: dict[str, Spooled] = {}
    for record in records:
        if "put" in record:
            put[record["put"]] = Spooled(record["put"], message_from_json(record["message"]), record.get("community"))
        elif "done" in record:
            put.pop(record["done"], None)
    return list(put.values())
