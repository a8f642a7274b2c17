"""Why a time cannot be booked; its own module because the reply wording (a profile file) has a
message for each, and the profile must load without the booking rules."""

from __future__ import annotations

from enum import StrEnum


class SlotProblem(StrEnum):
    IN_PAST = "in_past"
    CLOSED_DAY = "closed_day"
    NOT_A_SLOT = "not_a_slot"
    TOO_FAR = "too_far"
