"""The coordinator's year at a glance: meetings, who has replied for the next one, what waits
for the coordinator, RAG per priority from each action's latest update, and milestones
overdue or due in 28 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.replies.quarters import PriorityRag, count_statuses
from scheduler.domain.schedule.meeting import Meeting
from scheduler.services.app import Services
from scheduler.services.preview import (
    ReplyProgress,
    WaitingCounts,
    reply_progress,
    waiting_counts,
)

MILESTONE_HORIZON_DAYS = 28


@dataclass(frozen=True)
class MilestoneDue:
    action_ref: str
    action: str
    label: str
    due: date
    lead_name: str


@dataclass(frozen=True)
class YearView:
    plan_name: str
    meetings: tuple[Meeting, ...]
    progress: ReplyProgress
    waiting: WaitingCounts
    priorities: tuple[PriorityRag, ...]
    overdue: tuple[MilestoneDue, ...]
    due_soon: tuple[MilestoneDue, ...]
    today: date


def year_at_a_glance(services: Services, now: datetime) -> YearView:
    config = services.config.current()
    today = now.astimezone(ZoneInfo(config.policy.timezone)).date()
    plan = config.plan_for(today)
    with services.uow_factory() as uow:
        progress = reply_progress(config, uow, now)
        waiting = waiting_counts(uow)
        statuses = uow.updates.latest_statuses(plan.name)
        completed = uow.plans.completed_milestones(plan.name)
    priorities = []
    overdue: list[MilestoneDue] = []
    due_soon: list[MilestoneDue] = []
    horizon = today + timedelta(days=MILESTONE_HORIZON_DAYS)
    for priority in plan.priorities:
        for action in priority.actions:
            for milestone in action.milestones:
                if milestone.due > horizon or (action.ref, milestone.label) in completed:
                    continue
                item = MilestoneDue(
                    action.ref, action.action, milestone.label, milestone.due, priority.lead.name
                )
                (overdue if milestone.due < today else due_soon).append(item)
        priorities.append(count_statuses(priority, statuses))
    return YearView(
        plan_name=plan.name,
        meetings=tuple(config.meetings),
        progress=progress,
        waiting=waiting,
        priorities=tuple(priorities),
        overdue=tuple(sorted(overdue, key=lambda m: m.due)),
        due_soon=tuple(sorted(due_soon, key=lambda m: m.due)),
        today=today,
    )
