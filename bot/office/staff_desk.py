"""Staff commands, typed in WeCom or Telegram or sent by a Telegram button: 「认领 GD20261123-0001」,
「办结 GD20261123-0001 已疏通」, 「转 GD20261123-0001 叶艳」, 「暂停 GD20261123-0001 材料 缺户口本」, 「恢复
GD20261123-0001」 and 「我的」; the words come from the profile's `staff_commands.yaml`.

Only staff on the roster may act, and only on tickets `may_act_on` allows them; a refused command
changes nothing. Each command runs in one transaction; what it tells residents or colleagues goes
to the outbox in that transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.errors import FrontdoorError, PermissionDenied, StaffNotFoundError, TicketNotFoundError
from bot.core.wording import Wording
from bot.office.pauses import pause_reason, pause_ticket, resume_by_staff
from bot.office.ticket_actions import (
    category_name,
    claim_ticket,
    close_ticket,
    may_act_on,
    reassign_ticket,
    staff_on_roster,
)
from bot.office.ticketing import format_datetime, masked_description
from storage.models import Staff, Ticket, TicketStatus
from storage.profile import Profile
from storage.profile.staff_commands import StaffAction, StaffCommandWords
from storage.repositories.directory import get_community_by_id
from storage.repositories.tickets import get_ticket_by_number

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_overdue_none": (),
    "staff_overdue_header": ("count",),
    "staff_ticket_details": ("assignee", "category", "description", "due", "status", "ticket_no"),
    "status_open": (),
    "status_claimed": (),
    "status_closed": (),
    "status_reopened": (),
    "staff_command_help": ("claim", "close", "mine", "overdue", "pause", "resume", "show", "transfer"),
    "staff_pause_needs_reason": ("pause", "reasons", "ticket_no"),
    "staff_pause_reason": ("name", "word"),
    "staff_paused": ("reason", "ticket_no"),
    "staff_resumed": ("due", "ticket_no"),
    "staff_not_paused": ("ticket_no",),
    "staff_already_paused": ("reason", "ticket_no"),
    "staff_not_on_roster": (),
    "staff_denied": ("ticket_no",),
    "staff_transfer_denied": ("ticket_no",),
    "staff_ticket_unknown": ("ticket_no",),
    "staff_ticket_state": ("status", "ticket_no"),
    "staff_try_again": ("ticket_no",),
    "staff_close_needs_result": ("close", "ticket_no"),
    "staff_transfer_needs_name": ("ticket_no", "transfer"),
    "staff_claimed": ("category", "due", "ticket_no"),
    "staff_closed": ("ticket_no",),
    "staff_transferred": ("assignee", "ticket_no"),
    "staff_transfer_same": ("assignee", "ticket_no"),
    "staff_name_unknown": ("name",),
    "staff_name_ambiguous": ("count", "name"),
    "staff_my_tickets_header": ("count",),
    "staff_my_ticket": ("category", "due", "status", "ticket_no"),
    "staff_my_tickets_none": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

SEPARATORS = " \t\r\n\u3000:：,，"
"""What may stand between a command word, the ticket number and the rest."""
NAME_CHARS = 20
"""A colleague's name echoed back is cut to this: it is whatever the staff member typed."""
MINE_LIMIT = 15
"""Tickets listed by 我的: a WeCom passive reply holds at most 2048 bytes."""


@dataclass(frozen=True)
class StaffCommand:
    action: StaffAction
    ticket_no: str | None = None
    rest: str = ""
    """After the ticket number: the result for 办结, the colleague's name for 转."""


def parse_command(text: str, words: StaffCommandWords, ticket_prefix: str) -> StaffCommand | None:
    """The command in a staff member's message, or None when it starts with no command word."""
    found = words.command_of(text.strip())
    if found is None:
        return None
    action, rest = found
    number = re.match(rf"[{SEPARATORS}]*({re.escape(ticket_prefix)}\d{{8}}-\d{{4,}})", rest, re.IGNORECASE)
    if number is None:
        return StaffCommand(action, None, rest.strip(SEPARATORS))
    ticket_no = ticket_prefix + number.group(1)[len(ticket_prefix):]
    return StaffCommand(action, ticket_no, rest[number.end():].strip(SEPARATORS))


Step = Callable[[AsyncSession, Staff, Ticket, StaffCommand, Wording, datetime], Awaitable[str]]


