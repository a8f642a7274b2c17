"""The profile as the running bot checks it. Storage validates each file on its own; what only the bot
knows, which replies its code renders, which intents its handlers answer and which forms its guides link, is
checked here, so that storage imports nothing above it."""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path

from bot.conversation.replies import check_replies
from handlers import build_registry
from nlu.policy_texts import FORMS_FOLDER, missing_forms
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


def check_policy_forms(profile: Profile) -> None:
    """Every form a policy guide links is in the guides' forms folder, where the app serves it: a resident is
    never given a link that does not open."""
    missing = missing_forms(profile.policies_dir)
    if missing:
        guide, target = missing[0]
        raise ProfileError(guide, f"[…]({target})",
                           f"no form '{target}' in {profile.policies_dir / FORMS_FOLDER}: add the file or fix the link")


def load_checked_profile(folder: Path) -> Profile:
    """The profile in `folder`, checked by storage and then against the bot's code: its replies, its menu and the
    forms its guides link."""
    profile = load_profile(folder)
    check_replies(profile)
    check_menu_intents(profile)
    check_policy_forms(profile)
    return profile
