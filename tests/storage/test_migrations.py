"""Migrations build the schema from nothing, and the models match them exactly."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from storage.db import sync_url
from storage.models import Base
from tests.conftest import ROOT, pg_admin, pg_url


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


def test_alembic_cli_upgrades_an_empty_postgresql_database(postgres_template: str) -> None:
    name = f"frontdoor_empty_{uuid.uuid4().hex[:10]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "FRONTDOOR_DATABASE_URL": pg_url(name)}
        alembic = Path(sys.executable).parent / "alembic"
        for args in (["upgrade", "head"], ["check"]):
            result = subprocess.run([str(alembic), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                    timeout=120, check=False)
            assert result.returncode == 0, result.stderr
        engine = create_engine(sync_url(pg_url(name)))
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        engine.dispose()
    finally:
        with pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