@dataclass
class StaffDesk:
    """Answers staff commands from one channel; `channel` names the roster accounts (`StaffChannel`)."""

    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    channel: str
    clock: Callable[[], datetime]

    async def answer(self, sender: str, text: str) -> str:
        """The reply to one message from the account `sender`."""
        command = parse_command(text, self.profile.staff_commands, self.profile.district.ticket_prefix)
        wording = Wording(self.profile, None)
        try:
            async with self.sessions() as session, session.begin():
                staff = await staff_on_roster(session, self.channel, sender)
                if staff is None:
                    return wording.render("staff_not_on_roster")
                if staff.community_id is not None:
                    wording = Wording(self.profile, (await get_community_by_id(session, staff.community_id)).key)
                return await self._run(session, staff, command, wording, self.clock())
        except FrontdoorError as error:  # raised inside the transaction, so nothing it did is kept
            log.info("%s staff command %s on %s refused: %s", self.channel, command and command.action.value,
                     command and command.ticket_no, error.code)  # not the rest: a result may name a resident
            return self._refusal(wording, error, command)

    async def _run(self, session: AsyncSession, staff: Staff, command: StaffCommand | None, wording: Wording,
                   now: datetime) -> str:
        if command is not None and command.action in (StaffAction.MINE, StaffAction.OVERDUE):
            return await self._mine(session, staff, wording, overdue_at=now if command.action is StaffAction.OVERDUE
                                    else None)
        if command is None or command.ticket_no is None:
            words = self.profile.staff_commands
            return wording.render("staff_command_help", **{a.value: words.first(a) for a in StaffAction})
        ticket = await get_ticket_by_number(session, command.ticket_no)
        if ticket is None:
            return wording.render("staff_ticket_unknown", ticket_no=command.ticket_no)
        transfer = command.action is StaffAction.TRANSFER
        if not await may_act_on(session, staff, ticket, reassign=transfer):
            return wording.render("staff_transfer_denied" if transfer else "staff_denied", ticket_no=ticket.number)
        if command.action is StaffAction.SHOW:
            return self._details(wording, ticket)
        if ticket.status == TicketStatus.CLOSED:
            return self._state(wording, ticket)
        steps: dict[StaffAction, Step] = {StaffAction.CLAIM: self._claim, StaffAction.CLOSE: self._close,
                                          StaffAction.TRANSFER: self._transfer, StaffAction.PAUSE: self._pause,
                                          StaffAction.RESUME: self._resume}
        return await steps[command.action](session, staff, ticket, command, wording, now)

    async def _claim(self, session: AsyncSession, staff: Staff, ticket: Ticket, command: StaffCommand,
                     wording: Wording, now: datetime) -> str:
        if ticket.status == TicketStatus.CLAIMED and ticket.assignee_id == staff.id:
            return self._state(wording, ticket)
        await claim_ticket(session, self.profile, ticket.number or "", staff.key, now)
        return wording.render("staff_claimed", ticket_no=ticket.number, category=category_name(self.profile, ticket),
                              due=format_datetime(wording, self.profile, ticket.due_at))

    async def _close(self, session: AsyncSession, staff: Staff, ticket: Ticket, command: StaffCommand,
                     wording: Wording, now: datetime) -> str:
        if not command.rest:
            return wording.render("staff_close_needs_result", ticket_no=ticket.number,
                                  close=self.profile.staff_commands.first(StaffAction.CLOSE))
        await close_ticket(session, self.profile, ticket.number or "", staff.key, command.rest, now)
        return wording.render("staff_closed", ticket_no=ticket.number)

    async def _pause(self, session: AsyncSession, staff: Staff, ticket: Ticket, command: StaffCommand,
                     wording: Wording, now: datetime) -> str:
        """「暂停 GD… 材料 缺户口本首页」: one of the profile's reasons by its key, name or word, then a note."""
        reasons = self.profile.district.pause_reasons
        if ticket.paused_at is not None:
            current = reasons.get(ticket.pause_reason or "")
            return wording.render("staff_already_paused", ticket_no=ticket.number,
                                  reason=current.name if current else ticket.pause_reason)
        found = pause_reason(self.profile, command.rest)
        if found is None:
            listed = "\n".join(wording.render("staff_pause_reason", name=reason.name,
                                              word=next(iter(reason.words), key)) for key, reason in reasons.items())
            return wording.render("staff_pause_needs_reason", ticket_no=ticket.number, reasons=listed,
                                  pause=self.profile.staff_commands.first(StaffAction.PAUSE))
        key, reason = found
        note = command.rest.strip()
        for word in sorted([key, reason.name, *reason.words], key=len, reverse=True):
            if note.startswith(word):
                note = note[len(word):].strip(SEPARATORS)
                break
        await pause_ticket(session, self.profile, ticket.number or "", staff.key, key, note, now)
        return wording.render("staff_paused", ticket_no=ticket.number, reason=reason.name)

    async def _resume(self, session: AsyncSession, staff: Staff, ticket: Ticket, command: StaffCommand,
                      wording: Wording, now: datetime) -> str:
        if ticket.paused_at is None:
            return wording.render("staff_not_paused", ticket_no=ticket.number)
        await resume_by_staff(session, self.profile, ticket.number or "", staff.key, now)
        return wording.render("staff_resumed", ticket_no=ticket.number,
                              due=format_datetime(wording, self.profile, ticket.due_at))

    async def _transfer(self, session: AsyncSession, staff: Staff, ticket: Ticket, command: StaffCommand,
                        wording: Wording, now: datetime) -> str:
        name = command.rest
        if not name:
            return wording.render("staff_transfer_needs_name", ticket_no=ticket.number,
                                  transfer=self.profile.staff_commands.first(StaffAction.TRANSFER))
        named = await _colleagues_named(session, ticket.community_id, name)
        if len(named) != 1:
            key = "staff_name_ambiguous" if named else "staff_name_unknown"
            return wording.render(key, name=name[:NAME_CHARS], count=len(named))
        target = named[0]
        if target.id == ticket.assignee_id:
            return wording.render("staff_transfer_same", ticket_no=ticket.number, assignee=target.name)
        await reassign_ticket(session, self.profile, ticket.number or "", staff.key, target, now)
        return wording.render("staff_transferred", ticket_no=ticket.number, assignee=target.name)

    async def _mine(self, session: AsyncSession, staff: Staff, wording: Wording,
                    overdue_at: datetime | None = None) -> str:
        """The staff member's open tickets, soonest due first; with `overdue_at`, only those past due then."""
        mine = [Ticket.assignee_id == staff.id, Ticket.status != TicketStatus.CLOSED]
        if overdue_at is not None:
            mine += [Ticket.due_at < overdue_at, Ticket.paused_at.is_(None)]
        count = await session.scalar(select(func.count()).select_from(Ticket).where(*mine)) or 0
        if not count:
            return wording.render("staff_overdue_none" if overdue_at else "staff_my_tickets_none")
        tickets = await session.scalars(select(Ticket).where(*mine).order_by(Ticket.due_at).limit(MINE_LIMIT))
        lines = [wording.render("staff_overdue_header" if overdue_at else "staff_my_tickets_header", count=count)]
        lines += [wording.render("staff_my_ticket", ticket_no=t.number, category=category_name(self.profile, t),
                                 status=wording.render(f"status_{t.status}"),
                                 due=format_datetime(wording, self.profile, t.due_at)) for t in tickets]
        return "\n".join(lines)

    def _details(self, wording: Wording, ticket: Ticket) -> str:
        """One ticket in full (no resident identity: the ticket is what staff act on)."""
        return wording.render("staff_ticket_details", ticket_no=ticket.number,
                              category=category_name(self.profile, ticket),
                              status=wording.render(f"status_{ticket.status}"), assignee=ticket.assignee.name,
                              due=format_datetime(wording, self.profile, ticket.due_at),
                              description=masked_description(self.profile, ticket))

    @staticmethod
    def _state(wording: Wording, ticket: Ticket) -> str:
        return wording.render("staff_ticket_state", ticket_no=ticket.number,
                              status=wording.render(f"status_{ticket.status}"))

    @staticmethod
    def _refusal(wording: Wording, error: FrontdoorError, command: StaffCommand | None) -> str:
        """What a typed error from a ticket action means to the staff member who asked."""
        number = command.ticket_no if command else None
        if isinstance(error, TicketNotFoundError):
            return wording.render("staff_ticket_unknown", ticket_no=number)
        if isinstance(error, StaffNotFoundError):
            return wording.render("staff_name_unknown", name=(command.rest if command else "")[:NAME_CHARS])
        if isinstance(error, PermissionDenied):
            return wording.render("staff_denied", ticket_no=number)
        return wording.render("staff_try_again", ticket_no=number)


async def _colleagues_named(session: AsyncSession, community_id: int, name: str) -> Sequence[Staff]:
    query = select(Staff).where(Staff.community_id == community_id, Staff.name == name, Staff.active).limit(5)
    return (await session.scalars(query)).all()
