"""Alembic, driven from code: `frontdoor db upgrade`, start-up and the tests use this."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import is_transient

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def upgrade_unless_unreachable(database_url: str) -> None:
    """The server's start: migrated; or, when the database is unreachable (a restart during an outage), started
    without, so that WeChat's messages are taken into the spool meanwhile. A release that brings a migration is
    deployed with `frontdoor db upgrade` first (deploy/README.md), so the schema is already the code's."""
    try:
        upgrade(database_url)
    except Exception as error:
        if not is_transient(error):
            raise
        log.warning("the database is unreachable (%s): starting without checking its migrations",
                    type(error).__name__)
