"""Which reader and which question belong to each kind of form slot (flows.yaml `kind`)."""

from __future__ import annotations

from bot.core.messages import Reply
from handlers.appointment_slots import ask_service, ask_time, read_service, read_time
from handlers.base import HandlerContext
from handlers.forms.address_slot import ask_address, read_address
from handlers.forms.slot_readers import (
    Asker,
    Reader,
    ask_certificate,
    ask_plain,
    ask_with_options,
    read_certificate,
    read_choice,
    read_id_number,
    read_phone,
    read_text,
)
from storage.profile.schema import SlotSpec

READERS: dict[str, Reader] = {
    "certificate": read_certificate,
    "service": read_service,
    "appointment_time": read_time,
    "choice": read_choice,
    "text": read_text,
    "phone": read_phone,
    "id_number": read_id_number,
    "address": read_address,
}
ASKERS: dict[str, Asker] = {
    "certificate": ask_certificate,
    "service": ask_service,
    "appointment_time": ask_time,
    "choice": ask_with_options,
    "text": ask_plain,
    "phone": ask_plain,
    "id_number": ask_plain,
    "address": ask_address,
}


async def ask_slot(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    return await ASKERS[slot.kind](slot, ctx)
