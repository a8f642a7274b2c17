"""The env file example and the systemd units as shipped: real settings only, every secret named, a
production configuration the app accepts, and units systemd reads without a complaint."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import get_args

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "frontdoor.env.example"
UNITS = DEPLOY / "systemd"


def named_settings(text: str) -> set[str]:
    """Every setting the file names, on or commented out."""
    return {name.lower() for name in re.findall(r"^#?FRONTDOOR_([A-Z0-9_]+)=", text, re.MULTILINE)}


def test_the_env_example_names_only_real_settings_and_every_secret() -> None:
    named = named_settings(EXAMPLE.read_text())
    secrets = {name for name, field in Settings.model_fields.items()
               if SecretStr in (get_args(field.annotation) or (field.annotation,))}

    assert named - set(Settings.model_fields) == set()
    assert secrets - named == set()
    assert "in_app_worker" not in named  # the app's unit sets it; the file would override the unit


def test_the_env_example_is_a_production_configuration_the_app_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("FRONTDOOR_")]:
        monkeypatch.delenv(name)

    settings = Settings(_env_file=EXAMPLE)

    assert settings.environment == "production"
    assert not settings.demo_pages
    assert settings.database_url.startswith("postgresql://")
    assert settings.forwarded_allow_ips == "127.0.0.1"


def test_systemd_reads_the_units_without_a_complaint(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze is missing: `make system-packages` installs Debian's systemd"
    # verify wants each ExecStart's program to exist: point them at one that does.
    for unit in UNITS.iterdir():
        text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", unit.read_text(), flags=re.MULTILINE)
        (tmp_path / unit.name.replace("@.", "@1.")).write_text(text)
    units = sorted(str(path) for path in tmp_path.iterdir())

    checked = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path)

    assert len(units) == 4
    assert (checked.returncode, checked.stderr) == (0, "")
