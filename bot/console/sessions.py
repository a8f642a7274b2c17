"""Signing staff in and out of the console: throttled password checks and server-side sessions.

The browser holds a random token in an HttpOnly cookie; the database holds its SHA-256 and the
session's CSRF token, which every form posts back. Failed attempts are counted per account from one client
address, and per address, over a window: past the limit, even the right password is refused from there until
it passes (or, for the account, until a success from that address).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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


class AmbiguousName(FrontdoorError):  # noqa: N818 -- the outcome the page reports
    """Two active staff members share the name signed in with: the page asks for the phone number instead."""

    code = "sign_in_ambiguous"
    status = 401


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(session: AsyncSession, username: str, password: str, client: str,
                  now: datetime) -> tuple[str, SignedIn] | None:
    """The new session's cookie token and who signed in, or None for a wrong account or password (the
    attempt is recorded: commit it); raises SignInThrottled past the limit, AmbiguousName for a name two share.
    The account is a staff id, a phone number or a name (`staff_signing_in`).

    Attempts on one account are taken one at a time: the attempt is written first (on SQLite that waits for
    the write lock) and the account's row is locked (on PostgreSQL), so concurrent guesses each see the
    failures before them. The limits are per account *from one address* (a success from it starts the count
    again) and per address: a guesser elsewhere cannot lock a staff member out."""
    attempt = SignInAttempt(username=username[:60], client=client[:64], succeeded=False, at=now)
    session.add(attempt)
    await session.flush()
    staff = await staff_signing_in(session, username)
    mine = (SignInAttempt.username == attempt.username) & (SignInAttempt.client == attempt.client)
    last_success = await session.scalar(select(func.max(SignInAttempt.at)).where(
        mine, SignInAttempt.succeeded.is_(True), SignInAttempt.at >= now - THROTTLE_WINDOW))
    failed = (SignInAttempt.succeeded.is_(False), SignInAttempt.id != attempt.id,
              SignInAttempt.at >= now - THROTTLE_WINDOW)
    since_success = [SignInAttempt.at > last_success] if last_success is not None else []
    by_account, last_failure = (await session.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(*failed, mine, *since_success))).one()
    by_client = await session.scalar(select(func.count()).where(*failed, SignInAttempt.client == attempt.client)) or 0
    if by_client >= MAX_FAILURES_PER_CLIENT or (
            by_account >= MAX_FAILURES_PER_ACCOUNT and now < last_failure + _pause_after(by_account)):
        raise SignInThrottled("too many failed sign-ins; wait a little")
    # argon2 takes tens of milliseconds of CPU by design: off the event loop, so webhooks are answered meanwhile
    ok = await asyncio.to_thread(verify_password, staff.password_hash if staff else None, password)
    attempt.succeeded = ok
    if staff is None or not ok:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), staff_id=staff.id, csrf_token=csrf, created_at=now,
                             expires_at=now + SESSION_LIFETIME))
    return token, SignedIn(staff, csrf)


async def staff_signing_in(session: AsyncSession, username: str) -> Staff | None:
    """The active staff member (row locked) whose staff id, phone number or name this is: an id first, then a phone,
    then a name that must be theirs alone in the district (else AmbiguousName, before any password is checked)."""
    for column in (Staff.key, Staff.phone, Staff.name):
        found = (await session.scalars(select(Staff).where(column == username, Staff.active).order_by(Staff.id)
                                       .limit(2).with_for_update())).all()
        if len(found) > 1:
            raise AmbiguousName(f"{len(found)} active staff members match what was signed in with")
        if found:
            return found[0]
    return None


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
