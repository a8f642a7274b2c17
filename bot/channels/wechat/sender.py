"""Messages to residents on WeChat after the webhook has answered, within the platform's rules.

WeChat lets a customer-service message reach a resident only within 48 hours of their last
message, and only 5 of them (PRODUCT.md §4). Outside that, a subscribe message may reach a resident
who consented to its template, one message per consent (the ledger, `storage.repositories.consents`,
records each consent WeChat reports and spends one per message); otherwise the message is recorded as
undeliverable with the reason, on its outbox row, where staff see it. Nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from requests import RequestException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.channels.wechat.inbound import CHANNEL
from bot.channels.wechat.render import chunks, reply_texts
from bot.channels.wechat.tokens import OfficialAccountClient
from bot.conversation.offers import offer_choices, with_choices_as_words, withdraw_choices
from bot.core.messages import Choice, TextReply
from bot.core.wording import Wording
from storage.clock import Clock, system_clock
from storage.models import ChannelIdentity, OutboxMessage
from storage.profile import Profile
from storage.repositories import consents, outbox
from storage.repositories.residents import identity_of

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
WINDOW_MESSAGES = 5
WINDOW_CLOSED_CODES = frozenset({45015, 45047})
"""Out of the response window / out of the response count: WeChat's own word that the window is shut."""
REPLY_KIND = "wechat_reply"
SUMMARY_CHARS = 20
"""A subscribe-notification `thing` field holds at most 20 characters."""


class Undeliverable:
    NO_ACCOUNT = "no_wechat_account"
    UNFOLLOWED = "unfollowed"
    OUTSIDE_WINDOW = "outside_48h_window_without_consent"


@dataclass
class WeChatSender:
    sessions: async_sessionmaker[AsyncSession]
    client: OfficialAccountClient
    profile: Profile
    subscribe_template_id: str | None = None
    subscribe_template_field: str = "thing1"
    clock: Clock = system_clock
    sending_at_once: int = 3
    """Deliveries under way at once; the others wait their turn without a database connection. A delivery holds
    its outbox row, and so a connection, through WeChat's API call, which waits for one of asyncio's few default
    threads (6 on 2 cores, shared with the spool's writes): unbounded, a peak of late replies held the whole pool
    while they queued for those threads, the webhook's own turns waited for connections, answered `success`, and
    added late replies of their own."""

    def __post_init__(self) -> None:
        self._sending = asyncio.Semaphore(self.sending_at_once)

    async def send_texts(self, resident_id: int, texts: list[str], kind: str = REPLY_KIND) -> list[int]:
        """Record the texts in the outbox, then deliver them in order; returns the outbox ids."""
        async with self.sessions() as session, session.begin():
            rows = [outbox.enqueue(session, kind, {"text": piece}, resident_id=resident_id)
                    for text in texts for piece in chunks(text)]
            await session.flush()
            ids = [row.id for row in rows]
        for outbox_id in ids:
            await self.deliver(outbox_id)
        return ids

    async def deliver(self, outbox_id: int) -> None:
        """Send one outbox message, or settle it as undeliverable; a passing failure is left to retry."""
        async with self._sending, self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, outbox_id, with_for_update=True)
            if row is None or row.delivered_at is not None or row.undeliverable_reason is not None:
                return
            identity = await identity_of(session, row.resident_id, CHANNEL) if row.resident_id else None
            if identity is None or not identity.active:
                outbox.settle_undeliverable(row, Undeliverable.UNFOLLOWED if identity else Undeliverable.NO_ACCOUNT)
                return
            now = self.clock()
            choices = [[str(label), str(payload)] for label, payload in row.payload.get("choices", [])]
            text = await outbox.text_of(session, row)
            if self._in_window(identity, now):
                replaced = await self._offer(identity.resident_id, choices, now)
                shown = self._with_choices(text, choices) if replaced is not None \
                    else with_choices_as_words(Wording(self.profile, None), text, choices)
                try:
                    await asyncio.to_thread(self.client.message.send_text, identity.external_id, shown)
                except WeChatClientException as error:
                    await self._withdraw(identity.resident_id, choices, replaced, now)
                    if error.errcode not in WINDOW_CLOSED_CODES:
                        outbox.retry_later(row, f"{error.errcode}: {error.errmsg}", now)
                        log.warning("WeChat send of outbox %s failed: %s", row.id, row.last_error)
                        return
                    identity.sends_since_inbound = WINDOW_MESSAGES
                except RequestException as error:
                    await self._withdraw(identity.resident_id, choices, replaced, now)
                    outbox.retry_later(row, f"network: {type(error).__name__}", now)
                    return
                else:
                    identity.sends_since_inbound += 1
                    row.delivered_at = now
                    return
            await self._outside_window(session, row, identity, text, now)

    async def _offer(self, resident_id: int, choices: list[list[str]], now: datetime) -> list[list[str]] | None:
        """The choices, committed before the message leaves: the resident's「1」 may arrive the moment it does,
        before this delivery's own transaction (which holds the outbox row through the send) commits. None: not
        offered (no choices, or the resident is in the middle of a flow)."""
        if not choices:
            return None
        async with self.sessions() as session, session.begin():
            return await offer_choices(session, self.profile, resident_id, choices, now)

    async def _withdraw(self, resident_id: int, choices: list[list[str]], replaced: list[list[str]] | None,
                        now: datetime) -> None:
        if replaced is not None:
            async with self.sessions() as session, session.begin():
                await withdraw_choices(session, self.profile, resident_id, choices, replaced, now)

    def _with_choices(self, text: str, choices: list[list[str]]) -> str:
        """Buttons a staff action attached (满意 / 不满意) as WeChat text: a numbered list."""
        reply = TextReply(text, tuple(Choice(label, payload) for label, payload in choices))
        return reply_texts([reply], Wording(self.profile, None))[0]

    @staticmethod
    def _in_window(identity: ChannelIdentity, now: datetime) -> bool:
        last = identity.last_inbound_at
        return last is not None and now - last < WINDOW and identity.sends_since_inbound < WINDOW_MESSAGES

    async def _outside_window(self, session: AsyncSession, row: OutboxMessage, identity: ChannelIdentity,
                              text: str, now: datetime) -> None:
        """A subscribe message, spending one consent the resident gave to its template; none left, the message
        is settled as undeliverable (staff are shown it and phone the resident)."""
        consent = await consents.unspent(session, identity.external_id, self.subscribe_template_id) \
            if self.subscribe_template_id is not None else None
        if consent is None:
            outbox.settle_undeliverable(row, Undeliverable.OUTSIDE_WINDOW)
            return
        body = {"touser": identity.external_id, "template_id": self.subscribe_template_id,
                "data": {self.subscribe_template_field: {"value": text[:SUMMARY_CHARS]}}}
        try:
            await asyncio.to_thread(self.client.post, "message/subscribe/bizsend", data=body)
        except WeChatClientException as error:
            outbox.retry_later(row, f"{error.errcode}: {error.errmsg}", now)
            return
        except RequestException as error:
            outbox.retry_later(row, f"network: {type(error).__name__}", now)
            return
        consents.spend(consent, row.id, now)
        row.delivered_at = now
