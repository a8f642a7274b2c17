"""Notices composed from the profile's templates, and the text residents receive.

The inputs are aggregate figures staff write (the forecast is read from a YAML or JSON file), so a
notice never needs a person's data; `ensure_no_personal_data` holds every text to that. All the
words come from the template (`notice_templates/`) or from `replies.md`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass as input_dataclass

from bot.core.masking import personal_data_in
from bot.core.wording import Wording
from storage.models import Notice
from storage.profile import Profile
from storage.profile.notice_templates import (
    CapCategory,
    CapCertainty,
    CapSeverity,
    CapUrgency,
    CaseType,
    NoticeTemplate,
    TemplateKind,
)

REPLIES: dict[str, tuple[str, ...]] = {
    "list_separator": (),
    "notice_scope_area": ("area", "community"),
    "notice_scope_community": ("community",),
    "notice_never_asks_money": (),
    "notice_update": ("headline",),
    "notice_cancel": ("headline",),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


FORECAST_TEMPLATE = "security_forecast"
ANNOUNCEMENT_TEMPLATE = "announcement"
_INPUT = ConfigDict(extra="forbid", coerce_numbers_to_str=True, str_strip_whitespace=True)
Text = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=0, strict=True)]
T = TypeVar("T")
_UNKNOWN_FIELD = "not a field of this input (check the spelling)"



class PoliceActionKind(StrEnum):
    ENFORCEMENT = "enforcement"
    MEDIATION = "mediation"
    HEARING = "hearing"


@input_dataclass(frozen=True, config=_INPUT)
class CaseCount:
    kind: Text
    """A case type of the template, by key, name or alias."""
    count: Count
    last_count: Count


@input_dataclass(frozen=True, config=_INPUT)
class PoliceAction:
    kind: PoliceActionKind
    text: Text


@input_dataclass(frozen=True, config=_INPUT)
class ForecastInput:
    period: Text
    area_keys: list[str] = field(default_factory=list)
    building_numbers: list[str] = field(default_factory=list)
    cases: list[CaseCount] = field(default_factory=list)
    police_actions: list[PoliceAction] = field(default_factory=list)
    extra_precautions: list[Text] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> ForecastInput:
        return _parse(cls, data)


@input_dataclass(frozen=True, config=_INPUT)
class AnnouncementInput:
    headline: Text
    body: Text
    instruction: str | None = None
    area_keys: list[str] = field(default_factory=list)
    building_numbers: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> AnnouncementInput:
        return _parse(cls, data)


@dataclass(frozen=True)
class NoticeDraft:
    topic: str
    template: str
    category: CapCategory
    event: str
    urgency: CapUrgency
    severity: CapSeverity
    certainty: CapCertainty
    headline: str
    description: str
    instruction: str | None
    area_keys: tuple[str, ...]
    building_numbers: tuple[str, ...]
    valid_for: timedelta


def compose_forecast(profile: Profile, community_key: str, data: ForecastInput,
                     template_key: str = FORECAST_TEMPLATE) -> NoticeDraft:
    template = _template(profile, template_key, TemplateKind.FORECAST)
    area_keys, buildings = _target(profile, community_key, data.area_keys, data.building_numbers)
    fields = {**_place(profile, community_key, area_keys, buildings), "period": data.period}
    cases = _resolve_cases(template, data.cases)
    description = _blocks([_summary(template, fields, cases)], _case_lines(template, cases),
                          _action_lines(template, data.police_actions))
    instruction = _blocks(_precaution_lines(template, cases, data.extra_precautions),
                          [template.piece("call_for_clues")])
    return _draft(profile, template, template.piece("headline", **fields), description, instruction, area_keys,
                  buildings)


def compose_announcement(profile: Profile, community_key: str, data: AnnouncementInput,
                         template_key: str = ANNOUNCEMENT_TEMPLATE) -> NoticeDraft:
    template = _template(profile, template_key, TemplateKind.ANNOUNCEMENT)
    area_keys, buildings = _target(profile, community_key, data.area_keys, data.building_numbers)
    fields = _place(profile, community_key, area_keys, buildings)
    instruction = template.piece("instruction", instruction=data.instruction) if data.instruction else None
    return _draft(profile, template, template.piece("headline", headline=data.headline, **fields),
                  template.piece("body", body=data.body, **fields), instruction, area_keys, buildings)


def resident_text(wording: Wording, notice: Notice, replaced: Notice | None = None) -> str:
    """What residents read. `replaced` is the notice an Update or a Cancel refers to; a Cancel's own
    description is the reason for withdrawing (empty: no reason given)."""
    earlier = replaced.headline if replaced is not None else notice.headline
    lines: list[str | None]
    if notice.msg_type == "Cancel":
        lines = [wording.render("notice_cancel", headline=earlier), notice.description]
    else:
        lines = [notice.headline, notice.description, notice.instruction]
        if notice.msg_type == "Update":
            lines.insert(0, wording.render("notice_update", headline=earlier))
    lines.append(wording.render("notice_never_asks_money"))
    text = _blocks(*([line] for line in lines if line))
    ensure_no_personal_data(text, public_numbers_of(wording.profile))
    return text


def ensure_no_personal_data(text: str, public_numbers: frozenset[str] = frozenset()) -> None:
    """Raise ValueError when the text holds what looks like personal data (`bot.core.masking.personal_data_in`):
    an ID number in any grouping, a mobile in digits or Chinese numerals, a landline that is not one of
    `public_numbers` (the offices' own, `public_numbers_of`), a household's room, a self-introduced name or a
    WeChat id. 3栋2单元 names a stairwell and may stay.

    The message gives only the kind and position, so the error (and any log of it) does not repeat the datum."""
    if (found := personal_data_in(text, public_numbers)) is not None:
        kind, position = found
        raise ValueError(f"the text looks like it holds {PERSONAL_KINDS[kind]} (at character {position}); "
                         "notices carry no personal data")


PERSONAL_KINDS = {"id_number": "an ID number", "mobile": "a mobile number",
                  "landline": "a phone number that is not an office's (add an office's to the profile)",
                  "room": "a household's room", "name": "a person's name", "wechat_id": "a WeChat id"}


def public_numbers_of(profile: Profile) -> frozenset[str]:
    """The communities' and offices' phone numbers from the profile, as digits: a notice may give them."""
    phones = [community.phone for community in profile.communities.values()]
    phones += [office.phone for office in profile.district.offices]
    return frozenset(re.sub(r"[^0-9]", "", phone) for phone in phones if phone)


def area_label(profile: Profile, community_key: str, area_keys: Sequence[str],
               building_numbers: Sequence[str]) -> str:
    """How a notice's target reads to residents (白杨社区东一片、3栋, or the whole community)."""
    return _place(profile, community_key, *_target(profile, community_key, area_keys, building_numbers))["area"]


def _parse(kind: type[T], data: Mapping[str, object]) -> T:
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a mapping of fields, got {type(data).__name__}")
    try:
        return TypeAdapter(kind).validate_python(dict(data))
    except ValidationError as error:
        problems = [f"{_where(problem['loc'])}: {_message(problem['type'], problem['msg'])}"
                    for problem in error.errors()]
        raise InputError("; ".join(problems), [str(problem["loc"][0]) for problem in error.errors()
                                                 if problem["loc"]]) from None


class InputError(ValueError):
    """What a form's input is refused for, with the fields it is about, so a page can name them in its words."""

    def __init__(self, message: str, fields: Sequence[str]) -> None:
        super().__init__(message)
        self.fields = tuple(dict.fromkeys(fields))


def _message(kind: str, message: str) -> str:
    return _UNKNOWN_FIELD if kind == "unexpected_keyword_argument" else message


def _blocks(*blocks: Sequence[str]) -> str:
    """Lines of a block one under another, blocks apart by an empty line; empty ones left out."""
    return "\n\n".join("\n".join(line.strip() for line in block) for block in blocks if "".join(block).strip())


def _where(loc: Sequence[int | str]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "(input)"


def _template(profile: Profile, key: str, kind: TemplateKind) -> NoticeTemplate:
    template = profile.notice_templates.get(key)
    if template is None:
        known = ", ".join(profile.notice_templates) or "none"
        raise ValueError(f"no notice template '{key}' in the profile; templates: {known}")
    if template.kind is not kind:
        raise ValueError(f"notice template '{key}' is a {template.kind.value} template, not a {kind.value} one")
    return template


def _target(profile: Profile, community_key: str, area_keys: Sequence[str],
            building_numbers: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The areas and buildings, each checked against the community, duplicates dropped."""
    community = profile.communities.get(community_key)
    if community is None:
        raise ValueError(f"unknown community '{community_key}'; communities: {', '.join(profile.communities)}")
    areas = [area.id for area in community.areas]
    if unknown := [key for key in area_keys if key not in areas]:
        raise ValueError(f"unknown area key(s) in community '{community_key}': {', '.join(unknown)}; "
                         f"its areas: {', '.join(areas)}")
    buildings = profile.buildings(community_key)
    if unknown := [number for number in building_numbers if number not in buildings]:
        raise ValueError(f"unknown building number(s) in community '{community_key}': {', '.join(unknown)}")
    return tuple(dict.fromkeys(area_keys)), tuple(dict.fromkeys(building_numbers))


def _place(profile: Profile, community_key: str, area_keys: Sequence[str],
           building_numbers: Sequence[str]) -> dict[str, str]:
    community = profile.communities[community_key]
    wording = Wording(profile, community_key)
    area_names = {area.id: area.name for area in community.areas}
    names = [area_names[key] for key in area_keys]
    names += [wording.render("address_building", building=number) for number in building_numbers]
    if not names:
        return {"community": community.name, "area": wording.render("notice_scope_community", community=community.name)}
    area = wording.render("notice_scope_area", community=community.name,
                          area=wording.render("list_separator").join(names))
    return {"community": community.name, "area": area}


def _resolve_cases(template: NoticeTemplate, cases: Sequence[CaseCount]) -> list[tuple[CaseType, CaseCount]]:
    resolved: list[tuple[CaseType, CaseCount]] = []
    for i, case in enumerate(cases):
        case_type = template.case_type(case.kind)
        if case_type is None:
            known = ", ".join(c.name for c in template.case_types)
            raise ValueError(f"cases[{i}].kind: '{case.kind}' is not a case type of template '{template.key}'; "
                             f"it knows: {known}")
        if any(case_type is seen for seen, _ in resolved):
            raise ValueError(f"cases[{i}].kind: '{case_type.name}' is counted twice")
        resolved.append((case_type, case))
    return resolved


def _change(template: NoticeTemplate, count: int, last_count: int) -> str:
    if count > last_count:
        return template.piece("change_up", diff=count - last_count)
    if count < last_count:
        return template.piece("change_down", diff=last_count - count)
    return template.piece("change_same")


def _summary(template: NoticeTemplate, fields: dict[str, str], cases: list[tuple[CaseType, CaseCount]]) -> str:
    if not cases:
        return template.piece("no_cases", **fields)
    total, last_total = sum(c.count for _, c in cases), sum(c.last_count for _, c in cases)
    return template.piece("summary", total=total, last_total=last_total,
                          change=_change(template, total, last_total), **fields)


def _case_lines(template: NoticeTemplate, cases: list[tuple[CaseType, CaseCount]]) -> list[str]:
    lines = [template.piece("case_line", kind=kind.name, count=case.count, last_count=case.last_count,
                            change=_change(template, case.count, case.last_count)) for kind, case in cases]
    return [template.piece("heading_cases"), *lines] if lines else []


def _action_lines(template: NoticeTemplate, actions: Sequence[PoliceAction]) -> list[str]:
    lines = [template.piece(f"action_{action.kind.value}", text=action.text) for action in actions]
    return [template.piece("heading_actions"), *lines] if lines else []


def _precaution_lines(template: NoticeTemplate, cases: list[tuple[CaseType, CaseCount]],
                      extra: Sequence[str]) -> list[str]:
    """Precautions for the case types that occurred, the steepest rise first, then the extra ones."""
    occurred = sorted((pair for pair in cases if pair[1].count > 0),
                      key=lambda pair: -max(pair[1].count - pair[1].last_count, 0))
    lines = [template.piece("precaution_line", kind=kind.name, text=kind.precaution) for kind, _ in occurred]
    lines += [template.piece("extra_precaution_line", text=text) for text in extra]
    return [template.piece("heading_precautions"), *lines] if lines else []


def _draft(profile: Profile, template: NoticeTemplate, headline: str, description: str, instruction: str | None,
           area_keys: tuple[str, ...], building_numbers: tuple[str, ...]) -> NoticeDraft:
    for text in (headline, description, instruction or ""):
        ensure_no_personal_data(text, public_numbers_of(profile))
    cap = template.cap
    return NoticeDraft(topic=template.topic, template=template.key, category=cap.category, event=cap.event,
                       urgency=cap.urgency, severity=cap.severity, certainty=cap.certainty, headline=headline,
                       description=description, instruction=instruction, area_keys=area_keys,
                       building_numbers=building_numbers, valid_for=timedelta(days=template.valid_days))
