"""The terminal chat as a channel: what the office sends a terminal resident waits in their inbox
(`bot.channels.inbox`), and `frontdoor chat` shows it while it runs."""

from __future__ import annotations

from bot.channels.inbox.deliverer import open_inbox_in_app, open_inbox_in_worker
from bot.channels.plugin import Channel

NAME = "terminal"

CHANNEL = Channel(NAME, lambda _settings: True, open_in_app=open_inbox_in_app, open_in_worker=open_inbox_in_worker,
                  pushes_to_residents=True)
