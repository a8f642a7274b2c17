"""What a channel is to the rest of the bot: a name, whether the settings switch it on, its HTTP routes,
what it plugs into the app and into a worker, and its commands. Each platform's `channel.py` makes one
`Channel`; `bot.channels.registry` lists them, and the app, the workers and the CLI read that list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import State

from bot.settings import Settings
from storage.clock import Clock
from storage.profile import Profile

if TYPE_CHECKING:
    from bot.channels.telegram.pacing import Pacer
    from bot.runtime import Runtime
    from bot.workers.delivery import Deliverer


@dataclass(frozen=True)
class Plugged:
    """What an opened channel offers; it is closed when the exit stack it was opened on closes."""

    residents: Deliverer | None = None
    """Delivers outbox messages to residents whose account is on this channel."""
    staff: Deliverer | None = None
    """Delivers outbox messages to staff members whose account is on this channel."""
    pacer: Pacer | None = None
    """A platform-wide send rate that the live workers share between them (their heartbeat divides it)."""
    shared_per_second: int = 0


@dataclass(frozen=True)
class WorkerPlace:
    """Where a worker opens its channels."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    profile: Profile
    clock: Clock


@dataclass(frozen=True)
class Channel:
    name: str
    """As stored in `channel_identities.channel` and in a staff member's accounts."""
    configured: Callable[[Settings], bool]
    routes: Callable[[Settings], list[APIRouter]] = lambda _settings: []
    """Mounted when the channel is configured."""
    open_in_app: Callable[[Runtime, AsyncExitStack, State], Awaitable[Plugged]] | None = None
    """Opens what the routes need (on `app.state`) and what delivers from the outbox."""
    open_in_worker: Callable[[WorkerPlace, AsyncExitStack], Awaitable[Plugged]] | None = None
    pushes_to_residents: bool = False
    """Whether the bot can write to a resident here unasked (a staff reply, a ready certificate)."""
    commands: str | None = None
    """`frontdoor <name> ...`: where its Typer app is, as `module:attribute` (read only by the CLI, so that
    a channel's commands may use the registry without the registry importing them)."""
