"""The pipeline every channel feeds: de-duplicate -> resident -> dialogue state -> NLU ->
handler -> replies, in one transaction. Channels and handlers plug in; this core stays put."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.attachments import receive_photo
from bot.conversation.locations import nearest_building, remember_location
from bot.core.dialogue import DialogueState
from bot.core.messages import InboundMessage, Reply, reply_from_json, reply_to_json
from bot.core.wording import Wording
from handlers import build_registry
from handlers.base import Handler, HandlerContext
from nlu.entities import Address
from nlu.payloads import read_button_payload
from nlu.policy_index import PolicyLibrary
from nlu.result import FALLBACK_INTENT, ConfidencePolicy, Entity, IntentScore, NLUBackend, ParseResult
from nlu.safety import SafetyNet
from storage.clock import Clock, system_clock
from storage.models import Community, Resident
from storage.profile import Profile
from storage.repositories import conversations, directory, processed
from storage.repositories.residents import find_or_create_resident, note_inbound

REPLIES: dict[str, tuple[str, ...]] = {
    "resume_offer": ("flow",),
    "choice_resume": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

INTERRUPTING_INTENTS = frozenset({"emergency", "human_handoff"})
"""Intents that always break into an open flow instead of being read as an answer to it."""
INTERRUPT_CONFIDENCE = 0.85
"""Another need said this clearly also breaks in, unless the flow is waiting for free text."""
NOT_INTERRUPTING = frozenset({"affirm", "deny", FALLBACK_INTENT})
FREE_TEXT_SLOTS = frozenset({"description", "message"})


@dataclass
class Pipeline:
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    nlu: NLUBackend
    policy: ConfidencePolicy
    safety: SafetyNet = field(default_factory=SafetyNet)
    policies: PolicyLibrary | None = None
    clock: Clock = system_clock

    def __post_init__(self) -> None:
        self.handlers: dict[str, Handler] = build_registry()

    async def handle(self, message: InboundMessage) -> list[Reply]:
        """The replies to a message; a message seen before gets the replies it got then."""
        try:
            return await self._handle_once(message)
        except IntegrityError:
            # A concurrent retry of the same message (or a first contact racing another)
            # committed first; what it stored is the answer.
            log.info("concurrent delivery of %s/%s; answering from the stored result", message.channel,
                     message.message_id)
            return await self._handle_once(message)

    async def _handle_once(self, message: InboundMessage) -> list[Reply]:
        async with self.sessions() as session, session.begin():
            seen = await processed.find_processed(session, message.channel, message.message_id)
            if seen is not None:
                return [reply_from_json(r) for r in seen.replies]
            community = await directory.get_community(session, message.community_key) if message.community_key else None
            resident = await find_or_create_resident(session, message.channel, message.sender_id,
                                                     community.id if community else None)
            record = await processed.claim_message(session, message.channel, message.message_id, resident.id)
            if community is None and resident.community_id is not None:
                community = await directory.get_community_by_id(session, resident.community_id)
            now = self.clock()
            await note_inbound(session, message.channel, message.sender_id, now)
            conversation = await conversations.load_conversation(session, resident.id)
            idle = timedelta(minutes=self.profile.district.conversation_idle_minutes)
            state = DialogueState.restore(conversation.state, conversation.updated_at, now, idle)
            said = await self._words_of(session, message, resident, community, state)
            if isinstance(said, str):
                ctx = HandlerContext(session, self.profile, resident, community, state, now, message.channel,
                                     self.policies)
                replies = await self._converse(message, said, ctx)
                recorded = replies if ctx.replay_replies is None else ctx.replay_replies
            else:
                replies = recorded = said
            state.offered = [[c.label, c.payload] for r in replies for c in r.choices]
            conversations.save_conversation(conversation, state.to_json(), now)
            processed.record_replies(record, [reply_to_json(r) for r in recorded])
        return replies

    async def _words_of(self, session: AsyncSession, message: InboundMessage, resident: Resident,
                        community: Community | None, state: DialogueState) -> str | list[Reply]:
        """What the resident said, for the NLU; or, for a photo or a shared location, the answer to it.
        A number or label answering the last choices is read as the choice's payload; a location
        answers an open form's question for the building with the nearest one."""
        wording = Wording(self.profile, community.key if community else None)
        if message.photo is not None:
            return [await receive_photo(session, wording, resident, message.channel, message.photo)]
        if message.location is not None:
            number = nearest_building(self.profile, community, message.location)
            if number is None or state.awaiting != "building":
                return [await remember_location(session, wording, resident, community, number)]
            return Address(number).label()
        return state.chosen_payload(message.text) or message.text

    async def _converse(self, message: InboundMessage, text: str, ctx: HandlerContext) -> list[Reply]:
        state = ctx.state
        nlu = self.understand(text, state)
        if not nlu.is_fallback:
            state.misses = 0
        interrupted = state.flow is not None and self._interrupts(nlu, state)
        if interrupted:
            state.suspend()
        replies = await self._route(nlu, state)(message, nlu, ctx)
        if interrupted and state.flow is None and state.suspended:
            replies = [*replies, self._resume_offer(ctx, state.suspended["flow"])]
        return replies

    def understand(self, text: str, state: DialogueState) -> ParseResult:
        """Button payloads (`/intent`, or `/intent{"topic": "fire"}` with entities) are taken as said,
        applied to the words that raised the question if there were any; everything else goes to
        the NLU and the confidence policy."""
        stripped, pending = text.strip(), state.pending_text
        state.pending_text = None
        button = read_button_payload(stripped)
        if button is not None and button[0] in self.handlers:
            chosen = IntentScore(button[0], 1.0)
            entities = tuple(Entity(name, value, 0, 0, value) for name, value in button[1].items())
            if pending:
                said = self.nlu.parse(pending)
                return replace(said, intent=chosen, entities=said.entities + entities)
            return ParseResult(text="", intent=chosen, entities=entities)
        return self.safety.apply(self.policy.apply(self.nlu.parse(stripped)))

    def _route(self, nlu: ParseResult, state: DialogueState) -> Handler:
        if state.flow is not None and state.flow in self.handlers:
            return self.handlers[state.flow]
        return self.handlers.get(nlu.intent.name, self.handlers[FALLBACK_INTENT])

    def _interrupts(self, nlu: ParseResult, state: DialogueState) -> bool:
        name = nlu.intent.name
        if name in INTERRUPTING_INTENTS:
            return True
        if name in NOT_INTERRUPTING or name == state.flow or nlu.intent.confidence < INTERRUPT_CONFIDENCE:
            return False
        return not self._awaits_free_text(state) and name in self.handlers

    def _awaits_free_text(self, state: DialogueState) -> bool:
        spec = self.profile.flows.get(state.flow or "")
        if spec is None:
            return state.awaiting in FREE_TEXT_SLOTS
        return any(slot.name == state.awaiting and slot.kind == "text" for slot in spec.slots)

    def _resume_offer(self, ctx: HandlerContext, flow: str) -> Reply:
        spec = self.profile.flows.get(flow)
        name = spec.name if spec else ctx.wording.render(f"intent_{flow}")
        return ctx.say("resume_offer", ctx.choice_of("choice_resume", "/resume"), flow=name)
