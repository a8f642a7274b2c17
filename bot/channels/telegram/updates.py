"""Telegram updates into the front door: residents' messages and buttons go to the pipeline, staff
messages and staff buttons to the staff desk; the answer goes back through the paced sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import CallbackQuery, Message, Update

from bot.channels.telegram.render import STAFF_PREFIX, one_message
from bot.channels.telegram.sender import CHANNEL, TelegramSender
from bot.conversation.pipeline import Pipeline
from bot.core.messages import InboundMessage, Photo, SharedLocation, VoiceNote
from bot.core.wording import Wording
from bot.office.staff_desk import StaffDesk
from bot.office.staff_links import redeem_link_code
from bot.office.ticket_actions import staff_on_roster
from storage.clock import Clock, system_clock
from storage.profile.staff_commands import StaffAction

REPLIES: dict[str, tuple[str, ...]] = {
    "staff_telegram_help": (),
    "staff_linked": ("name",),
    "staff_link_invalid": (),
}
"""The profile's replies this module renders, each with the blanks it fills in."""


log = logging.getLogger(__name__)

COMMANDS = {"/start": "/greet", "/menu": "/greet", "/status": "/request_status",
            "/subscribe": "/subscribe_notices", "/cancel": "/deny"}
"""Telegram commands as the intents they ask for (/cancel: the open form's 「算了」)."""
LINK_COMMAND = "/link"
STAFF_COMMANDS = {"/mine": StaffAction.MINE, "/overdue": StaffAction.OVERDUE, "/ticket": StaffAction.SHOW}


@dataclass
class TelegramUpdates:
    pipeline: Pipeline
    sessions: async_sessionmaker[AsyncSession]
    desk: StaffDesk
    sender: TelegramSender
    community_key: str | None = None
    clock: Clock = system_clock

    async def handle(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._button(update.callback_query)
        elif update.message is not None and update.message.from_user is not None:
            await self._message(update.message)

    async def _button(self, query: CallbackQuery) -> None:
        await query.answer()  # stops the button's spinner, whatever follows
        message, data = query.message, query.data or ""
        if message is None:
            return
        chat_id, user = message.chat.id, str(query.from_user.id)
        if data.startswith(STAFF_PREFIX):
            if await self._is_staff(user):
                await self.sender.send_now(chat_id, await self.desk.answer(user, data.removeprefix(STAFF_PREFIX)))
            return  # a staff button forwarded to anyone else does nothing
        await self._resident(InboundMessage(CHANNEL, str(chat_id), f"button:{query.id}", data, self.clock(),
                                            self.community_key), chat_id)

    async def _message(self, message: Message) -> None:
        chat_id, user = message.chat.id, str(message.from_user.id if message.from_user else "")
        text = (message.text or "").strip()
        command = text.split("@")[0].split(" ")[0] if text.startswith("/") else ""
        if command == LINK_COMMAND:
            await self.sender.send_now(chat_id, await self._link(user, text.partition(" ")[2]))
            return
        if await self._is_staff(user):
            await self.sender.send_now(chat_id, await self._staff_answer(user, command, text))
            return
        text = COMMANDS.get(command, text)
        photo = Photo(message.photo[-1].file_id) if message.photo else None
        location = (SharedLocation(message.location.latitude, message.location.longitude)
                    if message.location else None)
        voice = VoiceNote(message.voice.file_id, "ogg") if message.voice else None
        if not text and photo is None and location is None and voice is None:
            return
        await self._resident(InboundMessage(CHANNEL, str(chat_id), str(message.message_id), text,
                                            self.clock(), self.community_key, photo, location, voice), chat_id)

    async def _link(self, user: str, code: str) -> str:
        wording = Wording(self.desk.profile, None)
        async with self.sessions() as session, session.begin():
            staff = await redeem_link_code(session, code, CHANNEL, user, self.clock())
        if staff is None:
            return wording.render("staff_link_invalid")
        log.info("Telegram account linked to staff %s", staff.key)
        return wording.render("staff_linked", name=staff.name)

    async def _staff_answer(self, user: str, command: str, text: str) -> str:
        """Telegram commands (/mine, /overdue, /ticket N) as the staff desk's words; other text as typed."""
        words = self.desk.profile.staff_commands
        action = STAFF_COMMANDS.get(command)
        if action is not None:
            return await self.desk.answer(user, f"{words.first(action)} {text.partition(' ')[2]}".strip())
        if command in ("/start", "/help"):
            return Wording(self.desk.profile, None).render("staff_telegram_help")
        return await self.desk.answer(user, text)

    async def _resident(self, message: InboundMessage, chat_id: int) -> None:
        text, markup = one_message(await self.pipeline.handle(message))
        if text:
            await self.sender.send_now(chat_id, text, markup)

    async def _is_staff(self, user: str) -> bool:
        async with self.sessions() as session:
            return await staff_on_roster(session, CHANNEL, user) is not None
