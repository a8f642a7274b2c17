"""The pipeline every channel feeds: de-duplicate -> resident -> dialogue state -> NLU ->
handler -> replies, in one transaction. Channels and handlers plug in; this core stays put."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.attachments import receive_photo, receive_voice
from bot.conversation.locations import nearest_building, remember_location
from bot.conversation.second_needs import SecondNeeds
from bot.conversation.taking_part import PUBLICITY_OBJECTION, taking_part
from bot.core.dialogue import DialogueState, is_a_pick
from bot.core.messages import InboundMessage, Reply, TextReply, reply_from_json, reply_to_json
from bot.core.seal import DEVELOPMENT_SEAL, Seal
from bot.core.wording import Wording
from bot.office import follow_ups
from bot.office.categories import names_a_category, prepare_filing
from bot.office.objections import something_to_object_to
from bot.office.pauses import reasons_awaiting_resident
from handlers import (
    appeal_report,
    appointment_book,
    appointment_cancel,
    build_answer_checks,
    build_registry,
    certificate_delivery,
    certificate_request,
    feedback,
    not_urgent,
    notices,
    policy_question,
    report_addition,
    report_clue,
    report_withdrawal,
    request_status,
    resume,
    safety_tip,
    ticket_answer,
)
from handlers.appointment_slots import named_service
from handlers.base import Handler, HandlerContext
from handlers.community import home_said, named_communities, note_named_community, only_names_a_community
from handlers.conversation import DENY, GOODBYE, GREETING
from handlers.forms.engine import answers_slot
from nlu.address import stated_address
from nlu.entities import Address
from nlu.payloads import read_button_payload
from nlu.phrasing import (
    ASKING,
    ASKS_ASIDE,
    ASKS_FOR_A_DOCUMENT,
    ASKS_SOMEONE_TO_ACT,
    ASKS_TO_BOOK,
    CANCELS_A_BOOKING,
    GIVES_A_NAME,
    GO_ON,
    NAMES_A_NUMBER,
    OPENING_ASIDE,
    OPENING_THANKS,
    PAUSES,
    STOOD_CLEAR,
    STOPS_NOTICES,
    praises_what_was_done,
    without_greeting,
)
from nlu.policy_index import PolicyLibrary
from nlu.result import FALLBACK_INTENT, ConfidencePolicy, Entity, IntentScore, NLUBackend, ParseResult
from nlu.safety import SafetyNet
from nlu.text import simplified
from storage.clock import Clock, system_clock
from storage.models import Community, Resident
from storage.profile import Profile
from storage.repositories import directory, processed, residents, turns

REPLIES: dict[str, tuple[str, ...]] = {
    "resume_offer": ("flow",),
    "choice_resume": (),
    "message_too_long": ("length", "limit"),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

EMERGENCY = "emergency"
ANONYMOUS = report_clue.FLOW
"""A clue's words are never kept in the conversation's memory (they would tie the resident to it)."""
UNCUED_EMERGENCY_MIN_CHARS = 7
"""Shorter than this (「东门」, 「帮我爸开」), only a danger cue makes a message an emergency."""
UNCUED_EMERGENCY_FLOOR = 0.6
"""The least confidence an emergency without a danger cue needs. The policy's floor (0.2) is for
messages the cues name; without a cue, the data's real emergencies score 0.76 and up while bare place
names and questions about what to do "in case" reach 0.56."""
UNCUED_EMERGENCY_FLOOR_IN_FLOW = 0.7
"""Inside a flow a message is most likely about it (「快点来人看看吧」 in a hand-off about a leak scores 0.6)."""
RESUMING = frozenset({"affirm", GREETING, FALLBACK_INTENT, "resume"})
"""What 「好的那继续吧」 may read as to the classifier while a flow is put aside."""
BARE_GO_ON_CHARS = 4
"""「继续」「接着办」「继续吧」: no more than this, and the words only say "go on"."""
INTERRUPT_CONFIDENCE = 0.85
"""Another need said this clearly also breaks in, unless the flow is waiting for free text."""
REPORT_AMID_WORDS_CONFIDENCE = 0.6
"""A report that names a building and what is wrong breaks into a question waiting for words at this confidence:
its words say more than the classifier's confidence (「哎等一下先跟你说个急事我们三十一栋的电梯又不动了」, 0.83)."""
ASK_FOR_A_PERSON_CHARS = 8
"""Up to this long, and without numbers, a clear wish for a person breaks even into free text (「我要找人工」)."""
MIN_INTERRUPT_CHARS = 4
"""A typed message shorter than this (「东门」, 「报修」) does not break into a form as another need: it is far
more likely a stray answer. Buttons, a person and danger still do."""
SMALL_TALK = frozenset({"goodbye", "affirm", "deny", "out_of_scope"})
"""What the words after a greeting may read as without being a need of their own."""
NOT_INTERRUPTING = frozenset({"affirm", "deny", "out_of_scope", FALLBACK_INTENT})
"""「等一下 有人敲门」 inside a form is a pause, not another need: the form keeps its place."""
FREE_TEXT_SLOTS = frozenset({"description", "message"})
MORE_ABOUT_ONESELF_CHARS = 6
"""After where they live, a hello says no more than this (「…的老王」); more is what they came about."""
NEED_AFTER_GREETING_CHARS = 16
"""After a greeting, this many letters the classifier is unsure of (「…我们家老人今年七十岁了想办那个坐公交车不要钱的卡
要怎么弄」) came about something: the bot asks which need, rather than greeting with the menu."""
MORE_THAN_A_GREETING_CHARS = 8
"""A message read as a greeting this long or longer may be a question a guide answers (「社区中午休息不 我十二点多
过去有人没」); shorter ones (「你好 在吗」) are not worth a look in the guides."""


