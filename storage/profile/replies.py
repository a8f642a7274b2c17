"""Reply wording: Markdown files of `## key` sections, each a template with `{field}` blanks.

The keys and the blanks each may use are a contract with the code that renders them, so a
profile that misses a key or uses an unknown blank fails on load instead of in a conversation.
"""

from __future__ import annotations

import re
from string import Formatter

from storage.slot_problem import SlotProblem

REPLY_FIELDS: dict[str, frozenset[str]] = {
    key: frozenset(fields)
    for key, fields in {
        "greet": {"community"},
        "ticket_claimed_for_resident": {"ticket_no", "category", "assignee", "due"},
        "staff_button_claim": set(),
        "staff_overdue_none": set(),
        "staff_overdue_header": {"count"},
        "staff_ticket_details": {"ticket_no", "category", "status", "assignee", "due", "description"},
        "staff_telegram_help": set(),
        "staff_linked": {"name"},
        "staff_link_invalid": set(),
        "staff_button_close": set(),
        "staff_button_transfer": set(),
        "staff_button_default_result": set(),
        "wechat_choice_hint": set(),
        "wechat_voice_unrecognised": set(),
        "location_building": {"address"},
        "location_unknown": set(),
        "wechat_unsupported": set(),
        "photo_attached": {"ticket_no"},
        "photo_kept": set(),
        "goodbye": set(),
        "out_of_scope": set(),
        "not_yet_online": set(),
        "appeal_cancelled": set(),
        "emergency_now": set(),
        "emergency_not_urgent": set(),
        "fallback_clarify": set(),
        "fallback_choose": {"first", "second"},
        "handoff_created": {"ticket_no", "assignee", "due"},
        "handoff_after_hours": {"opens"},
        "handoff_ended": set(),
        "handoff_staff_reply": {"assignee", "text"},
        "staff_handoff_message": {"ticket_no", "resident", "text"},
        "ask_description": set(),
        "ask_community": set(),
        "ask_building": {"community"},
        "ask_building_again": {"community", "building"},
        "last_address_choice": {"address"},
        "ticket_created": {"ticket_no", "category", "intake_type", "handler", "assignee", "due", "address"},
        "staff_new_ticket": {"ticket_no", "category", "intake_type", "due", "address", "description", "resident"},
        "handler_building": {"building", "role"},
        "handler_area": {"area", "role"},
        "handler_role": {"community", "role"},
        "datetime": {"month", "day", "time"},
        "date": {"month", "day"},
        "address_building": {"building"},
        "address_unit": {"unit"},
        "address_room": {"room"},
        "flow_cancelled": {"flow"},
        "resume_offer": {"flow"},
        "nothing_to_resume": set(),
        "choice_confirm": set(),
        "choice_cancel": set(),
        "choice_resume": set(),
        "ask_certificate": set(),
        "certificate_unknown": set(),
        "certificate_not_issued": {"certificate", "instead"},
        "ask_for_whom": set(),
        "ask_purpose": set(),
        "ask_phone": set(),
        "ask_id_number": set(),
        "id_number_invalid": set(),
        "certificate_ready": {"ticket_no", "certificate", "office"},
        "choice_pickup": set(),
        "choice_delivery": set(),
        "pickup_chosen": {"certificate", "place", "hours"},
        "delivery_chosen": {"certificate", "address"},
        "nothing_ready": set(),
        "phone_invalid": set(),
        "confirm_certificate": {"certificate", "for_whom", "id_number", "purpose", "phone"},
        "certificate_created": {"ticket_no", "certificate", "materials", "office", "due"},
        "ask_service": set(),
        "ask_time": {"service", "location"},
        "time_unavailable": {"time", "service", "reason"},
        "time_full": {"time", "service"},
        "confirm_appointment": {"service", "time", "location", "phone"},
        "appointment_booked": {"number", "service", "time", "location"},
        "appointment_reminder": {"number", "service", "time", "location"},
        "no_appointments": set(),
        "ask_which_appointment": set(),
        "appointment_cancelled": {"number", "service", "time"},
        "status_none": set(),
        "status_header": {"count"},
        "status_ticket": {"ticket_no", "category", "status", "assignee", "due"},
        "status_appointment": {"number", "service", "time", "status"},
        "status_not_found": {"ticket_no"},
        "booking_booked": set(),
        "booking_cancelled": set(),
        "booking_done": set(),
        "policy_answer": {"title", "heading", "quote", "source"},
        "policy_form": {"name", "link"},
        "policy_unknown": set(),
        "status_open": set(),
        "status_claimed": set(),
        "status_closed": set(),
        "status_reopened": set(),
        "list_separator": set(),
        "safety_topics": set(),
        "safety_tip": {"topic", "tips"},
        "safety_tip_line": {"title", "text"},
        "safety_never_asks": set(),
        "staff_emergency": {"ticket_no", "category", "due", "address", "description", "resident"},
        "staff_emergency_stand_down": {"ticket_no", "need"},
        "ask_clue": set(),
        "clue_received": {"receipt"},
        "clue_received_replay": set(),
        "choice_leave_contact": set(),
        "choice_stay_anonymous": set(),
        "clue_ask_contact": set(),
        "clue_contact_saved": {"receipt"},
        "clue_stays_anonymous": set(),
        "staff_new_clue": {"receipt", "category"},
        "notice_topics": set(),
        "notice_subscribed": {"topic", "scope"},
        "notice_already_subscribed": {"topic", "scope"},
        "notice_unsubscribed": {"topic"},
        "notice_not_subscribed": {"topic"},
        "notice_list": {"topics"},
        "notice_list_item": {"topic", "scope"},
        "notice_none": set(),
        "notice_which_to_stop": set(),
        "notice_scope_area": {"community", "area"},
        "notice_scope_community": {"community"},
        "notice_scope_unknown": set(),
        "notice_never_asks_money": set(),
        "notice_update": {"headline"},
        "notice_cancel": {"headline"},
        "ticket_closed_feedback": {"ticket_no", "category", "result", "assignee"},
        "choice_satisfied": set(),
        "choice_unsatisfied": set(),
        "feedback_ask": {"ticket_no", "category"},
        "feedback_thanks": {"ticket_no"},
        "feedback_reopened": {"ticket_no", "assignee", "lead"},
        "feedback_note_saved": {"ticket_no"},
        "feedback_already": {"ticket_no"},
        "feedback_nothing": set(),
        "staff_ticket_reopened": {"ticket_no", "category", "assignee", "comment"},
        "staff_reopen_note": {"ticket_no", "note"},
        "staff_ticket_reassigned": {"ticket_no", "category", "due", "description", "by"},
        "staff_ticket_due_soon": {"ticket_no", "category", "due", "description"},
        "staff_ticket_overdue_lead": {"ticket_no", "category", "assignee", "due", "description"},
        "staff_ticket_overdue_secretary": {"ticket_no", "category", "assignee", "lead", "due", "description"},
        "staff_command_help": {"claim", "close", "transfer", "mine", "overdue", "show"},
        "staff_not_on_roster": set(),
        "staff_denied": {"ticket_no"},
        "staff_transfer_denied": {"ticket_no"},
        "staff_ticket_unknown": {"ticket_no"},
        "staff_ticket_state": {"ticket_no", "status"},
        "staff_try_again": {"ticket_no"},
        "staff_close_needs_result": {"ticket_no", "close"},
        "staff_transfer_needs_name": {"ticket_no", "transfer"},
        "staff_claimed": {"ticket_no", "category", "due"},
        "staff_closed": {"ticket_no"},
        "staff_transferred": {"ticket_no", "assignee"},
        "staff_transfer_same": {"ticket_no", "assignee"},
        "staff_name_unknown": {"name"},
        "staff_name_ambiguous": {"name", "count"},
        "staff_my_tickets_header": {"count"},
        "staff_my_ticket": {"ticket_no", "category", "status", "due"},
        "staff_my_tickets_none": set(),
        "wecom_card_button": set(),
        "ticket_description_erased": set(),
        "ticket_description_expired": set(),
        "stats_no_building": set(),
        "stats_area_of_community": {"community", "area"},
        "stats_notice_update": {"headline"},
        "stats_notice_cancel": {"headline"},
        "ledger_title": {"community", "year", "month"},
        "ledger_page": {"page"},
        "ledger_section_totals": set(),
        "ledger_section_tickets": set(),
        "ledger_section_certificates": set(),
        "ledger_section_appointments": set(),
        "ledger_section_notices": set(),
        "ledger_section_ratings": set(),
        "ledger_col_item": set(),
        "ledger_col_count": set(),
        "ledger_col_number": set(),
        "ledger_col_category": set(),
        "ledger_col_intake_type": set(),
        "ledger_col_created": set(),
        "ledger_col_due": set(),
        "ledger_col_closed": set(),
        "ledger_col_on_time": set(),
        "ledger_col_role": set(),
        "ledger_col_assignee": set(),
        "ledger_col_result": set(),
        "ledger_col_certificate": set(),
        "ledger_col_requested": set(),
        "ledger_col_ready": set(),
        "ledger_col_service": set(),
        "ledger_col_time": set(),
        "ledger_col_status": set(),
        "ledger_col_headline": set(),
        "ledger_col_sent": set(),
        "ledger_col_recipients": set(),
        "ledger_col_delivered": set(),
        "ledger_col_rating": set(),
        "ledger_col_rated": set(),
        "ledger_yes": set(),
        "ledger_no": set(),
        "ledger_not_closed": set(),
        "ledger_satisfied": set(),
        "ledger_unsatisfied": set(),
        "ledger_total_tickets": set(),
        "ledger_total_closed": set(),
        "ledger_total_on_time": set(),
        "ledger_total_late": set(),
        "ledger_total_open": set(),
        "ledger_total_on_time_rate": set(),
        "ledger_total_certificates": set(),
        "ledger_total_certificates_ready": set(),
        "ledger_total_appointments": set(),
        "ledger_total_appointments_done": set(),
        "ledger_total_appointments_cancelled": set(),
        "ledger_total_notices": set(),
        "ledger_total_recipients": set(),
        "ledger_total_delivered": set(),
        "ledger_total_satisfied": set(),
        "ledger_total_unsatisfied": set(),
        "ledger_total_satisfaction_rate": set(),
        "stats_staff_with_role": {"name", "role"},
        "open311_service_description": {"category", "intake_type"},
        "open311_service_notice": {"ticket_no", "agency", "due"},
        "open311_closed_notes": {"result"},
    }.items()
}
OFFERABLE_INTENTS = (
    "appeal_report", "certificate_request", "appointment_book", "appointment_cancel", "policy_question",
    "safety_tip", "emergency", "subscribe_notices", "unsubscribe_notices", "request_status", "feedback",
    "report_clue", "human_handoff",
)
"""Needs the bot can offer as a choice; each has an `intent_<name>` reply: its label on a button."""
REPLY_FIELDS.update({f"intent_{name}": frozenset() for name in OFFERABLE_INTENTS})
REPLY_FIELDS.update({f"reason_{problem.value}": frozenset() for problem in SlotProblem})
"""Why a time cannot be booked, one reply per `SlotProblem`."""
STAFF_CARD_KINDS = (
    "ticket_assigned", "emergency_alert", "ticket_reopened", "ticket_reopen_note", "handoff_to_staff",
    "ticket_overdue", "ticket_due_soon", "ticket_reassigned", "clue_received", "other",
)
"""Staff notifications by outbox kind; each has a `wecom_title_<kind>` reply, the title of its WeCom
card (`other` for any kind not listed). `{ticket_no}` is empty when the message has no ticket."""
REPLY_FIELDS.update({f"wecom_title_{kind}": frozenset({"ticket_no"}) for kind in STAFF_CARD_KINDS})

_SECTION = re.compile(r"^##\s+([a-z0-9_]+)\s*$", re.MULTILINE)


def parse_replies(markdown: str) -> dict[str, str]:
    """Split a replies file into {key: template}; text before the first section is a preamble."""
    parts = _SECTION.split(markdown)
    return {key: body.strip() for key, body in zip(parts[1::2], parts[2::2], strict=True)}


def check_replies(replies: dict[str, str], *, complete: bool) -> list[str]:
    """Problems with a replies mapping, as `key: message` strings (empty when it is fine)."""
    problems = []
    for key, text in replies.items():
        allowed = REPLY_FIELDS.get(key)
        if allowed is None:
            problems.append(f"{key}: unknown reply key")
            continue
        if not text:
            problems.append(f"{key}: the template is empty")
        try:
            used = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
        except ValueError as error:
            problems.append(f"{key}: {error}")
            continue
        if unknown := sorted(used - allowed):
            names = ", ".join(sorted(allowed)) or "none"
            problems.append(f"{key}: unknown blank {{{unknown[0]}}}; this reply may use: {names}")
    if complete:
        problems.extend(f"{key}: missing" for key in sorted(REPLY_FIELDS.keys() - replies.keys()))
    return problems
