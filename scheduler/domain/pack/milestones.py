"""Milestones due and missed: since the last meeting, overdue from before, due before the next."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.human_dates import full_month_date
from scheduler.domain.pack.input import PackInput


@dataclass(frozen=True)
class MilestoneView:
    """A milestone as the pack lists it, with whether it was met."""

    action_ref: str
    action: str
    label: str
    due_text: str
    state: str  # "Met", "Missed", "Overdue" or "Due"
    css: str


@dataclass(frozen=True)
class Milestones:
    since_text: str
    until_text: str
    since_last: tuple[MilestoneView, ...]
    earlier_overdue: tuple[MilestoneView, ...]
    before_next: tuple[MilestoneView, ...]


def milestones(pack: PackInput) -> Milestones:
    """The plan's milestones around this meeting, each marked Met, Missed, Overdue or Due."""
    meeting_day = pack.meeting.date
    since = pack.previous_meeting.date if pack.previous_meeting else pack.plan.period_start
    until = pack.next_meeting.date if pack.next_meeting else pack.plan.period_end
    as_at = pack.generated_at.date()
    since_last, earlier, before_next = [], [], []
    for _, action in pack.plan.actions():
        for milestone in action.milestones:
            met = (action.ref, milestone.label) in pack.completed_milestones
            if met:
                state = "Met"
            elif milestone.due < as_at:
                state = "Missed" if milestone.due > since else "Overdue"
            else:
                state = "Due"
            row = MilestoneView(
                action_ref=action.ref,
                action=action.action,
                label=milestone.label,
                due_text=full_month_date(milestone.due),
                state=state,
                css={"Met": "complete", "Due": "none"}.get(state, "red"),
            )
            if since < milestone.due <= meeting_day:
                since_last.append(row)
            elif milestone.due <= since and not met:
                earlier.append(row)
            elif meeting_day < milestone.due <= until:
                before_next.append(row)
    return Milestones(
        since_text=full_month_date(since),
        until_text=full_month_date(until),
        since_last=tuple(since_last),
        earlier_overdue=tuple(earlier),
        before_next=tuple(before_next),
    )
