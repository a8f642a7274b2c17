"""How each kind of form slot is read from a message, checked, and asked for.

A reader returns None when the message says nothing about its slot, a value when it does, and
replies (with or without a value) when the answer cannot be taken as it is. A reader that is not
`awaited` only takes what the message states explicitly, so a long first message can fill
several slots without a free-text slot swallowing it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.messages import Choice, Reply
from handlers.base import HandlerContext, with_a_person
from nlu.categories import CategoryGuess, category_classifier, category_spec
from nlu.entities import find_phones
from nlu.id_number import find_id_numbers
from nlu.phrasing import (
    A_CERTIFICATE_NAMED,
    CERTIFICATE_WORD,
    CHOICE_LEADS,
    CLAUSE_END,
    DESCRIBES_A_CERTIFICATE,
    FORM_CHATTER,
    GOES_AHEAD,
    NOT_AT_HAND,
    OWNER_LEADS,
    corrected_part,
)
from nlu.result import ParseResult
from nlu.text import sounds_like, spoken_digits
from nlu.vocabulary import matcher
from storage.profile import Profile
from storage.profile.schema import CertificateStatus, SlotSpec

REPLIES: dict[str, tuple[str, ...]] = {
    "certificate_unknown": (),
    "certificate_not_listed": ("certificate",),
    "certificate_not_issued": ("certificate", "instead"),
    "id_number_invalid": (),
    "id_number_not_at_hand": (),
    "phone_invalid": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""

MISTYPED_NUMBER_DIGITS = 7
"""This many digits, where an ID number or a phone is asked, is that number mistyped; a building's few digits
(「17栋4单元 楼上漏水」) or a choice's number (「2」) are not."""


@dataclass(frozen=True)
class SlotOutcome:
    value: str | None = None
    replies: tuple[Reply, ...] = ()
    stop: bool = False
    """End the flow after the replies (e.g. an abolished certificate: nothing to collect)."""
    partial: bool = False
    """Part of the answer was taken (a building without its door): the rest is asked, as for an answer."""


ALMOST_A_PHONE = re.compile(r"1\d{9}|1\d{11}")
"""「1391234567」 sent alone, whatever the form asks: a mobile number with a digit missing or one too many."""
NOT_WORDS = re.compile(r"[0-9Xx０-９\s\W]+")
"""Digits (an ID number, a phone), spaces and punctuation: no help in telling what is asked for."""

Reader = Callable[[SlotSpec, ParseResult, HandlerContext, bool], Awaitable[SlotOutcome | None]]
Asker = Callable[[SlotSpec, HandlerContext], Awaitable[Reply]]


def catalogue_match(text: str, entries: dict[str, list[str]]) -> str | None:
    found = matcher({"entry": entries}).find(text)
    return found[0][1] if found else None


HOMOPHONE_MIN_CHARS = 3
"""Shorter names are matched only as written: two syllables say too little (户籍 is also 护记)."""


def catalogue_sound_match(text: str, entries: dict[str, list[str]], examples: dict[str, list[str]] | None = None,
                          clause_holds: str | None = None) -> str | None:
    """The entry one of whose names the words hold as written, else as heard (生存正明, 户即证明: voice
    input writes a homophone), else the one the words describe, learned from the entries' `examples` (given
    only where the words are about the entry: the form's first message or the answer to its question)."""
    return catalogue_match(text, entries) or next(
        (key for key, names in entries.items()
         if any(len(name) >= HOMOPHONE_MIN_CHARS and sounds_like(name, text) for name in names)), None) or (
        described_entry(text, entries, examples, clause_holds) if examples else None)


CATALOGUE_CONFIDENT = 0.6
"""How sure the learned match must be: below it the bot asks, with the list (tuned on the dev conversations)."""
MIN_DESCRIPTION_CHARS = 4
"""Fewer letters than this (「我自己」, a number) describe nothing to match."""
NOTHING_DESCRIBED = "__nothing__"
"""The learned match's own class for words that describe no entry (`nlu.phrasing.FORM_CHATTER`)."""


