"""A dry run: the emails the service would send over a period, by the very rules the daemon runs.

The virtual clock steps to each distinct scheduled send time and judges what has come due
and is not recorded, by the verdicts of `due_notifications` as the daemon's tick would,
recording each key it returns (sent or skipped).
It assumes no replies, no completed milestones and no late updates. `default_subject` is the
plain subject line of each kind, which the email templates may reuse.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.plan.model import Plan
from scheduler.domain.schedule.due import (
    Recorded,
    judged_notifications,
    scheduled_notifications,
)
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.plan_years import PlanSchedule
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.recipients import lead_email_key


@dataclass(frozen=True)
class SimulatedReply:
    """A lead's reply for a meeting, recorded at `at`: from then on they are not chased."""

    at: datetime
    meeting: date
    lead_email: str


def simulate(
    plan: Plan,
    meetings: Iterable[Meeting],
    policy: Policy,
    *,
    start: datetime,
    end: datetime,
    coordinator_email: str | None,
) -> tuple[Notification, ...]:
    """Every email that would go between start and end (both included), in time order.

    The window looks onto a service that has been running all along: emails scheduled before
    `start` count as already recorded, so nothing is caught up at `start`.
    """
    always = PlanSchedule(plan, tuple(meetings), frozenset(), date.min, date.max)
    return simulate_plans(
        (always,), policy, start=start, end=end, coordinator_email=coordinator_email
    )


def simulate_plans(
    schedules: Sequence[PlanSchedule],
    policy: Policy,
    *,
    start: datetime,
    end: datetime,
    coordinator_email: str | None,
    recorded: Callable[[Plan], Recorded] | None = None,
    replies: Iterable[SimulatedReply] = (),
) -> tuple[Notification, ...]:
    """What the daemon's tick would send between start and end over several plans, each while
    it runs, from what is `recorded` (per plan) and the `replies` as they come in.

    Emails scheduled before `start` count as already recorded, as in `simulate`.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    zone = ZoneInfo(policy.timezone)
    state = {id(s.plan): (recorded(s.plan) if recorded else Recorded()) for s in schedules}
    scheduled = {
        id(s.plan): scheduled_notifications(
            s.plan,
            s.meetings,
            policy,
            coordinator_email=coordinator_email,
            tagged_keys=s.tagged_keys,
        )
        for s in schedules
    }
    every = [n for notifications in scheduled.values() for n in notifications]
    recorded_keys = {n.key for n in every if n.send_at < start}
    for known in state.values():
        recorded_keys.update(known.sent_keys)
    reply_list = sorted(replies, key=lambda reply: reply.at)
    # What each schedule has come due and not recorded, kept as the clock goes (the tick's
    # `due_notifications` works it out from the whole schedule, at every send time).
    come_due = dict.fromkeys(scheduled, 0)
    pending: dict[int, list[Notification]] = {key: [] for key in scheduled}
    sent: list[Notification] = []
    for now in sorted({n.send_at for n in every if start <= n.send_at <= end}):
        replied = frozenset(
            (reply.meeting.isoformat(), lead_email_key(reply.lead_email))
            for reply in reply_list
            if reply.at <= now
        )
        for schedule in schedules:
            if not schedule.running_on(now.astimezone(zone).date()):
                continue
            plan = id(schedule.plan)
            notifications = scheduled[plan]
            until = bisect_right(notifications, now, key=attrgetter("send_at"))
            waiting = [*pending[plan], *notifications[come_due[plan] : until]]
            come_due[plan] = until
            known = state[plan]
            result = judged_notifications(
                [n for n in waiting if n.key not in recorded_keys],
                schedule.plan,
                schedule.meetings,
                policy,
                replace(known, replied=known.replied | replied),
                now,
            )
            sent.extend(result.due)
            recorded_keys.update(n.key for n in result.due)
            recorded_keys.update(s.notification.key for s in result.skipped)
            pending[plan] = [n for n in waiting if n.key not in recorded_keys]
    return tuple(sent)


def notification_to_json(
    n: Notification, subject_for: Callable[[Notification], str] | None = None
) -> dict[str, Any]:
    """The `csp simulate --json` shape of one email; the subject from `subject_for` if given."""
    return {
        "at": n.send_at.isoformat(),
        "kind": n.kind.value,
        "to": list(n.to),
        "subject": (subject_for or default_subject)(n),
        "meeting": n.meeting.isoformat() if n.meeting else None,
        "refs": list(n.refs),
    }


def default_subject(n: Notification) -> str:
    """A plain subject line saying what the email is about ("Update request: CSP meeting ...")."""
    meeting = f"CSP meeting {full_month_date(n.meeting)}" if n.meeting else "CSP"
    if n.kind is NotificationKind.UPDATE_REQUEST:
        return f"Update request: {meeting}"
    if n.kind is NotificationKind.UPDATE_CHASER:
        return f"Reminder, update needed: {meeting}"
    if n.kind is NotificationKind.AGENDA_PACK:
        return f"Agenda pack: {meeting}"
    if n.kind is NotificationKind.AGENDA_ADDENDUM:
        return f"Agenda addendum, late updates: {meeting}"
    if n.kind is NotificationKind.ACKNOWLEDGEMENT:
        return f"Update received: {meeting}"
    return _milestone_subject(n)


def _milestone_subject(n: Notification) -> str:
    refs = ", ".join(n.refs)
    if n.kind is NotificationKind.OVERDUE_NOTICE:
        return f"Overdue: {refs}"
    dues = sorted({m.due for m in n.milestones})
    if len(dues) == 1:
        return f"Deadline {full_month_date(dues[0])}: {refs}"
    return f"Deadlines from {full_month_date(dues[0])}: {refs}"
