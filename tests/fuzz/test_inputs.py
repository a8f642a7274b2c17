"""Property-based fuzzing of everything that reads what residents and platforms send: no exception
escapes, every input gets an answer (a parse, or a clear refusal). `make test` runs a few hundred
examples per target; `make fuzz` runs FRONTDOOR_FUZZ_EXAMPLES (10,000) of each."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, date, datetime
from typing import Any

from fastapi import HTTPException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot, Update

from bot.channels.telegram.route import read_update
from bot.channels.wechat.inbound import read_callback
from bot.channels.wechat.security import CallbackRejected, fields_of, parse_xml
from nlu.address import find_addresses
from nlu.embedded import EmbeddedClassifier
from nlu.entities import extract_entities, find_phones, find_ticket_numbers
from nlu.id_number import find_id_numbers, mask_id_number
from nlu.zh_datetime import parse_zh_datetime

EXAMPLES = int(os.environ.get("FRONTDOOR_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

# What residents type: Chinese, digits (full and half width), punctuation, emoji, control characters.
RESIDENT_TEXT = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.sampled_from("0123456789０１２３４５６７８９Xx"),
    st.sampled_from("栋单元室号楼幢期区路一二三四五六七八九十百千两明天后下周三上午下午点半，。！？、 \n\t"),
    st.characters(), st.sampled_from(["\u200b", "\ufeff", "😀", "\x00"])), max_size=300)
MESSAGE_TYPES = st.sampled_from(["text", "voice", "image", "location", "event", "link", "video", "", "<x>"])
EVENTS = st.sampled_from(["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "", "other"])
XML_SAFE = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=80)


@FUZZ
@given(text=RESIDENT_TEXT)
def test_the_classifier_answers_any_text_with_an_intent(classifier: EmbeddedClassifier, text: str) -> None:
    result = classifier.parse(text)

    assert result.intent.name
    assert 0.0 <= result.intent.confidence <= 1.0


@FUZZ
@given(text=RESIDENT_TEXT)
def test_the_entity_extractors_take_any_text(text: str) -> None:
    extract_entities(text, NOW)
    find_phones(text)
    find_ticket_numbers(text)
    find_addresses(text)
    parse_zh_datetime(text, NOW)
    for number, _, _ in find_id_numbers(text, date(2026, 11, 23)):
        assert mask_id_number(number) != number


@FUZZ
@given(raw=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_any_bytes_are_read_as_wechat_xml_or_refused(raw: bytes) -> None:
    with contextlib.suppress(CallbackRejected):
        fields_of(parse_xml(raw))


@FUZZ
@given(kind=MESSAGE_TYPES, event=EVENTS, content=XML_SAFE, time=st.one_of(st.integers(), XML_SAFE),
       msg_id=st.one_of(st.integers(), XML_SAFE), x=XML_SAFE, y=XML_SAFE, key=XML_SAFE)
def test_any_wechat_message_fields_give_a_callback(kind: str, event: str, content: str, time: object,
                                                    msg_id: object, x: str, y: str, key: str) -> None:
    xml = ("<xml><ToUserName>gh_account</ToUserName><FromUserName>openid-1</FromUserName>"
           f"<CreateTime>{_escape(str(time))}</CreateTime><MsgType>{_escape(kind)}</MsgType>"
           f"<Event>{_escape(event)}</Event><Content>{_escape(content)}</Content><MsgId>{_escape(str(msg_id))}</MsgId>"
           f"<Location_X>{_escape(x)}</Location_X><Location_Y>{_escape(y)}</Location_Y>"
           f"<EventKey>{_escape(key)}</EventKey><MediaId>m</MediaId></xml>")
    parse_xml(xml)

    with contextlib.suppress(CallbackRejected):  # a MsgId or CreateTime that is no number: refused, 400
        callback = read_callback(xml, "qingshui", lambda click: None)
        assert callback.openid == "openid-1"
        assert callback.message is None or callback.message.sender_id == "openid-1"


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                     st.text(max_size=30)),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                           max_leaves=20)
UPDATE_KEYS = st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member", "channel_post"])


@FUZZ
@given(update_id=st.one_of(st.integers(), JSON_VALUES), kind=UPDATE_KEYS, body=JSON_VALUES,
       extra=st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=3))
def test_any_json_is_read_as_a_telegram_update_or_refused_with_400(update_id: Any, kind: str, body: Any,
                                                                    extra: dict[str, Any]) -> None:
    raw = json.dumps({"update_id": update_id, kind: body, **extra}).encode()
    assert _read_or_status(raw) in (Update, 400)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_read_as_a_telegram_update_or_refused_with_400(raw: bytes) -> None:
    assert _read_or_status(raw) in (Update, 400)


BOT = Bot("123456:TEST-fuzz")


def _read_or_status(raw: bytes) -> type[Update] | int:
    """Update when the body reads as one, else the HTTP status it was refused with."""
    try:
        return type(read_update(raw, BOT))
    except HTTPException as refused:
        return refused.status_code


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
