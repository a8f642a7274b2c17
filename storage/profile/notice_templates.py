"""Notice templates (`notice_templates/<key>.yaml`): a notice's CAP 1.2 defaults and its wording.

`kind` names the composer in `bot.notices.compose` that fills a template; `TEMPLATE_PIECES` is the
contract between a kind and its wording (which pieces, which `{fields}` each may use), checked on
load, so a broken template fails when the profile loads, not when police send.
"""

from __future__ import annotations

from enum import StrEnum
from string import Formatter

from pydantic import Field, ValidationInfo, field_validator

from storage.profile.schema import Frozen, Key


class CapCategory(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class CapUrgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class CapSeverity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class CapCertainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class TemplateKind(StrEnum):
    FORECAST = "forecast"
    ANNOUNCEMENT = "announcement"


_PERIOD_FIELDS = {"community", "area", "period"}
TEMPLATE_PIECES: dict[TemplateKind, dict[str, frozenset[str]]] = {
    kind: {piece: frozenset(fields) for piece, fields in pieces.items()}
    for kind, pieces in {
        TemplateKind.FORECAST: {
            "headline": _PERIOD_FIELDS,
            "summary": _PERIOD_FIELDS | {"total", "last_total", "change"},
            "no_cases": _PERIOD_FIELDS,
            "heading_cases": set(),
            "case_line": {"kind", "count", "last_count", "change"},
            "change_up": {"diff"},
            "change_down": {"diff"},
            "change_same": set(),
            "heading_actions": set(),
            "action_enforcement": {"text"},
            "action_mediation": {"text"},
            "action_hearing": {"text"},
            "heading_precautions": set(),
            "precaution_line": {"kind", "text"},
            "extra_precaution_line": {"text"},
            "call_for_clues": set(),
        },
        TemplateKind.ANNOUNCEMENT: {
            "headline": {"community", "area", "headline"},
            "body": {"community", "area", "body"},
            "instruction": {"instruction"},
        },
    }.items()
}


class CapDefaults(Frozen):
    category: CapCategory
    event: str = Field(min_length=1, max_length=100)
    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty


class CaseType(Frozen):
    """A kind of case the police count, and the precaution shown when it occurred."""

    key: Key
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    precaution: str = Field(min_length=1)


class NoticeTemplate(Frozen):
    key: Key
    kind: TemplateKind
    name: str = Field(min_length=1)
    topic: Key
    """A notice topic of `notices.yaml`: who receives notices made from this template."""
    cap: CapDefaults
    valid_days: int = Field(ge=1, le=366)
    """How long a notice stays current (a 公示 stays up 7 days)."""
    wording: dict[str, str]
    case_types: list[CaseType] = Field(default_factory=list)

    @field_validator("wording")
    @classmethod
    def _wording_fits_kind(cls, wording: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        kind = info.data.get("kind")
        if kind is None:  # the kind itself is invalid; that error is reported
            return wording
        pieces = TEMPLATE_PIECES[kind]
        if missing := sorted(pieces.keys() - wording.keys()):
            raise ValueError(f"a {kind.value} template needs the piece '{missing[0]}'")
        for name, text in wording.items():
            if name not in pieces:
                raise ValueError(f"'{name}' is not a piece of a {kind.value} template; it has: {', '.join(pieces)}")
            _check_blanks(name, text, pieces[name])
        return wording

    @field_validator("case_types")
    @classmethod
    def _case_names_unique(cls, case_types: list[CaseType]) -> list[CaseType]:
        seen: set[str] = set()
        for i, case_type in enumerate(case_types):
            for word in (case_type.key, case_type.name, *case_type.aliases):
                if word in seen:
                    raise ValueError(f"[{i}]: '{word}' already names another case type")
                seen.add(word)
        return case_types

    def piece(self, name: str, **fields: object) -> str:
        return self.wording[name].format(**fields)

    def case_type(self, kind: str) -> CaseType | None:
        """The case type named by its key, name or an alias."""
        return next((c for c in self.case_types if kind == c.key or kind == c.name or kind in c.aliases), None)


def _check_blanks(piece: str, text: str, allowed: frozenset[str]) -> None:
    if not text.strip():
        raise ValueError(f"{piece}: the text is empty")
    try:
        used = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ValueError(f"{piece}: {error}") from None
    if unknown := sorted(used - allowed):
        raise ValueError(f"{piece}: unknown blank {{{unknown[0]}}}; this piece may use: "
                         f"{', '.join(sorted(allowed)) or 'none'}")
