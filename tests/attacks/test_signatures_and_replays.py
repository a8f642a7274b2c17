"""Forged and replayed webhook calls. What tests/channels already shows (a forged plaintext WeChat
signature, a stale plaintext timestamp, a forged or stale WeCom signature, a missing or wrong
Telegram secret, a plaintext WeChat retry) is not repeated: here are the safe-mode (AES) signature,
payloads signed for another message, timestamps from the future, near-miss secrets, and replays of a
signed call inside the window on each channel, which must change nothing the first call did not."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import ChannelIdentity, OutboxMessage, Ticket, TicketEvent, TicketEventKind
from tests.attacks.arena import TELEGRAM_SECRET, Arena
from tests.attacks.callbacks import WeChat, WeCom, new_msg_id, post_update, signed_query, telegram_update
from tests.channels.wechat_server import TOKEN, text_xml
from tests.channels.wecom_server import wecom_text_xml

COMPLAINT = "9栋2单元楼道里的下水道堵了，臭了好几天"
LIGHT = "12栋楼道灯坏了，晚上黑灯瞎火的"  # the service team: 雷建华, on WeCom as baiyang_by_svc_01
OTHER_LIGHT = "15栋楼道灯坏了，晚上黑灯瞎火的"
"""Another building's light: a ticket of its own, where LIGHT's would join the one another test left open."""
SERVICE_TEAM = "baiyang_by_svc_01"


def tickets_of(arena: Arena, channel: str, sender: str) -> int:
    """Tickets opened by the resident with this account."""
    query = (select(func.count()).select_from(Ticket)
             .join(ChannelIdentity, ChannelIdentity.resident_id == Ticket.resident_id)
             .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender))
    with Session(arena.db) as session:
        return int(session.scalar(query) or 0)


def closings(arena: Arena, number: str) -> tuple[int, int]:
    """A ticket's closed events and the messages asking its resident 满意 / 不满意."""
    with Session(arena.db) as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        events = session.scalar(select(func.count()).select_from(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == TicketEventKind.CLOSED))
        asked = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.kind == "ticket_closed"))
    return int(events or 0), int(asked or 0)


# --- WeChat, safe mode


def test_an_aes_message_with_a_forged_msg_signature_is_refused_and_nothing_is_stored(arena: Arena) -> None:
    before = arena.table_counts()
    with arena.anonymous() as client:
        wechat = WeChat.of(arena, client)
        params, body = wechat.aes_request(text_xml("openid-forged-aes", COMPLAINT, new_msg_id()))
        forged = wechat.post_aes({**params, "msg_signature": "0" * 40}, body)
        other_params, _ = wechat.aes_request(text_xml("openid-forged-aes", "别的", new_msg_id()))
        swapped = wechat.post_aes(other_params, body)  # signed for another message
        missing = wechat.post_aes({k: v for k, v in params.items() if k != "msg_signature"}, body)

    assert (forged.status_code, swapped.status_code, missing.status_code) == (403, 403, 400)
    assert arena.table_counts() == before


@pytest.mark.parametrize("skew", [-301, 301, None], ids=["past", "future", "not-a-number"])
def test_an_aes_message_outside_the_five_minute_window_is_refused(arena: Arena, skew: int | None) -> None:
    before = arena.table_counts()
    with arena.anonymous() as client:
        wechat = WeChat.of(arena, client)
        params, body = wechat.aes_request(text_xml("openid-stale-aes", COMPLAINT, new_msg_id()))
        stale = signed_query(TOKEN, "soon" if skew is None else int(time.time()) + skew)
        response = wechat.post_aes({**params, **stale}, body)

    assert response.status_code == 403
    assert arena.table_counts() == before


def test_a_plaintext_message_from_the_future_or_unsigned_is_refused(arena: Arena) -> None:
    xml = text_xml("openid-future", COMPLAINT, new_msg_id())
    with arena.anonymous() as client:
        future = WeChat.of(arena, client).post_plain(xml, signed_query(TOKEN, int(time.time()) + 600))
        unsigned = client.post("/wechat", params={"timestamp": str(int(time.time())), "nonce": "n"}, content=xml)

    assert (future.status_code, unsigned.status_code) == (403, 403)
    assert tickets_of(arena, "wechat", "openid-future") == 0


