"""The words staff type to act on tickets from WeCom or Telegram: 认领, 办结, 转, 我的, 超时, 查看, 暂停, 恢复.

They live in the profile's optional `staff_commands.yaml`, so a district can use its own words;
a profile without the file offers no staff commands.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from storage.profile.schema import Frozen


class StaffAction(StrEnum):
    CLAIM = "claim"
    CLOSE = "close"
    TRANSFER = "transfer"
    MINE = "mine"
    OVERDUE = "overdue"
    SHOW = "show"
    PAUSE = "pause"
    RESUME = "resume"


class StaffCommandWords(Frozen):
    """Each action's words; a message starting with one of them is that command."""

    claim: list[str] = Field(default_factory=list)
    close: list[str] = Field(default_factory=list)
    transfer: list[str] = Field(default_factory=list)
    mine: list[str] = Field(default_factory=list)
    overdue: list[str] = Field(default_factory=list)
    show: list[str] = Field(default_factory=list)
    pause: list[str] = Field(default_factory=list)
    resume: list[str] = Field(default_factory=list)

    @field_validator("claim", "close", "transfer", "mine", "overdue", "show", "pause", "resume")
    @classmethod
    def _single_words(cls, words: list[str]) -> list[str]:
        for word in words:
            if not word.strip() or word != "".join(word.split()):
                raise ValueError(f"'{word}' is not a single word (no spaces, not empty)")
        return words

    def words(self, action: StaffAction) -> list[str]:
        found: list[str] = getattr(self, action.value)
        return found

    def first(self, action: StaffAction) -> str:
        """The word shown in help texts: the first one listed."""
        return next(iter(self.words(action)), "")

    def command_of(self, text: str) -> tuple[StaffAction, str] | None:
        """The action whose word starts the text (the longest such word) and what follows it."""
        found = [(len(word), action, word) for action in StaffAction for word in self.words(action)
                 if text.startswith(word)]
        if not found:
            return None
        _, action, word = max(found)
        return action, text[len(word):]