FOLLOW_UP_ANSWER_CHARS = 10
"""Up to this long, a verdict (「好着呢 没问题了」, 「又坏了」) answers a waiting 回访 even if it sounds like a
category's; longer, only 「…又坏了」-like words that name no problem of their own do."""
FOLLOW_UP_ANSWER_WINDOW = timedelta(days=7)
"""A 回访 older than this is no longer what 「好了」 answers."""


UNDERSTANDING_THREADS = 8
"""Threads reading messages at once in a process: the embedded classifier needs two at most (the GIL), a Rasa
backend one for each call waiting on its server."""

T = TypeVar("T")

VOICE_FOR_A_PERSON = "/human_handoff"
"""What a voice note without words and without an open ticket says: a person listens to it."""


@dataclass
class Pipeline:
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    nlu: NLUBackend
    policy: ConfidencePolicy
    safety: SafetyNet = field(default_factory=SafetyNet)
    policies: PolicyLibrary | None = None
    clock: Clock = system_clock
    seal: Seal = DEVELOPMENT_SEAL
    """Keys the retry cache and an anonymous clue's contact offer (`bot.core.seal`)."""

    def __post_init__(self) -> None:
        self.handlers: dict[str, Handler] = build_registry()
        self.answer_checks = build_answer_checks()
        self.needs = SecondNeeds(self.profile, self.nlu, self.policy)
        self.communities = directory.CommunityRows()
        self.awaiting_reasons = reasons_awaiting_resident(self.profile)
        self.understanding = ThreadPoolExecutor(UNDERSTANDING_THREADS, thread_name_prefix="understanding")
        prepare_filing(self.profile)

    async def handle(self, message: InboundMessage) -> list[Reply]:
        """The replies to a message; a message seen before gets the replies it got then."""
        try:
            return await self._handle_once(message)
        except IntegrityError:
            # A first contact raced another message of the same new account, which created the resident first:
            # this message, once more, finds it. (A concurrent retry of the same message does not get here: its
            # claim waits for the first and then finds the stored replies.)
            log.info("first contact of %s/%s raced another; handling it again", message.channel, message.message_id)
            return await self._handle_once(message)

    async def _off_loop(self, read: Callable[..., T], *args: Any) -> T:
        """`read(*args)` in the pipeline's own threads, off the event loop: a Rasa backend's HTTP call blocks, and
        reading a long message costs milliseconds of CPU (threads share the GIL, but the loop gets its turns).
        Not in asyncio's default threads: sends to WeChat wait there for its API, and a slow API would leave every
        turn waiting for a thread while it holds its database connection. Nothing read here touches the database."""
        call = functools.partial(contextvars.copy_context().run, read, *args)
        return await asyncio.get_running_loop().run_in_executor(self.understanding, call)

    def retry_key(self, message: InboundMessage) -> str:
        """What the retry cache keeps `message` under: its retry key sealed, so the row does not name the sender."""
        return self.seal.of(message.retry_key)

    async def _handle_once(self, message: InboundMessage) -> list[Reply]:
        async with self.sessions() as session, session.begin():
            key = self.retry_key(message)
            now = self.clock()
            claimed = await turns.claim(session, message.channel, key, message.sender_id, now)
            if claimed is None:
                seen = await processed.find_processed(session, message.channel, key)
                assert seen is not None  # claimed, and a claim is never taken back once committed
                return [reply_from_json(r) for r in seen.replies]
            community = await self.communities.by_key(session, message.community_key) if message.community_key else None
            writer = await residents.writer(session, claimed.resident_id, message.channel, message.sender_id,
                                            community.id if community else None, now, self.awaiting_reasons)
            resident = writer.resident
            if community is None and resident.community_id is not None:
                community = await self.communities.by_id(session, resident.community_id)
            idle = timedelta(minutes=self.profile.district.conversation_idle_minutes)
            state = DialogueState.restore(writer.state, writer.saved_at, now, idle)
            said = await self._words_of(session, message, resident, community, state)
            owner: int | None = resident.id
            created_at = None
            last_guide, last_quoted, state.guide, state.quoted = state.guide, state.quoted, None, None
            if isinstance(said, str):
                ctx = HandlerContext(session, self.profile, resident, community, state, now, message.channel,
                                     self.policies, seal=self.seal, last_guide=last_guide, last_quoted=last_quoted,
                                     may_be_awaited=writer.awaited)
                replies = await self._converse(message, said, ctx)
                if said == VOICE_FOR_A_PERSON and message.voice is not None:
                    replies = [ctx.say("voice_for_a_person"), *replies]
                recorded = replies if ctx.replay_replies is None else ctx.replay_replies
                if ctx.anonymous:
                    owner, created_at = None, processed.day_of(now, self.profile.timezone)
            else:
                replies = recorded = said
            state.offered = [[c.label, c.payload] for r in replies for c in r.choices]
            await turns.end(session, message.channel, key, resident.id, state.to_json(), now,
                            [reply_to_json(r) for r in recorded], owner, created_at)
        return replies

    async def _words_of(self, session: AsyncSession, message: InboundMessage, resident: Resident,
                        community: Community | None, state: DialogueState) -> str | list[Reply]:
        """What the resident said, for the NLU; or, for a photo or a shared location, the answer to it.
        A number or label answering the last choices is read as the choice's payload; a location
        answers an open form's question for the building with the nearest one."""
        wording = Wording(self.profile, community.key if community else None)
        if message.photo is not None:
            return [await receive_photo(session, self.profile, wording, resident, message.channel, message.photo,
                                        self.clock())]
        if message.voice is not None:
            heard = await receive_voice(session, wording, resident, message.channel, message.voice, message.text)
            if heard is not None:
                return [heard]
            if not message.text:
                return VOICE_FOR_A_PERSON
        if message.location is not None:
            number = nearest_building(self.profile, community, message.location)
            if number is None or state.awaiting != "building":
                return [await remember_location(session, wording, resident, community, number)]
            return Address(number).label()
        said = state.chosen_payload(message.text) or message.text
        limit = self.profile.district.longest_message_chars
        if len(said) > limit:
            return [TextReply(wording.render("message_too_long", length=len(said), limit=limit))]
        return said

    async def _converse(self, message: InboundMessage, text: str, ctx: HandlerContext) -> list[Reply]:
        state = ctx.state
        flow_before = state.flow
        await note_named_community(ctx, text)
        said, asked = simplified(text.strip()), state.pending_text  # `_understand` takes up the words asked about
        button = read_button_payload(said) is not None
        nlu, cued = await self._off_loop(self._understand_ahead, text, state)
        if not button:
            await ticket_answer.start_if_waited_on(ctx, nlu)
        if not (button or cued) and state.flow is None:
            nlu = await self._taking_part(nlu, ctx)
        if not cued:
            await self._take_up_by_answering(nlu, ctx)
            if not button:
                nlu = await self._follow_up_answer(nlu, ctx)
        answers = state.flow is not None and await self._answers(nlu, ctx)
        # Before the readings of a filing just made: 「楼上那家人不在家 电话也打不通」 that the classifier gives a
        # quarter to emergency is news of the leak just reported, once that emergency does not stand.
        closed_answer = answers and not self._awaits_free_text(state) and await self._answers_the_question(nlu, ctx)
        if not is_emergency(nlu, cued, in_flow=state.flow is not None, closed_answer=closed_answer,
                            calm=self.safety.sounds_calm(nlu.text)):
            nlu = self._without_emergency(nlu)
        if state.flow is None and not button and (unfixed := await feedback.not_fixed(nlu, ctx)) is not None:
            number = unfixed.number or ""
            nlu = replace(nlu, intent=IntentScore(feedback.UNSATISFIED, 1.0),
                          entities=(*nlu.entities, Entity("ticket", number, 0, 0, number)))
        if state.flow is None and not button and (change := await notices.changes_subscriptions(nlu, ctx)):
            nlu = replace(nlu, intent=IntentScore(change, 1.0))
        if state.flow is None and (policy_question.asks_on_about_the_guide(nlu, ctx)
                                   or policy_question.cannot_follow_the_guide(nlu, ctx)):
            nlu = replace(nlu, intent=IntentScore(policy_question.INTENT, 1.0))
        moves = await appeal_report.corrects_where(nlu, ctx) if state.flow is None \
            else not answers and await appeal_report.corrects_where_amid_form(nlu, ctx)
        if moves:
            nlu = replace(nlu, intent=IntentScore(appeal_report.MOVE, 1.0))
        elif state.flow is None and not button \
                and (news := await report_addition.where_of_the_news_asked_about(said, nlu, ctx, asked)) is not None:
            nlu = news
        elif state.flow is None and await report_addition.places_more_exactly(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_addition.MORE_EXACTLY, 1.0))
        elif state.flow is None and await report_addition.tells_when_home(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_addition.WHEN_HOME, 1.0))
        elif state.flow is None and request_status.asks_after_the_filing(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(request_status.INTENT, 1.0))
            state.filed = []
        elif state.flow is None and await report_addition.tells_the_duty(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_addition.TO_THE_DUTY, 1.0))
        elif state.flow is None and await report_addition.asks_discretion(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_addition.DISCRETION, 1.0))
        elif state.flow is None and await report_withdrawal.withdraws(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_withdrawal.INTENT, 1.0))
            state.filed = []
        elif state.flow is None and await report_addition.tells_more(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(report_addition.MORE, 1.0))
        else:
            state.filed = []
            if state.flow is None and await certificate_delivery.asks_about_getting_it(nlu, ctx):
                nlu = replace(nlu, intent=IntentScore(certificate_delivery.ASKED, 1.0))
        if state.flow is None and appointment_book.leaves_phone(nlu, ctx):
            nlu = replace(nlu, intent=IntentScore(appointment_book.PHONE_LEFT, 1.0))
        else:
            state.booked = None
        if state.flow is None and appointment_cancel.only_asks(nlu):
            nlu = replace(nlu, intent=IntentScore(request_status.INTENT, 1.0))
        elif state.flow is None and appointment_book.asks_to_move(nlu):
            nlu = replace(nlu, intent=IntentScore(appointment_book.FLOW, 1.0))
        nlu, split = await self._off_loop(self.needs.split, nlu, state) if state.flow is None \
            else (self._asked_aside(nlu, ctx), False)
        if not nlu.is_fallback:
            state.misses = 0
        interrupted = state.flow is not None and self._interrupts(nlu, ctx, answers)
        if interrupted and report_clue.only_takes_more(state):
            state.finish()  # nothing to take up again: the clue is stored
            interrupted = False
        elif interrupted:
            state.suspend()
        replies = await self._route(nlu, state)(message, nlu, ctx)
        if interrupted and state.flow is None and state.suspended:
            replies = [*replies, self._resume_offer(ctx, state.suspended["flow"])]
        if state.later and (state.flow is None or report_clue.only_offers_contact(state)):
            replies = [*replies, *await self._serve_later(message, ctx)]
        elif split:
            replies = [*replies, self.needs.noted(ctx)]
        if ANONYMOUS not in (flow_before, state.flow, nlu.intent.name):
            state.remember_words(text)
        else:
            ctx.anonymous = True
        return replies

    async def _serve_later(self, message: InboundMessage, ctx: HandlerContext) -> list[Reply]:
        """The first need is done: on to the second one the resident said with it, with its own words."""
        assert ctx.state.later is not None
        need, words = ctx.state.later
        ctx.state.later = None
        said = replace(await self._off_loop(self.nlu.parse, words), intent=IntentScore(need, 1.0))
        return [self.needs.now(ctx, need, words), *await self.handlers[need](message, said, ctx)]

    async def _taking_part(self, nlu: ParseResult, ctx: HandlerContext) -> ParseResult:
        """An objection to a 公示, a vote or a suggestion, when the words say so and the handler is there; words
        of objection only when there is a 公示 to object to (else 「低保评得不公平」 is a complaint like any other)."""
        taken = taking_part(self.profile, nlu)
        if taken.intent.name not in self.handlers or taken is nlu:
            return nlu
        if taken.intent.name == PUBLICITY_OBJECTION:
            community_id = ctx.community.id if ctx.community is not None else ctx.resident.community_id
            if not await something_to_object_to(ctx.session, self.profile, community_id, nlu.text, ctx.now):
                return nlu
        return taken

    def _understand_ahead(self, text: str, state: DialogueState) -> tuple[ParseResult, bool]:
        """`_understand`, and a policy question embedded for the guides while still off the event loop: answering it
        there would hold the loop, and every other message of this process, for the embedding's 15-100 ms."""
        said, cued = self._understand(text, state)
        if self.policies is not None and said.intent.name == policy_question.INTENT and said.text:
            self.policies.prepare(said.text)
        return said, cued

    def _understand(self, text: str, state: DialogueState) -> tuple[ParseResult, bool]:
        """The NLU's reading and whether a danger cue made it an emergency.

        Button payloads (`/intent`, or `/intent{"topic": "fire"}` with entities) are taken as said,
        applied to the words that raised the question if there were any (a need put aside for later
        takes its own words); 「好的那继续吧」 with a flow put aside resumes it; everything else goes to
        the NLU, the confidence policy and the safety net."""
        stripped, pending = simplified(text.strip()), state.pending_text
        state.pending_text = None
        button = read_button_payload(stripped)
        if button is not None and button[0] in self.handlers:
            if state.later and state.later[0] == button[0]:
                pending, state.later = state.later[1], None
            chosen = IntentScore(button[0], 1.0)
            entities = tuple(Entity(name, value, 0, 0, value) for name, value in button[1].items())
            if pending:
                said = self.nlu.parse(pending)
                return replace(said, intent=chosen, entities=said.entities + entities), False
            return ParseResult(text="", intent=chosen, entities=entities), False
        said, cued = self.read(stripped)
        if cued:
            return said, True
        stood_clear = said.intent.name == DENY or STOOD_CLEAR.search(stripped) is not None
        if pending and stood_clear and not_urgent.INTENT in _offered_intents(state):
            # 「没转」 right after the numbers to call about a fraud call, or 「没转 我挂了」 (a goodbye to the
            # classifier): not happening after all. How to keep safe from it, for the words first written, as the
            # 安全提醒 button offered there would give.
            first = self.nlu.parse(pending)
            need = Entity("need", safety_tip.INTENT, 0, 0, safety_tip.INTENT)
            return replace(first, intent=IntentScore(not_urgent.INTENT, 1.0), entities=(*first.entities, need)), False
        if state.flow is None and not state.suspended and is_a_pick(stripped):
            # 「1」 with nothing offered to pick from (a menu of some earlier day in mind): not words of any need,
            # whatever the classifier makes of them (a goodbye, at its best guess): the bot asks.
            return replace(said, intent=IntentScore(FALLBACK_INTENT, 1.0)), False
        offers_cancelling = appointment_cancel.FLOW in _offered_intents(state)
        if state.flow is None and offers_cancelling and CANCELS_A_BOOKING.match(stripped):
            # 「那就取消吧」 right after the bookings were listed with 「取消预约」 offered: that, in words (a goodbye,
            # to the classifier, which would leave the booking standing).
            return replace(said, intent=IntentScore(appointment_cancel.FLOW, 1.0)), False
        if state.flow is None and notices.SUBSCRIBE in _offered_intents(state) and STOPS_NOTICES.match(stripped):
            # 「不要了 都取消吧」 right after the subscriptions were listed: those given up (to the classifier, a "no").
            return replace(said, intent=IntentScore(notices.UNSUBSCRIBE, 1.0)), False
        if state.flow is None and said.intent.name == appeal_report.FLOW and self._books_by_name(said):
            # 「…小叔子一直霸着老房子… 想约个法律咨询当面问问」: a report by a nose, a booking the next reading, and the
            # words ask for a time with a service named: the story is why it is booked.
            return replace(said, intent=IntentScore(appointment_book.FLOW, 1.0)), False
        if state.flow is None and praises_what_was_done(stripped):
            # 「孩子走丢了 保安帮着找回来了 特地来说声谢谢你们」 (the danger over): thanks, not a lost child.
            return replace(said, intent=IntentScore(feedback.FLOW, 1.0)), False
        if pending and appeal_report.FLOW in _offered_intents(state) and self._only_says_where(stripped):
            # 「18栋」 asked 「反映问题，还是取消预约？」 about 「俺家暖气片不热」: where the problem is, so a report.
            words = f"{pending} {stripped}"
            return replace(self.nlu.parse(words), intent=IntentScore(appeal_report.FLOW, 1.0)), False
        if pending and said.intent.name in _offered_intents(state):
            # Asked 「预约办事，还是咨询政策？」 about 「我瘫在床上 你们能上门吗」, the resident answers
            # 「礼拜四下午三点」: the answer goes on from what they first wrote, as a pressed button would.
            words = f"{pending} {stripped}"
            return replace(self.nlu.parse(words), intent=said.intent, ranking=said.ranking), False
        if state.flow is None and (said.intent.name == GREETING or _asks_about_documents(said)) \
                and self._a_guide_answers(stripped):
            # 「社区中午休息不 我十二点多过去有人没」: a question about the office, not a hello; 「居住证和居住证明
            # 是一个东西吗」, about documents, none asked for.
            return replace(said, intent=IntentScore(policy_question.INTENT, 1.0)), False
        if state.flow is None and only_names_a_community(self.profile, stripped):
            # 「清水社区」 after an answer given on the district's account: noted (`note_named_community`), greeted.
            return replace(said, intent=IntentScore(GREETING, 1.0)), False
        bare_go_on = GO_ON.search(stripped) is not None and sum(ch.isalnum() for ch in stripped) <= BARE_GO_ON_CHARS
        resumes = said.intent.name in RESUMING or (state.suspended and said.intent.name == state.suspended["flow"])
        if state.flow is None and state.suspended and GO_ON.search(stripped) and (resumes or bare_go_on):
            # 「好的那继续吧」, 「继续开证明」 (read as a certificate request), 「继续」 (whatever it is read as): the
            # form put aside, where it was.
            return replace(said, intent=IntentScore(resume.INTENT, 1.0)), False
        if state.flow is None and not state.suspended and bare_go_on:
            # 「继续」 with nothing put aside: said so, rather than read as some need of its own.
            return replace(said, intent=IntentScore(resume.INTENT, 1.0)), False
        return said, False

    async def _follow_up_answer(self, nlu: ParseResult, ctx: HandlerContext) -> ParseResult:
        """「又坏了」 or 「好着呢 谢谢」 while a 回访 asked lately waits for an answer: that answer, unless the words
        name a problem of their own (「3栋电梯又坏了」 is a new report)."""
        text = nlu.text.strip()
        words = self.profile.feedback_words
        again = any(word in text for word in words.broken_again)
        short = sum(ch.isalnum() for ch in text) <= FOLLOW_UP_ANSWER_CHARS
        if ctx.state.flow is not None or ASKING.search(text) or not (short or again) \
                or (not short and names_a_category(self.profile, text)):
            # 「你们周六上班吗 谢谢」 asks; 「网上预约一直不行」 is about something else; only a short verdict or
            # 「…又坏了」 about nothing else answers.
            return nlu
        fixed = False if again else words.polarity(text)
        if fixed is None or await follow_ups.latest_question(ctx.session, ctx.resident.id,
                                                             ctx.now - FOLLOW_UP_ANSWER_WINDOW) is None:
            return nlu
        return replace(nlu, intent=IntentScore(follow_ups.FIXED_INTENT if fixed else follow_ups.BROKEN_INTENT, 1.0))

    async def _take_up_by_answering(self, nlu: ParseResult, ctx: HandlerContext) -> None:
        """「440106199307213622」 right after the bot answered a question asked in the middle of a certificate
        form: the answer to the form put aside, which takes it up again where it was. Only a closed answer
        (a number, a choice, a building) counts: any words would do for a free-text question."""
        state = ctx.state
        if state.flow is not None or not state.suspended or nlu.intent.name == resume.INTENT:
            return
        state.resume()
        if not (await self._answers(nlu, ctx) and not self._awaits_free_text(state)
                and await self._answers_the_question(nlu, ctx)):
            state.suspend()

    async def _answers(self, nlu: ParseResult, ctx: HandlerContext) -> bool:
        """Whether the message answers the question the open flow waits on."""
        state = ctx.state
        if state.awaiting == "community":
            return bool(named_communities(self.profile, nlu.text))
        check = self.answer_checks.get(state.flow or "")
        return await check(nlu, ctx) if check is not None else self._awaits_free_text(state)

    async def _answers_the_question(self, nlu: ParseResult, ctx: HandlerContext) -> bool:
        """Whether a form's answer is to the question it asked, not another of its questions said in passing: the
        医保 of 「…说我医保卡被冻结了 让我转账」 while a home visit's time is asked names a bookable service, and does
        not make a fraud call in progress an answer to the booking."""
        flow = ctx.state.flow or ""
        return flow not in self.profile.flows or await answers_slot(flow, nlu, ctx, outright=False)

    def read(self, text: str) -> tuple[ParseResult, bool]:
        """What the NLU, the confidence policy and the safety net make of words alone, and whether a
        danger cue made them an emergency."""
        said = self.policy.apply(self.nlu.parse(text))
        greeted = without_greeting(text) if said.intent.name == GREETING else None
        thanked = without_greeting(text, OPENING_THANKS) if said.intent.name == GOODBYE else None
        if thanked is not None and ASKING.search(thanked):
            # 「谢谢啊 什么时候能弄好」: thanks, then a question, which is what wants an answer.
            greeted = thanked
        aside = without_greeting(text, OPENING_ASIDE) if greeted is None else None
        turned = self.read(aside) if aside is not None else None
        if turned is not None and not turned[0].is_fallback and turned[0].intent.name != said.intent.name \
                and turned[0].intent.name not in SMALL_TALK and (turned[0].intent.name != EMERGENCY or turned[1]):
            # 「对了停水的通知能发我吗」: the 对了 swayed the classifier (to unsubscribing, 0.61, or torn between the
            # two); what follows it says what the message is about. Read the same, the message keeps its words.
            return turned
        after_greeting = self.read(greeted) if greeted is not None else None
        unsure_of_much = after_greeting is not None and after_greeting[0].is_fallback and greeted is not None \
            and sum(ch.isalnum() for ch in greeted) >= NEED_AFTER_GREETING_CHARS
        if after_greeting is not None and (not after_greeting[0].is_fallback or unsure_of_much) \
                and after_greeting[0].intent.name not in SMALL_TALK and not self._only_says_home(text) \
                and (after_greeting[0].intent.name != EMERGENCY or after_greeting[1]):
            # 「喂喂是居委会吧我是十二栋的老王那个店题又坏了」: read by what follows the greeting, when that is a need
            # (「你好 我住白杨小区三十一栋」 is a hello, whatever the rest alone sounds like), or many words the
            # classifier is unsure of, which are asked about rather than greeted.
            return after_greeting
        cued = self.safety.cued(said) is not None
        rest = self.safety.without_opening_cry(text) if cued or said.intent.name == EMERGENCY else None
        if rest is not None:
            # 「救命🆘 找半天找不到交医保的地方」: the cry is how the resident feels; the rest says what is wrong.
            calm = self.policy.apply(self.nlu.parse(rest))
            if self.safety.cued(calm) is None and (calm.intent.name != EMERGENCY
                                                   or calm.intent.confidence < UNCUED_EMERGENCY_FLOOR):
                return calm, False
        return (self.safety.apply(said), True) if cued else (said, False)

    def _without_emergency(self, nlu: ParseResult) -> ParseResult:
        return nlu if nlu.intent.name != EMERGENCY else self.policy.apply(self._without(nlu, EMERGENCY))

    @staticmethod
    def _without(nlu: ParseResult, intent: str) -> ParseResult:
        """The reading had `intent` been ruled out: the other intents' confidences given that it is not
        the one (each divided by what the rest hold), so a story of a danger now over that the classifier
        split between 0.56 emergency and 0.44 complaint reads as the complaint it is."""
        rest = [score for score in nlu.ranking if score.name != intent]
        total = sum(score.confidence for score in rest)
        ranking = tuple(IntentScore(s.name, round(s.confidence / total, 4)) for s in rest) if total > 0 else tuple(rest)
        top = ranking[0] if ranking else IntentScore(FALLBACK_INTENT, 1.0)
        return replace(nlu, intent=top, ranking=ranking)

    def _route(self, nlu: ParseResult, state: DialogueState) -> Handler:
        if state.flow is not None and state.flow in self.handlers:
            return self.handlers[state.flow]
        return self.handlers.get(nlu.intent.name, self.handlers[FALLBACK_INTENT])

    def _interrupts(self, nlu: ParseResult, ctx: HandlerContext, answers: bool) -> bool:
        """Danger always breaks into an open flow, and so does asking for a person in words that do not
        answer its question; another need only when said clearly, to a question the message does not
        answer and that does not wait for free text."""
        state = ctx.state
        name = nlu.intent.name
        said_clearly = nlu.intent.confidence >= INTERRUPT_CONFIDENCE
        if name == appeal_report.FLOW and nlu.intent.confidence >= REPORT_AMID_WORDS_CONFIDENCE \
                and name != state.flow and self._awaits_free_text(state) \
                and appeal_report.tells_where_what_in(self.profile, nlu.text):
            # 「先跟你说个急事 我们三十一栋的电梯又不动了」 where the form asks what the certificate is for: a
            # problem at a building, not the answer any words would be.
            return True
        wants_a_person = name == "human_handoff" and name != state.flow
        # 「转人工」 typed where the form waits for free text asks for a person; 「俺电话191…」 does not.
        just_asks = said_clearly and self._awaits_free_text(state) and len(nlu.text.strip()) <= ASK_FOR_A_PERSON_CHARS \
            and not any(ch.isdigit() for ch in nlu.text)
        if name in (EMERGENCY, appeal_report.MOVE):  # a move: the report just filed corrected amid the form
            return True
        if PAUSES.match(nlu.text) or (wants_a_person and GIVES_A_NAME.match(nlu.text)):
            # 「等一下」; 「他叫王小明」 where the ID number is asked (to the classifier, like 「叫小李接一下」).
            return False
        if wants_a_person and (not answers or just_asks):
            return True
        if self._asks_instead(nlu, ctx) and (not answers or self._awaits_free_text(state) or ASKS_ASIDE.search(nlu.text)
                                             or self._asks_only_about_what_is_at_hand(nlu)):
            # 「对了，你们中午几点下班」 where the form asks what the certificate is for: a question a guide answers,
            # or one about staying safe, not the answer any words would be; and 「要带啥材料」 where it asks for the
            # ID number, which no guide answers alone but the guide of the certificate being requested does (its
            # words would otherwise be read as what the certificate is for).
            return True
        if answers or name in NOT_INTERRUPTING or name == state.flow or not said_clearly:
            return False
        if nlu.text and sum(ch.isalnum() for ch in nlu.text) < MIN_INTERRUPT_CHARS:
            return False
        if name == appeal_report.FLOW and appeal_report.only_says_where(self.profile, nlu.text):
            return False
        return not self._awaits_free_text(state) and name in self.handlers

    def _asked_aside(self, nlu: ParseResult, ctx: HandlerContext) -> ParseResult:
        """Inside a form, 「等下 先问个事 …吗」 that a guide answers is a policy question, whatever else its words
        sound like (a report of the e-bike in the stairwell it asks about, or, unsurely, a safety tip); so is
        「居住证跟居住证明是不是一回事啊」 in a certificate form, asking about documents rather than naming one, and
        「对了 开好了我去哪拿」 there, not understood, that the guide of the certificate being requested answers."""
        if self._asks_about_the_certificate(nlu, ctx):
            return replace(nlu, intent=IntentScore(policy_question.INTENT, 1.0), ambiguous=False)
        surely_a_tip = nlu.intent.name == safety_tip.INTENT and nlu.intent.confidence >= INTERRUPT_CONFIDENCE
        aside = ASKS_ASIDE.search(nlu.text) is not None or _asks_about_documents(nlu)
        if nlu.intent.name in (EMERGENCY, policy_question.INTENT) or surely_a_tip or not aside \
                or not ASKING.search(nlu.text) or self.policies is None or self.policies.answer(nlu.text) is None:
            return nlu
        return replace(nlu, intent=IntentScore(policy_question.INTENT, 1.0), ambiguous=False)

    @staticmethod
    def _asks_about_the_certificate(nlu: ParseResult, ctx: HandlerContext) -> bool:
        """Words in the certificate form, not understood or read as asking how a matter goes (「开好了我去哪拿」: the
        matter is this certificate), that ask, name no number the form asks for (「我没有手机怎么办」 is about the
        phone asked), and that the guide of the certificate being requested answers."""
        text = nlu.text
        unsure = nlu.is_fallback or nlu.intent.name == request_status.INTENT
        return unsure and ctx.state.flow == certificate_request.FLOW and ASKING.search(text) is not None \
            and NAMES_A_NUMBER.search(text) is None and not any(ch.isdigit() for ch in text) \
            and policy_question.answer_in_context(text, ctx) is not None

    def _only_says_home(self, text: str) -> bool:
        """「你好 我住白杨小区三十一栋」「我是十二栋的老王」: where the resident lives, and little more."""
        home = home_said(self.profile, text)
        return home is not None and sum(ch.isalnum() for ch in text[home[2]:]) <= MORE_ABOUT_ONESELF_CHARS \
            and not names_a_category(self.profile, text)

    def _books_by_name(self, said: ParseResult) -> bool:
        """The next reading a booking, and the words ask for a time with a service named, not a home visit (「能派人
        上门来看看吗」 about a blocked drain asks for a repair)."""
        if len(said.ranking) < 2 or said.ranking[1].name != appointment_book.FLOW or not ASKS_TO_BOOK.search(said.text):
            return False
        service = self.profile.services.get(named_service(self.profile, said.text, described=False) or "")
        return service is not None and not service.home_visit

    def _only_says_where(self, text: str) -> bool:
        """「18栋」「3栋2单元」「就在北门」: where, and little more."""
        found = stated_address(text)
        if found is None:
            return appeal_report.only_says_where(self.profile, text)
        rest = text[:found[1]] + text[found[2]:]
        return sum(ch.isalnum() for ch in rest) <= MORE_ABOUT_ONESELF_CHARS and not names_a_category(self.profile, text)

    def _a_guide_answers(self, text: str) -> bool:
        """Whether a message that says more than hello asks what a guide answers."""
        return self.policies is not None and sum(ch.isalnum() for ch in text) >= MORE_THAN_A_GREETING_CHARS \
            and self.policies.answer(text) is not None

    def _asks_instead(self, nlu: ParseResult, ctx: HandlerContext) -> bool:
        """A question the form's words cannot be: it asks, names no address, and a safety tip or a guide answers it,
        the guide of the certificate asked for included (「要带啥材料」 where the form asks for the ID number)."""
        if not ASKING.search(nlu.text) or stated_address(nlu.text) is not None:
            return False
        if nlu.intent.name == safety_tip.INTENT:
            return nlu.intent.confidence >= INTERRUPT_CONFIDENCE
        return nlu.intent.name == policy_question.INTENT \
            and policy_question.answer_in_context(nlu.text, ctx) is not None

    def _asks_only_about_what_is_at_hand(self, nlu: ParseResult) -> bool:
        """A policy question no guide answers alone: `_asks_instead` found it answered about the guide just quoted
        or the certificate being requested."""
        return nlu.intent.name == policy_question.INTENT and self.policies is not None \
            and self.policies.answer(nlu.text) is None

    def _awaits_free_text(self, state: DialogueState) -> bool:
        spec = self.profile.flows.get(state.flow or "")
        if spec is None:
            return state.awaiting in FREE_TEXT_SLOTS
        return any(slot.name == state.awaiting and slot.kind == "text" for slot in spec.slots)

    def _resume_offer(self, ctx: HandlerContext, flow: str) -> Reply:
        spec = self.profile.flows.get(flow)
        name = spec.name if spec else ctx.wording.render(f"intent_{flow}")
        return ctx.say("resume_offer", ctx.choice_of("choice_resume", "/resume"), flow=name)


