"""Keyed digests for identifiers that tables must hold without naming whom they belong to.

A plain hash of a WeChat openid with a Telegram message number can be recomputed by anyone who reads
`channel_identities`; a digest keyed with the server's secret (kept in settings, never in the database)
cannot. Equal inputs give equal digests, so a digest still finds what it was stored under.
"""

from __future__ import annotations

import hashlib
import hmac

DEVELOPMENT_KEY = "development-only-seal"
"""The key of tests and of a bare `make run`; production settings refuse to start on the default secret."""


class Seal:
    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def of(self, text: str) -> str:
        """64 hex characters: the HMAC-SHA256 of `text`."""
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


DEVELOPMENT_SEAL = Seal(DEVELOPMENT_KEY)


def server_seal(secret_key: str) -> Seal:
    """The seal of a server run with `secret_key` (FRONTDOOR_SECRET_KEY); its own key, derived from the secret."""
    return Seal(f"retry-and-clue-seal:{secret_key}")