def described_entry(text: str, entries: dict[str, list[str]], examples: dict[str, list[str]],
                    clause_holds: str | None = None) -> str | None:
    """「我今年满七十了 有个本本坐公交不要钱」 -> the senior card: the entry whose examples the words are like, the
    words as a whole or, where the whole is unsure, the surest of their clauses that hold `clause_holds`: in
    「我儿子要上学 学校让开个证明 证明我们住这里」 the story around the last clause leaves its 居住证明 unsure as a
    whole (a clause without the word, 「想申请低保」 in a story of hardship, describes no certificate)."""
    learned = {key: [*names, *examples.get(key, [])] for key, names in entries.items()}
    classifier = category_classifier(category_spec({**learned, NOTHING_DESCRIBED: list(FORM_CHATTER)}, entries))
    if classifier is None:
        return None
    clauses = [c for c in CLAUSE_END.split(text) if c != text and clause_holds and clause_holds in c]
    best: CategoryGuess | None = None
    for said in (text, *clauses):
        words = NOT_WORDS.sub("", said)
        if sum(ch.isalpha() for ch in words) < MIN_DESCRIPTION_CHARS:
            continue
        guess = classifier.classify(words)
        if guess is not None and guess.key != NOTHING_DESCRIBED and guess.confidence >= CATALOGUE_CONFIDENT \
                and (best is None or guess.confidence > best.confidence):
            if said == text:
                return guess.key
            best = guess
    return best.key if best is not None else None


def named_certificate(profile: Profile, text: str, *, described: bool = True) -> str | None:
    """The certificate of the catalogue the words name, as written or heard, or (`described`) describe."""
    catalogue = profile.certificates
    return catalogue_sound_match(text, {k: [c.name, *c.aliases] for k, c in catalogue.items()},
                                 {k: c.examples for k, c in catalogue.items()} if described else None,
                                 clause_holds=CERTIFICATE_WORD)


def named_outside_catalogue(profile: Profile, text: str, matched: str | None) -> str | None:
    """The name of a certificate the words ask for that the catalogue does not list (「开个无业证明」), given the
    catalogue's certificate the words were `matched` to. A name said is not overruled by a likeness:
    「出具一份收入证明」 is no 出入证明 for the one character they share. It is when the catalogue names it (as
    written or heard), when the name shares two characters in a row with the certificate's names, or when it
    describes rather than names (「社区盖章的证明」)."""
    named = A_CERTIFICATE_NAMED.search(text)
    if named is None or matched is None:
        return named.group("name") if named is not None else None
    stem = named.group("name").removesuffix(CERTIFICATE_WORD)
    certificate = profile.certificates[matched]
    if DESCRIBES_A_CERTIFICATE.search(stem) or named_certificate(profile, text, described=False) is not None \
            or _pairs(stem) & {pair for name in (certificate.name, *certificate.aliases) for pair in _pairs(name)}:
        return None
    return named.group("name")


def _pairs(words: str) -> set[str]:
    return {words[i:i + 2] for i in range(len(words) - 1)}


