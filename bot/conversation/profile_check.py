"""The profile as the running bot checks it. Storage validates each file on its own; what only the bot
knows, which replies its code renders and which intents its handlers answer, is checked here, so that
storage imports nothing above it."""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path

from bot.conversation.replies import check_replies
from handlers import build_registry
from storage.profile import Profile, ProfileError, load_profile


def check_menu_intents(profile: Profile) -> None:
    """Every click key of the WeChat menu names an intent a handler answers."""
    if profile.wechat_menu is None:
        return
    intents = build_registry()
    for field, key in profile.wechat_menu.clicks():
        intent = key.partition("{")[0]
        if intent not in intents:
            close = get_close_matches(intent, intents, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ProfileError(profile.root / "wechat_menu.yaml", field, f"no handler answers intent '{intent}'{hint}")


def load_checked_profile(folder: Path) -> Profile:
    """The profile in `folder`, checked by storage and then against the bot's code: its replies and its menu."""
    profile = load_profile(folder)
    check_replies(profile)
    check_menu_intents(profile)
    return profile
