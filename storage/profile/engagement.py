"""The profile's safety tips, notice topics, clue settings and feedback words.

Each lives in its own optional file next to `district.yaml` (`safety_tips.yaml`, `notices.yaml`,
`clues.yaml`, `feedback.yaml`); a profile without one simply does not offer that part.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from storage.profile.schema import Frozen, Key, StaffRole


class SafetyTip(Frozen):
    """One piece of advice; `keywords` pick it out of its topic (e.g. one kind of fraud)."""

    title: str
    text: str
    keywords: list[str] = Field(default_factory=list)


class SafetyTopic(Frozen):
    key: Key
    name: str
    keywords: list[str] = Field(min_length=1)
    tips: list[SafetyTip] = Field(min_length=1)


class NoticeScope(StrEnum):
    """How far a subscription reaches: the resident's area (片), or the whole community."""

    AREA = "area"
    COMMUNITY = "community"


class NoticeTopic(Frozen):
    key: Key
    name: str
    aliases: list[str] = Field(default_factory=list)
    scope: NoticeScope = NoticeScope.AREA
    approval_roles: list[StaffRole] = Field(default_factory=list)
    """Before a notice on this topic is sent, one approval per role here, each from a different staff
    member holding it (e.g. police and secretary); empty: no approval needed."""


class ClueCategory(Frozen):
    key: Key
    name: str
    keywords: list[str] = Field(default_factory=list)


class ClueSettings(Frozen):
    receipt_prefix: str = Field(default="XS", pattern=r"^[A-Z]{1,4}$")
    categories: list[ClueCategory] = Field(default=[ClueCategory(key="other", name="other")], min_length=1)
    fallback: Key = "other"
    """The category of a clue no keyword matches."""

    def category_of(self, text: str) -> ClueCategory:
        """The category whose keywords the text matches most; the fallback when none matches."""
        best = max(self.categories, key=lambda c: sum(k in text for k in c.keywords))
        if any(k in text for k in best.keywords):
            return best
        return next((c for c in self.categories if c.key == self.fallback), best)


class FeedbackWords(Frozen):
    """How typed feedback is read: an unsatisfied word wins over a satisfied one (不满意 holds 满意)."""

    satisfied: list[str] = Field(default_factory=list)
    unsatisfied: list[str] = Field(default_factory=list)
    broken_again: list[str] = Field(default_factory=list)
    """How a resident says, at a 回访, that what was fixed is broken again (又坏了); read before the others."""

    def polarity(self, text: str) -> bool | None:
        if any(word in text for word in self.unsatisfied):
            return False
        if any(word in text for word in self.satisfied):
            return True
        return None
