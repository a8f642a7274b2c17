"""What the notice pages share: the compose form read into a template's input, the community a
staff member writes for, who may see which notice, and a preview that writes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.console.access import is_admin
from bot.core.errors import FrontdoorError, PermissionDenied
from bot.core.wording import Wording
from bot.notices import sending
from bot.notices.compose import (
    ANNOUNCEMENT_TEMPLATE,
    FORECAST_TEMPLATE,
    AnnouncementInput,
    ForecastInput,
    InputError,
    NoticeDraft,
    compose_announcement,
    compose_forecast,
    ensure_no_personal_data,
    public_numbers_of,
    resident_text,
)
from storage.models import Community, Notice, Staff
from storage.profile import Profile
from storage.repositories import notices

KINDS = {"forecast": FORECAST_TEMPLATE, "announcement": ANNOUNCEMENT_TEMPLATE}
CASE_ROWS = 6
ACTION_KINDS = ("enforcement", "mediation", "hearing")
FREE_TEXT = ("period", "headline", "body", "instruction", "police_actions", "extra_precautions")


FIELD_WORDS = {"period": "notice_period", "headline": "notice_headline", "body": "notice_body",
               "instruction": "notice_instruction", "police_actions": "notice_police_actions",
               "extra_precautions": "notice_extra_precautions", "cases": "notice_cases", "area_keys": "notice_areas",
               "building_numbers": "notice_buildings"}
"""The console's word for each field of the compose form, to say which ones need a look."""


class NoticeRefused(FrontdoorError):  # noqa: N818 -- the outcome the page reports
    """The form or the action cannot go ahead; `problem` names the console's word for why, `fields` the form's
    fields to look at. `detail` is shown as it is: never the validator's English, which goes to the message."""

    code = "notice_refused"
    status = 422

    def __init__(self, problem: str, detail: str = "", fields: Sequence[str] = (), why: str = "") -> None:
        super().__init__(": ".join(part for part in (problem, detail, why) if part))
        self.problem, self.detail, self.fields = problem, detail, tuple(fields)

    def shown_detail(self, words: Mapping[str, str]) -> str:
        """`detail`, or the console's words for the fields to check: 「请检查：时段、标题」."""
        names = [words[FIELD_WORDS[name]] for name in self.fields if name in FIELD_WORDS]
        return self.detail or (words["notice_problem_fields"] + words["list_separator"].join(names) if names else "")


def fields_of(error: ValueError) -> Sequence[str]:
    return error.fields if isinstance(error, InputError) else ()


@dataclass(frozen=True)
class FormValues:
    """The compose form as typed: read into a template's input, and shown again when refused."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, form: FormData) -> FormValues:
        values: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                values.setdefault(key, []).append(value)
        return cls(values)

    def one(self, name: str) -> str:
        found = self.fields.get(name)
        return found[0].strip() if found else ""

    def many(self, name: str) -> list[str]:
        return [value.strip() for value in self.fields.get(name, []) if value.strip()]

    def row(self, name: str, index: int) -> str:
        found = self.fields.get(name, [])
        return found[index].strip() if index < len(found) else ""


def compose(profile: Profile, community_key: str, values: FormValues, action_names: Mapping[str, str]) -> NoticeDraft:
    """The draft the form describes; `action_names` maps a police action's written kind to its key."""
    kind = values.one("kind")
    if kind not in KINDS:
        raise NoticeRefused("notice_problem_input", why=f"kind: one of {', '.join(KINDS)}")
    for name in FREE_TEXT:
        try:
            ensure_no_personal_data(values.one(name), public_numbers_of(profile))
        except ValueError as error:
            raise NoticeRefused("notice_problem_personal", fields=[name], why=str(error)) from None
    try:
        if kind == "forecast":
            return compose_forecast(profile, community_key, forecast_input(values, action_names))
        return compose_announcement(profile, community_key, announcement_input(values))
    except ValueError as error:
        raise NoticeRefused("notice_problem_input", fields=fields_of(error), why=str(error)) from None


