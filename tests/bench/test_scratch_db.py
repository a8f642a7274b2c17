"""Fault scripts' scratch databases: two runs at once each have their own, and a run only ever drops what a run
that is gone left behind."""

from __future__ import annotations

import subprocess

from bench.faults.scratch_db import PREFIX, admin, fault_database, left_over


def database_names() -> set[str]:
    return {str(row[0]) for row in admin(f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")}


def test_two_runs_at_once_keep_their_own_databases_and_a_dead_run_s_is_dropped(postgres_template: str) -> None:
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    abandoned = f"{PREFIX}worker_{dead_pid.pid}_abcdef"
    admin(f'CREATE DATABASE "{abandoned}"')

    with fault_database("worker") as first, fault_database("worker") as second:
        during = database_names()
    after = database_names()

    assert first != second
    first_name, second_name = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    assert {first_name, second_name} <= during
    assert abandoned not in during
    assert not {first_name, second_name} & after
    assert not [name for name in left_over() if name in (first_name, second_name)]
