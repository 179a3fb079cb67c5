"""How long a request's token records replies: until a set time after its meeting.

A reply that comes later is not lost: it goes to review as late, for a person to attach to the
meeting it answers or to leave be.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.policy import Policy


def replies_close_at(meeting: date, meetings: Iterable[Meeting], policy: Policy) -> datetime | None:
    """When replies to a request for `meeting` stop being recorded: `replies_close_days_after`
    days after it starts or, by default, when the next meeting starts (None: no next meeting
    is in the calendar yet, so they are still recorded)."""
    calendar = sorted(meetings, key=lambda m: m.starts_at())
    if policy.replies_close_days_after is not None:
        this = next((m for m in calendar if m.date == meeting), None)
        starts = (
            this.starts_at()
            if this is not None
            else datetime.combine(meeting, time(0, 0), tzinfo=ZoneInfo(policy.timezone))
        )
        return starts + timedelta(days=policy.replies_close_days_after)
    later = [m for m in calendar if m.date > meeting]
    return later[0].starts_at() if later else None


def late_reason(meeting: date) -> str:
    """The review reason of a reply that came after replies for its meeting closed."""
    return f"late, for meeting {full_month_date(meeting)}"
