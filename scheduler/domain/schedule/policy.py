"""When reminders go: offsets from meetings and milestones, send time, working-day rules, and
how long replies to a meeting's requests are recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class Policy:
    """The reminder policy; defaults are the partnership's agreed ones."""

    update_request_days_before: int = 28
    chaser_days_before: tuple[int, ...] = (14, 10)
    agenda_pack_days_before: int = 7
    deadline_reminder_days_before: tuple[int, ...] = (14, 0)
    overdue_days_after: int = 1
    send_time: time = time(9, 0)
    timezone: str = "Europe/London"
    holiday_country: str = "GB"
    holiday_subdivision: str = "ENG"
    extra_holidays: tuple[str, ...] = ()  # ISO dates of local closure days
    # Days after its meeting starts that a reply to a request is still recorded; None: until
    # the next meeting starts.
    replies_close_days_after: int | None = None
