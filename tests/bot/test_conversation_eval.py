"""`frontdoor eval conversations FILE`: a conversation set played through the real pipeline and judged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.conversation.evaluation import load_conversations
from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE, NLU_DATA

SET = """
- id: lamp
  said: [楼道灯坏了好几天了, 12栋]
  expect:
    tickets: [{category: lighting, building: "12"}]
    replies: [ticket_created]
- id: gate
  community: qingshui
  said: [篮球架歪了 篮筐也掉了 就在篮球场]
  expect:
    tickets: [{category: facilities, place: basketball_court}]
- id: wrong-on-purpose
  said: [你好]
  expect:
    tickets: [{category: lift, building: "3"}]
- id: fire
  said: [厨房着火了 快来人]
  expect:
    emergency: true
    tickets: [{category: emergency}]
"""


def test_the_set_is_played_and_the_failures_and_figures_are_printed(tmp_path: Path, nlu_model: Path) -> None:
    conversations, out = tmp_path / "set.yaml", tmp_path / "figures.json"
    conversations.write_text(SET, encoding="utf-8")
    env = {**os.environ, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model), "COLUMNS": "200"}

    ran = frontdoor("eval", "conversations", str(conversations), "--out", str(out), env=env)

    assert ran.returncode == 0, ran.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert (figures["conversations"], figures["succeeded"], figures["false_emergencies"]) == (4, 3, 0)
    assert figures["category_accuracy"] == 0.75
    assert figures["failures"] == [{"id": "wrong-on-purpose", "problems": ["no ticket lift at 3"]}]
    assert "wrong-on-purpose" in ran.stdout
    assert "lamp" not in ran.stdout.split("task_success")[0]


def test_each_conversation_reports_on_its_own_not_as_a_follower_of_the_one_before(tmp_path: Path,
                                                                                  nlu_model: Path) -> None:
    conversations, out = tmp_path / "set.yaml", tmp_path / "figures.json"
    conversations.write_text("".join(f"""
- id: lamp-{n}
  said: [12栋楼道灯坏了好几天了]
  expect:
    tickets: [{{category: lighting, building: "12"}}]
""" for n in (1, 2)), encoding="utf-8")
    env = {**os.environ, "FRONTDOOR_PROFILE_DIR": str(DEMO_PROFILE), "FRONTDOOR_NLU_DATA": f'["{NLU_DATA}"]',
           "FRONTDOOR_NLU_MODEL": str(nlu_model)}

    ran = frontdoor("eval", "conversations", str(conversations), "--out", str(out), env=env)

    assert ran.returncode == 0, ran.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["succeeded"] == 2


def test_a_set_with_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    conversations = tmp_path / "set.yaml"
    conversations.write_text("- {id: a, said: [你好]}\n- {id: a, said: [再见]}\n", encoding="utf-8")

    with pytest.raises(ValueError, match="used twice: a"):
        load_conversations(conversations)


def test_the_shipped_sets_are_large_enough_and_valid() -> None:
    sets = Path(__file__).parents[2] / "bench" / "conversations"
    sizes = {name: len(load_conversations(sets / f"{name}.yaml")) for name in ("dev", "heldout")}

    assert sizes["heldout"] >= 150
    assert sum(sizes.values()) >= 250