def test_a_replayed_aes_message_inside_the_window_gets_the_stored_answer_and_no_second_ticket(
        arena: Arena) -> None:
    with arena.anonymous() as client:
        wechat = WeChat.of(arena, client)
        params, body = wechat.aes_request(text_xml("openid-replay-aes", COMPLAINT, new_msg_id()))
        first = wechat.post_aes(params, body)
        replayed = wechat.post_aes(params, body)

    assert (first.status_code, replayed.status_code) == (200, 200)
    assert "GD" in wechat.decrypt(first.text)["Content"]
    assert wechat.decrypt(replayed.text)["Content"] == wechat.decrypt(first.text)["Content"]
    assert tickets_of(arena, "wechat", "openid-replay-aes") == 1


# --- WeCom


def test_a_wecom_call_signed_for_another_payload_or_from_the_future_is_refused(arena: Arena) -> None:
    number = arena.open_ticket(LIGHT, "wecom-forged")
    with arena.anonymous() as client:
        wecom = WeCom.of(arena, client)
        close = wecom_text_xml(wecom.corp_id, SERVICE_TEAM, f"办结 {number} 已修好")
        params, body = wecom.request(close)
        other_params, _ = wecom.request(wecom_text_xml(wecom.corp_id, SERVICE_TEAM, "我的"))
        swapped = wecom.post(other_params, body)
        future = wecom.post(*wecom.request(close, timestamp=int(time.time()) + 600))

    assert (swapped.status_code, future.status_code) == (403, 403)
    assert arena.ticket_state(number)[0] == "open"
    assert params["msg_signature"] != other_params["msg_signature"]


def test_a_replayed_wecom_close_inside_the_window_closes_once_and_asks_the_resident_once(arena: Arena) -> None:
    number = arena.open_ticket(OTHER_LIGHT, "wecom-replay")
    with arena.anonymous() as client:
        wecom = WeCom.of(arena, client)
        params, body = wecom.request(wecom_text_xml(wecom.corp_id, SERVICE_TEAM, f"办结 {number} 已修好"))
        first = wecom.post(params, body)
        replayed = wecom.post(params, body)

    assert (first.status_code, replayed.status_code) == (200, 200)
    assert number in wecom.decrypt(first.text)["Content"]
    assert arena.ticket_state(number)[0] == "closed"
    assert closings(arena, number) == (1, 1)


# --- Telegram


@pytest.mark.parametrize(("secret", "chat"), [
    (TELEGRAM_SECRET.upper(), 610_001), (TELEGRAM_SECRET[:-1], 610_002), (TELEGRAM_SECRET + "x", 610_003),
    ("x" + TELEGRAM_SECRET[1:], 610_004), ("", 610_005),
], ids=["upper-case", "truncated", "extended", "one-character-off", "empty"])
def test_a_near_miss_telegram_secret_is_refused(arena: Arena, secret: str, chat: int) -> None:
    with arena.anonymous() as client:
        refused = post_update(client, telegram_update(chat, COMPLAINT), secret=secret)

    assert refused.status_code == 403
    assert tickets_of(arena, "telegram", str(chat)) == 0


def test_the_telegram_secret_is_read_only_from_its_header(arena: Arena) -> None:
    with arena.anonymous() as client:
        in_query = client.post("/telegram/webhook", params={"secret_token": TELEGRAM_SECRET},
                               json=telegram_update(620_001, COMPLAINT))
        in_other_header = post_update(client, telegram_update(620_001, COMPLAINT), secret=None,
                                      **{"X-Telegram-Secret": TELEGRAM_SECRET})
        right = post_update(client, telegram_update(620_002, COMPLAINT))

    assert (in_query.status_code, in_other_header.status_code, right.status_code) == (403, 403, 200)
    assert (tickets_of(arena, "telegram", "620001"), tickets_of(arena, "telegram", "620002")) == (0, 1)


def test_a_replayed_telegram_update_opens_one_ticket(arena: Arena) -> None:
    update = telegram_update(630_001, COMPLAINT)
    with arena.anonymous() as client:
        answers = [post_update(client, update).status_code for _ in range(2)]

    assert answers == [200, 200]
    assert tickets_of(arena, "telegram", "630001") == 1
