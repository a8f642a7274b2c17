"""How residents take part (`participation.yaml`): 公示 with an objection window, and 议事 votes.

A profile without the file offers neither.
"""

from __future__ import annotations

from pydantic import Field

from storage.profile.schema import Frozen, Key


class PublicitySubject(Frozen):
    """What a 公示 is about (低保, 特困供养, 公租房 ...). `names_expected`: its notice lists the people awarded (a
    低保 list lawfully does); staff are warned of names either way, more firmly where none are expected."""

    key: Key
    name: str
    aliases: list[str] = Field(default_factory=list)
    names_expected: bool = True


class PublicitySettings(Frozen):
    window_days: int = Field(default=7, ge=1, le=90)
    """How long a 公示 stays open to objections, and the shortest window staff may set (PRODUCT.md: at least 7
    days for 低保 and similar awards)."""
    topic: Key = "announcements"
    """The notice topic whose subscribers a 公示 and its result reach."""
    category: Key = "publicity_objection"
    """The ticket category an objection is filed under (`categories.yaml`)."""
    subjects: list[PublicitySubject] = Field(min_length=1)
    forbidden_terms: list[str] = Field(default_factory=list)
    """Words that give away what a 公示 must not publish (an illness, an income, savings): refused."""
    objection_words: list[str] = Field(default_factory=list)
    """How a resident says they object (有意见, 不同意, 不公平); with 公示 or a subject's name it opens an objection."""
    publicity_words: list[str] = Field(default_factory=list)
    """How a resident names a 公示 without its subject (公示, 公告名单)."""

    def subject(self, key_or_name: str) -> PublicitySubject | None:
        return next((s for s in self.subjects if key_or_name in (s.key, s.name, *s.aliases)), None)


class DeliberationSettings(Frozen):
    topic: Key = "announcements"
    """The notice topic a proposal and its result go out on (to its electorate's subscribers)."""
    suggestion_category: Key = "resident_suggestion"
    """The ticket category a resident's suggestion (我有个建议) is filed under, for a secretary to take up."""
    vote_words: list[str] = Field(default_factory=list)
    """How a resident asks to vote or to see what is being voted on (投票, 表决, 议事)."""
    suggestion_words: list[str] = Field(default_factory=list)
    """How a resident says they have a suggestion for the community (我有个建议, 提个建议)."""
    days_open: int = Field(default=7, ge=1, le=60)
    """A proposal's voting period when staff do not set one."""


class ParticipationSettings(Frozen):
    publicity: PublicitySettings | None = None
    deliberation: DeliberationSettings | None = None