def forecast_input(values: FormValues, action_names: Mapping[str, str]) -> ForecastInput:
    cases = [{"kind": kind, "count": _count(values.row("case_count", index)),
              "last_count": _count(values.row("case_last", index))}
             for index in range(CASE_ROWS) if (kind := values.row("case_kind", index))]
    actions = []
    for line in _lines(values.one("police_actions")):
        kind, _, text = line.replace("｜", "|").partition("|")
        actions.append({"kind": action_names.get(kind.strip(), kind.strip()), "text": text.strip()})
    return ForecastInput.from_mapping({
        "period": values.one("period"), "area_keys": values.many("area_keys"),
        "building_numbers": building_numbers(values.one("building_numbers")), "cases": cases,
        "police_actions": actions, "extra_precautions": _lines(values.one("extra_precautions"))})


def announcement_input(values: FormValues) -> AnnouncementInput:
    return AnnouncementInput.from_mapping({
        "headline": values.one("headline"), "body": values.one("body"),
        "instruction": values.one("instruction") or None, "area_keys": values.many("area_keys"),
        "building_numbers": building_numbers(values.one("building_numbers"))})


def _count(text: str) -> int | str:
    """A blank count is none; anything but digits is left for the input's check to name."""
    if not text:
        return 0
    return int(text) if text.isdigit() else text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def building_numbers(text: str) -> list[str]:
    """Building numbers as typed: separated by spaces, commas or the Chinese 、."""
    for separator in ",，、;；":
        text = text.replace(separator, " ")
    return text.split()


async def notice_community(session: AsyncSession, staff: Staff, wanted: str = "") -> Community:
    """The staff member's own community; an admin picks one (default: their own, else the first)."""
    if not is_admin(staff):
        if staff.community_id is None:
            raise PermissionDenied(f"{staff.key} belongs to no community")
        return await session.get_one(Community, staff.community_id)
    query = select(Community).order_by(Community.id)
    if wanted:
        query = query.where(Community.key == wanted)
    elif staff.community_id is not None:
        query = query.where(Community.id == staff.community_id)
    found = await session.scalar(query.limit(1))
    if found is None:
        raise NoticeRefused("notice_problem_input", why=f"no community {wanted!r}")
    return found


async def community_choice(session: AsyncSession, staff: Staff, wanted: str) -> tuple[Community, list[Community]]:
    """The community to write for and, for an admin, those to choose from (an unknown one: the default)."""
    if not is_admin(staff):
        return await notice_community(session, staff), []
    choices = list((await session.scalars(select(Community).order_by(Community.id))).all())
    chosen = next((c for c in choices if c.key == wanted), None) or await notice_community(session, staff)
    return chosen, choices


def visible_notices(staff: Staff) -> ColumnElement[bool]:
    """A WHERE clause: an admin sees every community's notices, anyone else their community's."""
    if is_admin(staff):
        return true()
    return Notice.community_id == staff.community_id if staff.community_id is not None else false()


async def visible_notice(session: AsyncSession, staff: Staff, notice_id: int, *, lock: bool = False) -> Notice:
    notice = await sending.get_notice(session, notice_id, lock=lock)
    if not (is_admin(staff) or notice.community_id == staff.community_id):
        raise PermissionDenied(f"{staff.key} may not see notice {notice_id}")
    return notice


async def preview_draft(session: AsyncSession, profile: Profile, community: Community,
                        draft: NoticeDraft, now: datetime) -> sending.Preview:
    """What residents would read and how many it would reach, with nothing written: the notice is
    built in memory and never joins the session."""
    notice = Notice(community_id=community.id, topic=draft.topic, msg_type="Alert", headline=draft.headline,
                    description=draft.description, instruction=draft.instruction,
                    area_keys=list(draft.area_keys), building_numbers=list(draft.building_numbers))
    recipients = notices.audience(notice)
    topic = profile.notice_topics.get(draft.topic)
    return sending.Preview(resident_text(Wording(profile, community.key), notice),
                           await notices.count(session, recipients),
                           await sending.reach_by_channel(session, recipients, now),
                           [role.value for role in topic.approval_roles] if topic is not None else [])


def channel_summary(by_channel: Mapping[str, int], words: Mapping[str, str]) -> str:
    """"网页聊天1人、Telegram2人": how many recipients each channel reaches (the page puts 「共3人：」 before it)."""
    return words["list_separator"].join(f"{words.get('channel_' + name, name)}{count}{words['notice_people']}"
                    for name, count in sorted(by_channel.items()))
