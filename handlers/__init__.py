"""One module per resident need; each names the intents it answers in `INTENTS`."""

from __future__ import annotations

from types import ModuleType

from handlers import (
    appeal_report,
    appointment_book,
    appointment_cancel,
    certificate_delivery,
    certificate_request,
    conversation,
    emergency,
    fallback,
    feedback,
    follow_up,
    human_handoff,
    not_urgent,
    notices,
    policy_question,
    publicity_objection,
    report_addition,
    report_clue,
    report_withdrawal,
    request_status,
    resume,
    safety_tip,
    split_report,
    suggestion,
    ticket_answer,
    vote,
)
from handlers.base import AnswerCheck, Handler

MODULES: tuple[ModuleType, ...] = (
    appeal_report, appointment_book, appointment_cancel, certificate_delivery, certificate_request, conversation,
    emergency, fallback, feedback, follow_up, human_handoff, notices, policy_question, publicity_objection,
    report_addition, report_clue, report_withdrawal, request_status, safety_tip, split_report, suggestion,
    ticket_answer, vote,
)


def build_registry() -> dict[str, Handler]:
    """Intent (and flow) name -> handler. An intent claimed twice is a programming error."""
    registry: dict[str, Handler] = {}
    for module in MODULES:
        for intent in module.INTENTS:
            if intent in registry:
                raise RuntimeError(f"intent {intent} is handled twice")
            registry[intent] = module.handle
    registry[resume.INTENT] = resume.make_handler(dict(registry), build_answer_checks())
    registry[not_urgent.INTENT] = not_urgent.make_handler(dict(registry))
    return registry


def build_answer_checks() -> dict[str, AnswerCheck]:
    """Flow name -> how it tells an answer to its open question from a new need."""
    return {intent: module.answers for module in MODULES if hasattr(module, "answers") for intent in module.INTENTS}
