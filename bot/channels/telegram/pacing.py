"""When each Telegram message may go (PRODUCT.md §4): at most 30 a second overall, one a second to a
chat, 20 a minute to a group; a chat Telegram told to wait (429 retry_after) waits alone.

Times are reserved when a send starts, with a small margin, so that the sends Telegram receives keep
the limits even when their requests overtake one another on the way.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
MARGIN = 0.03
MIN_GAP = 0.01
"""Between any two sends: thirty requests fired in the same instant reach Telegram spread out by its
own handling, which can squeeze a second's worth into less than a second at its end; 10 ms apart they
arrive as sent, and a full second's worth still starts within 0.3 s."""

@dataclass
class Pacer:
    per_second: int = PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    group_per_minute: int = GROUP_PER_MINUTE
    margin: float = MARGIN
    min_gap: float = MIN_GAP
    clock: Callable[[], float] = time.monotonic
    _recent: deque[float] = field(default_factory=deque)
    _chat_next: dict[int, float] = field(default_factory=dict)
    _group_recent: dict[int, deque[float]] = field(default_factory=dict)

    def ready_at(self, chat_id: int) -> float:
        """The earliest moment a message to `chat_id` may start."""
        moments = [self._chat_next.get(chat_id, 0.0)]
        if self._recent:
            moments.append(self._recent[-1] + self.min_gap)
        if len(self._recent) >= self.per_second:
            moments.append(self._recent[-self.per_second] + 1.0 + self.margin)
        group = self._group_recent.get(chat_id)
        if chat_id < 0 and group is not None and len(group) >= self.group_per_minute:
            moments.append(group[-self.group_per_minute] + 60.0 + self.margin)
        return max(moments)

    def chat_ready_at(self, chat_id: int) -> float:
        """When the chat itself may have its next message, the overall limit aside."""
        return self._chat_next.get(chat_id, 0.0)

    def take(self, chat_id: int) -> None:
        """Record a message to `chat_id` starting now (after `ready_at` has passed)."""
        now = self.clock()
        self._recent.append(now)
        while len(self._recent) > self.per_second:
            self._recent.popleft()
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + self.chat_interval + self.margin)
        if chat_id < 0:
            group = self._group_recent.setdefault(chat_id, deque())
            group.append(now)
            while len(group) > self.group_per_minute:
                group.popleft()

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said this chat must wait `seconds` (429 retry_after); only this chat waits."""
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), self.clock() + seconds + self.margin)
