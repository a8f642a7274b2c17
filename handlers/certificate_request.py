"""certificate_request: the online police office's certificate desk (网上社区警务室).

Collects the certificate type, for whom, the purpose and a phone number (flows.yaml), shows the
checklist of materials, and opens a ticket of intake type 行政事务类 routed to the issuing office
with the certificate's own processing time. Abolished or unneeded certificates are explained at
once (where to go instead) and open nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.messages import InboundMessage, Reply
from bot.office.categories import asks_office_to_act
from bot.office.certificates import CERTIFICATE_CATEGORY
from bot.office.ticketing import TicketRequest, open_ticket
from handlers import appeal_report
from handlers.base import HandlerContext
from handlers.community import ask_community, office_where_and_when, resolve_community
from handlers.forms.engine import answers_slot, run_form
from handlers.forms.slot_readers import named_certificate
from nlu.id_number import mask_id_number
from nlu.phrasing import ASKS_FOR_A_DOCUMENT, GOES_IN_PERSON, cancels
from nlu.result import ParseResult
from storage.models import CertificateRequest
from storage.profile.schema import Category, Certificate

REPLIES: dict[str, tuple[str, ...]] = {
    "certificate_created": ("certificate", "due", "materials", "office", "ticket_no"),
    "certificate_in_person": ("certificate", "hours", "materials", "place"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


INTENTS = ("certificate_request",)
FLOW = "certificate_request"
INTAKE_TYPE = "administrative"
CATEGORY = CERTIFICATE_CATEGORY


async def answers(nlu: ParseResult, ctx: HandlerContext) -> bool:
    return await answers_slot(FLOW, nlu, ctx)


async def handle(message: InboundMessage, nlu: ParseResult, ctx: HandlerContext) -> list[Reply]:
    if ctx.state.flow != FLOW and not ASKS_FOR_A_DOCUMENT.search(nlu.text) \
            and named_certificate(ctx.profile, nlu.text) is None and asks_office_to_act(ctx.profile, nlu.text):
        # 「…能不能帮俺申请点救助啥的 麻烦你们给报上去」: help asked with an office matter, no document named.
        return await appeal_report.file_instead(message, nlu, ctx)
    if ctx.state.flow == FLOW and ctx.state.slots.get("certificate") in ctx.profile.certificates \
            and GOES_IN_PERSON.search(nlu.text) and not cancels(nlu.text) and not any(ch.isdigit() for ch in nlu.text):
        return _in_person(ctx)
    return await run_form(FLOW, nlu, ctx, _summary, _submit)


def _in_person(ctx: HandlerContext) -> list[Reply]:
    """「要不先约个时间去社区办吧」 in the form (the ID number not at hand): the window issues it without a booking;
    what to bring and when it is open, and the form left, not taken for what the certificate is for."""
    certificate = ctx.profile.certificates[ctx.state.slots["certificate"]]
    ctx.state.finish()
    return [ctx.say("certificate_in_person", certificate=certificate.name, **office_where_and_when(ctx),
                    materials=_checklist(certificate))]


async def _summary(ctx: HandlerContext) -> Mapping[str, object]:
    slots = ctx.state.slots
    return {"certificate": ctx.profile.certificates[slots["certificate"]].name, "for_whom": slots["for_whom"],
            "id_number": mask_id_number(slots["id_number"]), "purpose": slots["purpose"], "phone": slots["phone"]}


def certificate_category(certificate: Certificate) -> Category:
    """The ticket category of a certificate: routed to its issuing office, administrative intake."""
    return Category(key=CATEGORY, name=certificate.name, intake_type=INTAKE_TYPE, handled_by=certificate.issued_by)


async def _submit(ctx: HandlerContext) -> list[Reply]:
    if not await resolve_community(ctx, ""):
        ctx.state.awaiting = "community"
        return [ask_community(ctx)]
    assert ctx.community is not None
    slots = ctx.state.slots
    certificate = ctx.profile.certificates[slots["certificate"]]
    opened = await open_ticket(ctx.session, ctx.profile, TicketRequest(
        community=ctx.community, resident=ctx.resident, channel=ctx.channel,
        category=certificate_category(certificate), description=f"{certificate.name}：{slots['purpose']}",
        time_limit=certificate.processing,
    ), ctx.now)
    ctx.session.add(CertificateRequest(ticket_id=opened.ticket.id, certificate_key=certificate.key,
                                       for_whom=slots["for_whom"], id_number=slots["id_number"],
                                       purpose=slots["purpose"], phone=slots["phone"]))
    ctx.resident.phone = ctx.resident.phone or slots["phone"]
    ctx.state.finish()
    return [ctx.say("certificate_created", ticket_no=opened.ticket.number, certificate=certificate.name,
                    materials=_checklist(certificate), office=opened.route.handler_label, due=opened.due_label)]


def _checklist(certificate: Certificate) -> str:
    return "\n".join(f"· {item}" for item in certificate.materials)
