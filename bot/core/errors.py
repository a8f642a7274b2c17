"""Typed errors with a code; the web layer maps them to HTTP statuses, the CLI to messages."""

from __future__ import annotations

from datetime import datetime

from storage.slot_problem import SlotProblem


class FrontdoorError(Exception):
    code = "error"
    status = 500


class RoutingError(FrontdoorError):
    """No accountable person could be found: a profile gap that must not lose the ticket."""

    code = "no_accountable_staff"
    status = 500


class SlotUnavailable(FrontdoorError):  # noqa: N818 -- reads as the outcome, like SlotFull
    """The time asked for cannot be booked at all: past, closed, too far ahead, or not a slot start."""

    code = "slot_unavailable"
    status = 422

    def __init__(self, problem: SlotProblem) -> None:
        super().__init__(f"slot unavailable: {problem.value}")
        self.problem = problem


class SlotFull(FrontdoorError):  # noqa: N818 -- the name the dialogue flow catches
    """Every place in the slot is taken; `next_free` are the nearest starts that still have one."""

    code = "slot_full"
    status = 409

    def __init__(self, next_free: list[datetime]) -> None:
        super().__init__("slot full")
        self.next_free = next_free


class TicketNotFoundError(FrontdoorError):
    code = "ticket_not_found"
    status = 404


class AppointmentNotFoundError(FrontdoorError):
    code = "appointment_not_found"
    status = 404


class PermissionDenied(FrontdoorError):  # noqa: N818 -- the outcome a guarded action reports
    """A staff member asked for something their role may not see or do (e.g. clues: police only)."""

    code = "permission_denied"
    status = 403


class TicketStateError(FrontdoorError):
    """The action does not fit the ticket's status (closing a closed ticket)."""

    code = "ticket_state"
    status = 409


class StaffNotFoundError(FrontdoorError):
    code = "staff_not_found"
    status = 404


class ResidentNotFoundError(FrontdoorError):
    code = "resident_not_found"
    status = 404


class NoticeNotFoundError(FrontdoorError):
    code = "notice_not_found"
    status = 404


class NoticeStateError(FrontdoorError):
    """The action does not fit where the notice is (sending a notice already sent, cancelling a cancelled one)."""

    code = "notice_state"
    status = 409


class NoticeNeedsApproval(FrontdoorError):  # noqa: N818 -- the outcome the sender is told
    """The topic asks for approvals (e.g. police and the 居委会) that the notice does not have yet."""

    code = "notice_needs_approval"
    status = 409

    def __init__(self, missing_roles: list[str]) -> None:
        super().__init__("approval missing from: " + ", ".join(missing_roles))
        self.missing_roles = missing_roles
