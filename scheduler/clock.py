"""The one place the service reads the time; tests pass their own clock or freeze this one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ElapsedClock:
    """A clock that starts at a given moment and advances with the real time elapsed since.

    A job reads the time once and passes `now` down; what it does for a while afterwards
    (a batch of sends) reads this, so a tick run at a chosen moment still sees time pass.
    """

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._started)
