"""A resident's identity on the web chat: no password, a random id the server signs and the browser keeps.

The page asks for one on its first visit and sends it with every message and inbox poll; a forged or altered
token is refused, so nobody reads or writes as another browser's resident by guessing an id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

VERSION = "w1"
SENDER_PREFIX = "w"


def _signature(secret: str, sender_id: str) -> str:
    digest = hmac.new(secret.encode(), f"{VERSION}.{sender_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_identity(secret: str) -> str:
    """A token for a new resident: `w1.<sender id>.<signature>`."""
    sender_id = SENDER_PREFIX + secrets.token_hex(12)
    return f"{VERSION}.{sender_id}.{_signature(secret, sender_id)}"


def sender_of(token: str, secret: str) -> str | None:
    """The sender id a token was issued for, or None when it was not issued with this secret."""
    version, _, rest = token.partition(".")
    sender_id, _, signature = rest.partition(".")
    if version != VERSION or not sender_id.startswith(SENDER_PREFIX) \
            or not sender_id[1:] or not all(c in string.hexdigits for c in sender_id[1:]):
        return None
    return sender_id if hmac.compare_digest(signature, _signature(secret, sender_id)) else None
