"""`frontdoor publicity` as a secretary uses it: put up a 公示 (told which names it lists), publish it, refuse one
that gives an illness away, list them, close one with its outcome."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from storage.db import create_engine, create_sessionmaker
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA
from tests.subscribers import seed_subscribers


async def seed(database_url: str) -> None:
    engine = create_engine(database_url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await seed_subscribers(session, "qingshui", "announcements", 12)
    await engine.dispose()


def test_a_publicity_is_put_up_published_listed_and_closed(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'publicity.db'}"
    env = {**os.environ, "FRONTDOOR_DATABASE_URL": database_url, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE),
           "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]', "COLUMNS": "200"}
    assert frontdoor("db", "upgrade", env=env).returncode == 0
    assert frontdoor("profile", "load", env=env).returncode == 0
    asyncio.run(seed(database_url))
    award, illness = tmp_path / "award.txt", tmp_path / "illness.txt"
    award.write_text("经评议，拟为以下两户发放冬季困难补助：孙玉兰、何志强。", encoding="utf-8")
    illness.write_text("拟为孙玉兰（癌症晚期）发放困难补助。", encoding="utf-8")

    created = frontdoor("publicity", "create", "--community", "qingshui", "--subject", "subsidy",
                        "--title", "冬季困难补助名单", "--body", str(award), "--staff", "qs-sec-01", env=env)
    refused = frontdoor("publicity", "create", "--community", "qingshui", "--subject", "subsidy",
                        "--title", "困难补助", "--body", str(illness), env=env)
    number = re.search(r"publicity (\d+) written", created.stdout)
    assert number is not None, created.stderr
    published = frontdoor("publicity", "publish", number.group(1), env=env)
    listed = frontdoor("publicity", "list", env=env)
    closed = frontdoor("publicity", "close", number.group(1), env=env)

    assert "7-day window" in created.stdout
    assert "it names 2 people: 孙玉兰, 何志强" in created.stdout
    assert refused.returncode == 1
    assert "forbidden_term '癌'" in refused.stderr
    assert f"publicity {number.group(1)}: 12 deliveries queued" in published.stdout
    assert re.search(r"冬季困难补助名单\s+│\s+open\s+│", listed.stdout)
    assert f"publicity {number.group(1)} closed; its result goes to 12 residents" in closed.stdout
