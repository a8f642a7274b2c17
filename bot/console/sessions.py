"""Signing staff in and out of the console: throttled password checks and server-side sessions.

The browser holds a random token in an HttpOnly cookie; the database holds its SHA-256 and the
session's CSRF token, which every form posts back. Failed attempts are counted per staff member (whether their
id, phone or name was typed; per typed username when it is no one's) from one client address, and per address,
over a window: past the limit, even the right password is refused from there until
it passes (or, for the account, until a success from that address).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.passwords import verify_password
from bot.core.errors import FrontdoorError
from storage.models import SignInAttempt, Staff, StaffSession

SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
FIRST_PAUSE = timedelta(seconds=30)
"""After the account's free failures from one address, the next try waits this long after the last one, twice
as long after each further failure (30 s, 1 min, 2 min ...), never longer than the window: a typing staff member
is slowed, not locked out, and a guesser gets a handful of tries an hour."""


class SignInThrottled(FrontdoorError):  # noqa: N818 -- the outcome the page reports
    code = "sign_in_throttled"
    status = 429


@dataclass(frozen=True)
class AmbiguousName:
    """The password was right for more than one of the active staff members sharing the phone number or name signed
    in with: no one is signed in, and the page asks for the staff id. Returned, not raised, so the attempt is kept."""

    matches: int
    code: ClassVar[str] = "sign_in_ambiguous"
    status: ClassVar[int] = 401


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(session: AsyncSession, username: str, password: str, client: str,
                  now: datetime) -> tuple[str, SignedIn] | AmbiguousName | None:
    """The new session's cookie token and who signed in, or None for a wrong account or password (the
    attempt is recorded: commit it); raises SignInThrottled past the limit. The account is a staff id, a phone
    number or a name (`staff_signing_in`); a phone or name several active staff share signs in the one whose
    password this is, and is refused like a wrong password when it is none of theirs. When it is more than one's,
    AmbiguousName is *returned* (the attempt is recorded as a failure: commit it), never raised.

    Failures are counted per staff member, whichever of their id, phone or name was typed (see `_attempt_key`),
    and per typed username when it is no one's. Attempts on one account are taken one at a time: the attempt is
    written first (on SQLite that waits for the write lock) and the accounts' rows are locked (on PostgreSQL), so
    concurrent guesses each see the failures before them. The limits are per account *from one address* (a
    success from it starts the count again) and per address: a guesser elsewhere cannot lock a staff member out."""
    username = username.strip()
    attempt = SignInAttempt(username=username[:60], client=client[:64], succeeded=False, at=now)
    session.add(attempt)
    await session.flush()
    candidates = await staff_signing_in(session, username)
    if len(candidates) == 1:
        attempt.username = _attempt_key(candidates[0])
        await session.flush()
    budgets = [_keys(staff) for staff in candidates] or [{attempt.username}]
    failed = (SignInAttempt.succeeded.is_(False), SignInAttempt.id != attempt.id,
              SignInAttempt.at >= now - THROTTLE_WINDOW)
    by_client = await session.scalar(select(func.count()).where(*failed, SignInAttempt.client == attempt.client)) or 0
    if by_client >= MAX_FAILURES_PER_CLIENT or any([await _account_throttled(session, keys, attempt, now)
                                                    for keys in budgets]):
        raise SignInThrottled("too many failed sign-ins; wait a little")
    # argon2 takes tens of milliseconds of CPU by design: off the event loop, so webhooks are answered meanwhile
    if not candidates:
        await asyncio.to_thread(verify_password, None, password)  # as slow as for a real account
        return None
    # the matches of a shared phone or name side by side: about as long as one check, so no hint that it is shared
    checks = await asyncio.gather(*(asyncio.to_thread(verify_password, staff.password_hash, password)
                                    for staff in candidates))
    matched = [staff for staff, ok in zip(candidates, checks, strict=True) if ok]
    if len(matched) > 1:
        return AmbiguousName(len(matched))
    if not matched:
        return None
    staff = matched[0]
    attempt.username, attempt.succeeded = _attempt_key(staff), True
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), staff_id=staff.id, csrf_token=csrf, created_at=now,
                             expires_at=now + SESSION_LIFETIME))
    return token, SignedIn(staff, csrf)


async def staff_signing_in(session: AsyncSession, username: str) -> list[Staff]:
    """The active staff members (rows locked, in id order) whose staff id, phone number or name this is: the one
    with that id, else those with that phone, else those with that name; several share a phone or a name at times."""
    for column in (Staff.key, Staff.phone, Staff.name):
        found = list((await session.scalars(select(Staff).where(column == username, Staff.active).order_by(Staff.id)
                                            .with_for_update())).all())
        if found:
            return found
    return []


def _attempt_key(staff: Staff) -> str:
    """What an attempt on this one staff member is recorded under, whichever of id, phone or name was typed: it
    starts with a space, which no typed username keeps, so no one can type it."""
    return f" staff:{staff.id}"


def _keys(staff: Staff) -> set[str]:
    """Every attempt that counts against this staff member: those on them alone, and failures with a phone or name
    they share (recorded as typed, so each of those sharing it is charged)."""
    return {_attempt_key(staff), staff.name[:60], *([staff.phone[:60]] if staff.phone else [])}


async def _account_throttled(session: AsyncSession, keys: set[str], attempt: SignInAttempt, now: datetime) -> bool:
    mine = SignInAttempt.username.in_(keys) & (SignInAttempt.client == attempt.client)
    recent = SignInAttempt.at >= now - THROTTLE_WINDOW
    last_success = await session.scalar(select(func.max(SignInAttempt.at)).where(
        mine, SignInAttempt.succeeded.is_(True), recent))
    since_success = [SignInAttempt.at > last_success] if last_success is not None else []
    failures, last_failure = (await session.execute(select(func.count(), func.max(SignInAttempt.at)).where(
        mine, SignInAttempt.succeeded.is_(False), SignInAttempt.id != attempt.id, recent, *since_success))).one()
    return bool(failures >= MAX_FAILURES_PER_ACCOUNT and now < last_failure + _pause_after(failures))


def _pause_after(failures: int) -> timedelta:
    pause: timedelta = FIRST_PAUSE * 2 ** (failures - MAX_FAILURES_PER_ACCOUNT)
    return min(pause, THROTTLE_WINDOW)


async def current(session: AsyncSession, token: str | None, now: datetime) -> SignedIn | None:
    """Who holds this cookie token, if the session is live and they are still on the roster."""
    if not token:
        return None
    found = await session.execute(select(StaffSession, Staff).join(Staff, Staff.id == StaffSession.staff_id)
                                  .where(StaffSession.token_hash == token_hash(token), StaffSession.expires_at > now,
                                         Staff.active))
    row = found.first()
    return SignedIn(row[1], row[0].csrf_token) if row else None


async def sign_out(session: AsyncSession, token: str | None) -> None:
    if token:
        await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))
