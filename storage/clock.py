"""The one clock. Everything that stamps a time asks a `Clock`: the running app passes `system_clock`
down from where it is assembled, a test passes its own. The engine carries the clock as well, so the
columns that default to "now" are stamped by the same clock as the code that wrote the row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], datetime]
"""Returns the current moment, timezone-aware."""

CLOCK_OPTION = "frontdoor_clock"
"""The engine's execution option that holds its clock (`storage.db.create_engine`)."""


def system_clock() -> datetime:
    """The wall clock: the only place the application reads it."""
    return datetime.now(UTC)


def stamp(context: Any) -> datetime:
    """Column default: now, on the clock of the engine that runs the insert."""
    clock: Clock = context.execution_options.get(CLOCK_OPTION, system_clock)
    return clock()
