"""Moves the date of every Python process of a test run TESTS_DAYS_AHEAD days ahead (`make test-future`):
pytest, its workers and every `frontdoor` process a test starts find this folder on PYTHONPATH and import
this module at start-up. (The variable has no FRONTDOOR_ prefix: the deployment tests start the app with
none of those inherited.) The wall clock moves on from there as usual; the monotonic clock, which timeouts
and pacing wait on, is left alone: Debian's libfaketime shifts it too, and Python's timed waits then never
end."""

import os
from datetime import UTC, datetime, timedelta

_DAYS = os.environ.get("TESTS_DAYS_AHEAD")
if _DAYS:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=int(_DAYS)), tick=True).start()
