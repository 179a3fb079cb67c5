"""Several plans at once: which plan each meeting belongs to, and which plans are running.

A plan runs from its first scheduled email (or its period's start) until its period has ended
and the last of its emails is past catching up: the late overdue notices and the last pack's
addendum of last year's plan still go when this year's plan is loaded. Emails of two plans
that would share a key (one person, one kind, one day) keep apart by the older plan's key
carrying the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain.plan.model import Plan
from scheduler.domain.schedule.due import OVERDUE_CATCH_UP_DAYS, scheduled_notifications
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.policy import Policy


@dataclass(frozen=True)
class PlanSchedule:
    """One plan with its own meetings, the keys that carry the plan, and when it runs."""

    plan: Plan
    meetings: tuple[Meeting, ...]
    tagged_keys: frozenset[str]
    runs_from: date
    runs_until: date

    def running_on(self, day: date) -> bool:
        return self.runs_from <= day <= self.runs_until


def plan_for_day(plans: Sequence[Plan], day: date) -> Plan:
    """The plan whose period holds `day`; else the latest that started, else the first."""
    for plan in plans:
        if plan.period_start <= day <= plan.period_end:
            return plan
    started = [plan for plan in plans if plan.period_start <= day]
    return started[-1] if started else plans[0]


def plan_schedules(
    plans: Sequence[Plan],
    meetings: Iterable[Meeting],
    policy: Policy,
    *,
    coordinator_email: str | None,
) -> tuple[PlanSchedule, ...]:
    """Every plan (in period order) with the meetings that belong to it (plan_for_day)."""
    ordered = sorted(plans, key=lambda plan: plan.period_start)
    meeting_list = tuple(meetings)
    own = {
        id(plan): tuple(m for m in meeting_list if plan_for_day(ordered, m.date) is plan)
        for plan in ordered
    }
    keys = {
        id(plan): {
            n.key
            for n in scheduled_notifications(
                plan, own[id(plan)], policy, coordinator_email=coordinator_email
            )
        }
        for plan in ordered
    }
    schedules: list[PlanSchedule] = []
    for index, plan in enumerate(ordered):
        later = set().union(*(keys[id(other)] for other in ordered[index + 1 :]))
        tagged = frozenset(keys[id(plan)] & later)
        sends = [
            n.send_at.date()
            for n in scheduled_notifications(
                plan, own[id(plan)], policy, coordinator_email=coordinator_email
            )
        ]
        schedules.append(
            PlanSchedule(
                plan=plan,
                meetings=own[id(plan)],
                tagged_keys=tagged,
                runs_from=min([plan.period_start, *sends]),
                runs_until=max([plan.period_end, *sends]) + timedelta(days=OVERDUE_CATCH_UP_DAYS),
            )
        )
    return tuple(schedules)


def running_plans(schedules: Iterable[PlanSchedule], day: date) -> tuple[PlanSchedule, ...]:
    """The plans whose period or follow-up is running on `day`."""
    return tuple(schedule for schedule in schedules if schedule.running_on(day))
