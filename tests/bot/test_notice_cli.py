"""`frontdoor notice` as the community police officer and the secretary use it: write the week's
forecast, see it as residents will, approve, send, follow the report, export CAP, withdraw."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import xmlschema

from storage.db import create_engine, create_sessionmaker
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA, ROOT
from tests.subscribers import seed_subscribers

FORECAST = DEMO_PROFILE / "notice_examples" / "security_forecast.yaml"
CAP_SCHEMA = ROOT / "tests" / "fixtures" / "cap" / "CAP-v1.2.xsd"


async def seed(database_url: str) -> None:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await seed_subscribers(session, "qingshui", "security_forecast", 30)  # half in each area
    await engine.dispose()


def test_a_forecast_is_written_approved_sent_followed_exported_and_withdrawn(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'notices.db'}"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0
    asyncio.run(seed(database_url))

    created = frontdoor("notice", "create", "--community", "qingshui", "--data", str(FORECAST),
                        "--staff", "qs-police-01", env=env)
    number = re.search(r"notice (\d+) written", created.stdout)
    assert number is not None, created.stderr
    notice = number.group(1)
    refused = frontdoor("notice", "send", notice, env=env)
    approvals = [frontdoor("notice", "approve", notice, "--staff", key, env=env).stdout
                 for key in ("qs-police-01", "qs-sec-01")]
    sent = frontdoor("notice", "send", notice, env=env)
    status = frontdoor("notice", "status", notice, env=env)
    exported = frontdoor("notice", "export-cap", notice, "-o", str(tmp_path / "alert.xml"), env=env)
    cancelled = frontdoor("notice", "cancel", notice, "--reason", "本期数据有误，更正后重新发布", env=env)
    listed = frontdoor("notice", "list", "--community", "qingshui", "--current", env=env)

    assert "recipients: 15 (accounts: telegram 15)" in created.stdout
    assert "【征集线索】" in created.stdout
    as_read = created.stdout.split("what residents will read")[1].split("\n─")[0]
    assert as_read.rstrip().splitlines()[-1].startswith("【提醒】")
    assert refused.returncode == 1
    assert "approval missing from: police, secretary" in refused.stderr
    assert approvals == ["approved; still needed: secretary\n", "approved; ready to send\n"]
    assert f"notice {notice}: 15 deliveries queued" in sent.stdout
    assert re.search(r"pending\s+│\s+15 \(0 retrying\)", status.stdout)
    assert "in force" in status.stdout
    assert exported.returncode == 0
    xmlschema.XMLSchema(CAP_SCHEMA).validate(str(tmp_path / "alert.xml"))
    assert f"notice {notice} cancelled; cancel notice" in cancelled.stdout
    assert "queued to 0 residents" in cancelled.stdout  # nothing was delivered yet: no one to tell
    assert "治安形势预报" not in listed.stdout
