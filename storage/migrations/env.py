"""Alembic environment: the URL comes from the config (set by storage.migrate) or, for the `alembic` command,
from FRONTDOOR_DATABASE_URL as the app reads it (the embedded SQLite file when unset)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from storage.db import DATABASE_URL_VARIABLE, DEFAULT_DATABASE_URL, sync_url
from storage.models import Base


def _database_url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or os.environ.get(DATABASE_URL_VARIABLE,
                                                                               DEFAULT_DATABASE_URL)


def run_migrations() -> None:
    url = sync_url(_database_url())
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
