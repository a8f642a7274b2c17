"""The reply contract declared next to the code that renders each reply (`REPLIES` in its module)."""

from __future__ import annotations

from bot.conversation.replies import declarations, reply_contract
from bot.core.wording import Wording
from storage.models import TicketStatus
from storage.profile import Profile
from storage.slot_problem import SlotProblem


def test_declarations_are_read_from_the_source_without_importing_it() -> None:
    source = 'import nothing_that_exists\nREPLIES: dict[str, tuple[str, ...]] = {"greet": ("community",), "bye": ()}'

    assert declarations(source) == {"greet": ("community",), "bye": ()}
    assert declarations("X = 1") == {}


def test_every_family_of_keyed_replies_is_declared_whole() -> None:
    contract = reply_contract()

    assert {f"reason_{problem.value}" for problem in SlotProblem} <= contract.keys()
    assert {f"status_{status.value}" for status in TicketStatus} <= contract.keys()


def test_the_demo_wording_renders_every_declared_reply(profile: Profile) -> None:
    wording = Wording(profile, "baiyang")
    for key, fields in reply_contract().items():
        assert wording.render(key, **dict.fromkeys(fields, "x"))
