"""Whether a notification whose time has come is sent now, skipped for a reason, or waits.

`due_notifications` asks a `Judge` about each unrecorded notification: the meeting may have
started, the lead replied, the milestone been completed or the deadline passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.purpose import deadline_passed, meeting_passed, reply_by_passed
from scheduler.domain.schedule.recipients import lead_email_key

if TYPE_CHECKING:
    from scheduler.domain.schedule.due import Recorded

_Kind = NotificationKind


@dataclass(frozen=True)
class Verdict:
    """Send `send` (the notification as it stands now), skip for `skip_reason`, or wait."""

    send: Notification | None = None
    skip_reason: str | None = None


WAIT = Verdict()


@dataclass(frozen=True, eq=False)
class Judge:
    policy: Policy
    starts: dict[date, datetime]
    recorded: Recorded
    now: datetime
    today: date
    catch_up: timedelta
    priority_of: dict[str, str]

    def verdict(self, n: Notification) -> Verdict:
        """Whether to send the notification (as it stands now), skip it for a reason, or wait."""
        if n.kind in (_Kind.DEADLINE_REMINDER, _Kind.OVERDUE_NOTICE):
            return self._milestone_verdict(n)
        if n.meeting is None:
            return WAIT
        passed = meeting_passed(n.meeting, self.now, self.starts)
        if passed is not None:
            if n.kind is _Kind.AGENDA_ADDENDUM and n.meeting.isoformat() not in self.late:
                return Verdict(skip_reason=f"{passed} with no late updates")
            return Verdict(skip_reason=passed)
        if n.kind is _Kind.AGENDA_ADDENDUM:
            return Verdict(send=n) if n.meeting.isoformat() in self.late else WAIT
        if n.kind is _Kind.UPDATE_CHASER:
            if self._replied(n):
                return Verdict(skip_reason="lead replied")
            too_late = reply_by_passed(n.meeting, self.today, self.policy)
            if too_late is not None:
                return Verdict(skip_reason=too_late)
        if n.kind in (_Kind.UPDATE_REQUEST, _Kind.UPDATE_CHASER):
            return Verdict(send=replace(n, milestones=self._open(n.milestones)))
        return Verdict(send=n)

    @property
    def late(self) -> frozenset[str]:
        return self.recorded.late_update_meetings

    def _replied(self, n: Notification) -> bool:
        assert n.meeting is not None
        return (n.meeting.isoformat(), lead_email_key(n.to[0])) in self.recorded.replied

    def _open(self, milestones: Iterable[MilestoneRef]) -> tuple[MilestoneRef, ...]:
        done = self.recorded.completed_milestones
        return tuple(m for m in milestones if (m.action_ref, m.label) not in done)

    def _milestone_verdict(self, n: Notification) -> Verdict:
        if n.kind is _Kind.OVERDUE_NOTICE and self.now - n.send_at > self.catch_up:
            days = self.catch_up.days
            return Verdict(skip_reason=f"more than {days} day{'' if days == 1 else 's'} late")
        remaining = self._open(n.milestones)
        if not remaining:
            return Verdict(skip_reason="milestone completed")
        if n.kind is _Kind.DEADLINE_REMINDER:
            passed = deadline_passed(remaining, self.today)
            if passed is not None:
                return Verdict(skip_reason=passed)
            remaining = tuple(m for m in remaining if m.due >= self.today)
        return Verdict(send=self.with_milestones(n, remaining))

    def with_milestones(self, n: Notification, milestones: Sequence[MilestoneRef]) -> Notification:
        return replace(
            n,
            milestones=tuple(milestones),
            refs=unique(m.action_ref for m in milestones),
            priority_refs=unique(self.priority_of.get(m.action_ref, "") for m in milestones),
        )


def unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
