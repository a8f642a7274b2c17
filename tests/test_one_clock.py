"""The guard for the one clock: the application reads the wall clock in `storage/clock.py` only, so a test's
clock is the only clock its code sees. A new `datetime.now()` anywhere else fails here, long before the date
moves on and a test that mixed the two clocks starts failing."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxMessage
from storage.repositories import outbox
from tests.conftest import ROOT
from tests.syntax_trees import file_trees, syntax_trees

APPLICATION = ("bot", "handlers", "nlu", "storage")
WALL_CLOCK_READS = frozenset({("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                              ("date", "today"), ("time", "time"), ("time", "time_ns")})
ALLOWED = {
    Path("storage/clock.py"): "the one clock",
    # Replay windows compare the timestamp a platform signed on its own wall clock with ours; a test signs
    # on the same wall clock, whatever date the app's clock shows.
    Path("bot/channels/wechat/official_account.py"): "signature replay window",
    Path("bot/channels/wecom/callback.py"): "signature replay window",
}


def wall_clock_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """The lines of a module that name a wall-clock reader such as `datetime.now`, called or passed on."""
    return sorted((node.lineno, f"{node.value.id}.{node.attr}") for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and (node.value.id, node.attr) in WALL_CLOCK_READS)


def test_the_guard_sees_each_way_of_reading_the_wall_clock() -> None:
    source = "a = datetime.now(UTC)\nb = date.today()\nc = time.time()\nd = time.monotonic()\ne = clock()\n" \
             "f = Column(default=datetime.utcnow)\n"
    assert wall_clock_reads(*syntax_trees([source])) == [(1, "datetime.now"), (2, "date.today"), (3, "time.time"),
                                        (6, "datetime.utcnow")]


@pytest.mark.parametrize("package", APPLICATION)
def test_the_application_reads_the_wall_clock_only_through_the_clock(package: str) -> None:
    trees = file_trees(path for path in sorted((ROOT / package).rglob("*.py")) if path.relative_to(ROOT) not in ALLOWED)
    offenders = [f"{path.relative_to(ROOT)}:{line}: {call}"
                 for path, tree in trees.items() for line, call in wall_clock_reads(tree)]
    assert not offenders, "take the time from the injected clock (storage/clock.py):\n" + "\n".join(offenders)


async def test_rows_are_stamped_on_the_clock_of_their_engine(database_url: str) -> None:
    """Column defaults ("now") come from the engine's clock, whichever way the row is written."""
    long_after = datetime(2031, 2, 3, 4, 5, tzinfo=UTC)
    engine = create_engine(database_url, lambda: long_after)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            one = outbox.enqueue(session, "notice", {"text": "通知"})
            await session.flush()
            await session.execute(insert(OutboxMessage), [{"kind": "notice", "payload": {"text": "批量"}}])
        async with create_sessionmaker(engine)() as session:
            stamps = (await session.execute(select(OutboxMessage.created_at, OutboxMessage.available_at))).all()
    finally:
        await engine.dispose()

    assert one.id is not None
    assert stamps == [(long_after, long_after)] * 2
