"""`python -m bot.cli` runs the `frontdoor` command."""

from bot.cli.main import app

app()
