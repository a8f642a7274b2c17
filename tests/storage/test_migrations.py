"""Migrations build the schema from nothing, and the models match them exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.db import sync_url
from storage.models import Base


def test_models_match_migrations_on_a_migrated_database(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_upgrade_head_creates_every_table(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()

    assert set(Base.metadata.tables) | {"alembic_version"} == tables
