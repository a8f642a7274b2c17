"""API keys for the Open311 API: the plain key is shown once at creation; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApiKey

KEY_PREFIX = "o311_"
"""Makes a leaked key recognisable in a log or a repository scan."""


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


async def create_api_key(session: AsyncSession, name: str, community_id: int | None,
                         now: datetime) -> tuple[ApiKey, str]:
    """A new active key and its plain text, which is not stored and cannot be shown again."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(plain), community_id=community_id, active=True, created_at=now)
    session.add(key)
    await session.flush()
    return key, plain


async def verify_api_key(session: AsyncSession, plain: str) -> ApiKey | None:
    """The active key whose hash this is, or None. Looked up by hash, then compared in constant time."""
    if not plain:
        return None
    digest = hash_key(plain)
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.active))
    if key is None or not hmac.compare_digest(key.key_hash.encode(), digest.encode()):
        return None
    return key


async def list_api_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()


async def revoke_api_key(session: AsyncSession, key_id: int) -> ApiKey | None:
    """Deactivate the key (kept, since the identities of what it filed name it); None if unknown."""
    key = await session.get(ApiKey, key_id)
    if key is not None:
        key.active = False
    return key
