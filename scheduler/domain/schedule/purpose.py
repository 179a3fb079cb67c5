"""When an email has lost its purpose, so that it is better not sent than sent late.

An email about a meeting is no use once the meeting has started; a chaser once the day its
update was needed by is over; a deadline reminder once every deadline it names is behind us.
The rules of what is due (`due.py`) skip such an email before it is queued, and the sender
asks `purpose_passed` again just before sending a message that waited in retries: one set of
definitions, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.schedule.meeting import meeting_has_passed
from scheduler.domain.schedule.notification import MilestoneRef, NotificationKind
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.working_days import WorkingCalendar


def reply_by(meeting: date, policy: Policy) -> date:
    """The day leads' updates for a meeting are needed by: the working day before the agenda
    pack is compiled."""
    calendar = WorkingCalendar(policy)
    pack_day = meeting - timedelta(days=policy.agenda_pack_days_before)
    return calendar.previous_working_day(pack_day - timedelta(days=1))


def meeting_passed(
    meeting: date, moment: datetime, meeting_starts: Mapping[date, datetime]
) -> str | None:
    """Why an email about `meeting` is no use at `moment` (it has started or left the
    calendar), or None while it is still to come."""
    if meeting_has_passed(meeting_starts.get(meeting), moment):
        return f"meeting {meeting.isoformat()} has passed"
    return None


def reply_by_passed(meeting: date, today: date, policy: Policy) -> str | None:
    """Why a chaser for `meeting` is no use on the local day `today` (its reply-by date is
    over), or None until the end of that date."""
    needed_by = reply_by(meeting, policy)
    if today > needed_by:
        return f"reply-by date {needed_by.isoformat()} has passed"
    return None


def deadline_passed(milestones: Sequence[MilestoneRef], today: date) -> str | None:
    """Why a reminder about `milestones` is no use on the local day `today` (every one of them
    was due before it), or None while any is due today or later."""
    if milestones and all(m.due < today for m in milestones):
        return f"deadline passed on {max(m.due for m in milestones).isoformat()}"
    return None


def purpose_passed(
    kind: NotificationKind,
    meeting: date | None,
    milestones: Sequence[MilestoneRef],
    moment: datetime,
    policy: Policy,
    meeting_starts: Mapping[date, datetime],
) -> str | None:
    """Why an email of `kind` would be sent too late at `moment`, or None if it is still useful.

    An email about a meeting has lost its purpose once the meeting has started or has left
    the calendar (`meeting_starts`, by meeting date); a chaser also once its reply-by date is
    over; a deadline reminder once all its `milestones` were due before the local day of
    `moment` (in `policy.timezone`). Other kinds (overdue notices, acknowledgements) never lose
    it here. `moment` must be timezone-aware.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be a timezone-aware datetime")
    if kind.about_a_meeting and meeting is not None:
        reason = meeting_passed(meeting, moment, meeting_starts)
        if reason is not None:
            return reason
    today = moment.astimezone(ZoneInfo(policy.timezone)).date()
    if kind is NotificationKind.UPDATE_CHASER and meeting is not None:
        return reply_by_passed(meeting, today, policy)
    if kind is NotificationKind.DEADLINE_REMINDER:
        return deadline_passed(milestones, today)
    return None
