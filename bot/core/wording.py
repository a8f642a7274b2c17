"""Renders reply templates from the profile, a community's own wording first."""

from __future__ import annotations

from dataclasses import dataclass

from storage.profile import Profile


@dataclass(frozen=True)
class Wording:
    profile: Profile
    community_key: str | None

    def render(self, key: str, **fields: object) -> str:
        return self.profile.reply_template(self.community_key, key).format(**fields)