def is_emergency(said: ParseResult, cued: bool, *, in_flow: bool, closed_answer: bool, calm: bool = False) -> bool:
    """Whether a reading stands as an emergency. A danger cue always does. An emergency only the classifier
    saw needs words enough to judge by, high confidence, no wording that says it is not happening now
    (`calm`: 「我没转钱 这种骗子咋防」), and, inside a flow, a message that does not answer a closed question
    (a building, a relative, a phone number)."""
    if said.intent.name != EMERGENCY:
        return False
    if cued:
        return True
    if calm:
        return False
    floor = UNCUED_EMERGENCY_FLOOR_IN_FLOW if in_flow else UNCUED_EMERGENCY_FLOOR
    if sum(ch.isalnum() for ch in said.text) < UNCUED_EMERGENCY_MIN_CHARS or said.intent.confidence < floor:
        return False
    return not (in_flow and closed_answer)


def _asks_about_documents(said: ParseResult) -> bool:
    """「居住证和居住证明是一个东西吗」: read as a certificate request, but asking about documents, none asked for."""
    return said.intent.name == certificate_request.FLOW and ASKING.search(said.text) is not None \
        and ASKS_FOR_A_DOCUMENT.search(said.text) is None and ASKS_SOMEONE_TO_ACT.search(said.text) is None


def _offered_intents(state: DialogueState) -> set[str]:
    """The needs the last answer offered as buttons."""
    return {read[0] for _, payload in state.offered if (read := read_button_payload(payload)) is not None}