async def read_certificate(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    catalogue = ctx.profile.certificates
    key = named_certificate(ctx.profile, nlu.text, described=describes(ctx, awaited))
    unlisted = named_outside_catalogue(ctx.profile, nlu.text, key) if describes(ctx, awaited) else None
    if unlisted is not None:
        # 「我要开个无业证明」: a certificate the catalogue does not list, named; staff may still help with it.
        reply = await ask_certificate(slot, ctx, "certificate_not_listed", certificate=unlisted)
        return SlotOutcome(replies=(with_a_person(ctx, reply),))
    if key is None and awaited and nlu.text.strip():
        reply = await ask_certificate(slot, ctx, "certificate_unknown")
        if CERTIFICATE_WORD in nlu.text:  # 「证明我没工作的」: a certificate described that the list lacks
            reply = with_a_person(ctx, reply)
        return SlotOutcome(replies=(reply,))
    if key is None:
        return None
    certificate = catalogue[key]
    if certificate.status is not CertificateStatus.AVAILABLE:
        reply = ctx.say("certificate_not_issued", certificate=certificate.name, instead=certificate.instead)
        return SlotOutcome(replies=(reply,), stop=True)
    return SlotOutcome(value=key)


def describes(ctx: HandlerContext, awaited: bool) -> bool:
    """Whether the message may describe the slot in its own words: the form's first message, or the answer
    to the slot's own question. 「出国办签证要」 answering "what for?" describes no certificate."""
    return awaited or ctx.state.awaiting is None


async def read_choice(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    """The option the words name, by its label or a synonym; the last one named wins (「给我……不对，给我妈」)."""
    text = corrected_part(nlu.text)
    words = {option: [option, *slot.synonyms.get(option, [])] for option in slot.options}
    found = matcher({"option": words}).find(text)
    said = [(chosen, _explicit(slot, text, chosen, start, end)) for _, chosen, start, end in found]
    stated = [chosen for chosen, explicit in said if explicit]
    if stated or (awaited and said):
        return SlotOutcome(value=(stated or [chosen for chosen, _ in said])[-1])
    if awaited and text:
        return SlotOutcome(replies=(await ask_with_options(slot, ctx),))
    return None


def _explicit(slot: SlotSpec, text: str, chosen: str, start: int, end: int) -> bool:
    """Said as the choice (「帮我爸开」「我自己的」「我儿子要办」), not a word in passing (「孩子上学用」)."""
    before, surface = text[max(0, start - 2):start], text[start:end]
    if chosen == slot.options[0]:  # the resident themself: 「自己的」「我本人」, but not 「给我」 (「给我爸开」)
        return surface[:1] not in CHOICE_LEADS
    return text.strip() == chosen or any(lead in before for lead in CHOICE_LEADS) \
        or (before[-1:] != "" and before[-1] in OWNER_LEADS)


async def read_text(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    text = nlu.text.strip()
    if not text or nlu.intent.name == "deny":
        return None
    if awaited and (only_a_number(text) or GOES_AHEAD.match(text)):
        return SlotOutcome(replies=(ctx.say(slot.ask),))  # 「电话 186 0105 2233」「确认」 say what for? No.
    if awaited:
        return SlotOutcome(value=text)
    found = re.search(slot.pattern, text) if slot.pattern else None
    return SlotOutcome(value=found.group("value").strip()) if found else None


NUMBER_LABEL_CHARS = 3
"""At most this many letters beside digits (「电话」「我手机」) and the words are only a number."""


def only_a_number(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return not letters or (any(ch.isdigit() for ch in text) and len(letters) <= NUMBER_LABEL_CHARS)


async def read_phone(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    spoken = spoken_digits(nlu.text)
    phones = find_phones(spoken)
    if phones:
        return SlotOutcome(value=phones[0][0])
    if awaited and nlu.text.strip():
        return SlotOutcome(replies=(_wrong_number(ctx, slot, spoken, "phone_invalid"),))
    if ALMOST_A_PHONE.fullmatch(re.sub(r"[\s\-－]", "", spoken)):
        return SlotOutcome(replies=(ctx.say("phone_invalid"),))
    return None


def _wrong_number(ctx: HandlerContext, slot: SlotSpec, text: str, invalid: str) -> Reply:
    """A number that fails its check is told so; words with a few digits or none (「2」「坐公交用」) are no wrong
    number: the question is simply asked again."""
    return ctx.say(invalid) if sum(ch.isdigit() for ch in text) >= MISTYPED_NUMBER_DIGITS else ctx.say(slot.ask)


async def read_id_number(slot: SlotSpec, nlu: ParseResult, ctx: HandlerContext, awaited: bool) -> SlotOutcome | None:
    spoken = spoken_digits(nlu.text)
    found = find_id_numbers(spoken, ctx.now.astimezone(ctx.profile.timezone).date())
    if found:
        return SlotOutcome(value=found[0][0])
    if awaited and NOT_AT_HAND.search(nlu.text) and not any(ch.isdigit() for ch in spoken):
        # 「他身份证号我不记得了 回头给你行不」: told how to go on, not asked the same question again.
        return SlotOutcome(replies=(ctx.say("id_number_not_at_hand"),))
    if awaited and nlu.text.strip():
        return SlotOutcome(replies=(_wrong_number(ctx, slot, spoken, "id_number_invalid"),))
    return None


async def ask_certificate(slot: SlotSpec, ctx: HandlerContext, key: str | None = None, **blanks: str) -> Reply:
    available = [c for c in ctx.profile.certificates.values() if c.status is CertificateStatus.AVAILABLE]
    return ctx.say(key or slot.ask, *(Choice(c.name, c.name) for c in available), **blanks)


async def ask_with_options(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    return ctx.say(slot.ask, *(Choice(option, option) for option in slot.options))


async def ask_plain(slot: SlotSpec, ctx: HandlerContext) -> Reply:
    return ctx.say(slot.ask)
