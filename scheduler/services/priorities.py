"""The plan's priorities for the coordinator: each with its RAG, and each action's updates by
quarter (one column per meeting), from the recorded updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.errors import UserError
from scheduler.domain.plan.model import Action, Plan, Priority
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.quarters import PriorityRag, by_meeting, count_statuses
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration


@dataclass(frozen=True)
class ActionHistory:
    """An action, its update for each of the plan's meetings (None: none given), and every
    update on it, newest first."""

    action: Action
    by_meeting: tuple[RecordedUpdate | None, ...]
    updates: tuple[RecordedUpdate, ...]


@dataclass(frozen=True)
class PriorityHistory:
    plan_name: str
    priority: Priority
    rag: PriorityRag
    meetings: tuple[date, ...]
    actions: tuple[ActionHistory, ...]


def current_plan(services: Services, now: datetime) -> tuple[Configuration, Plan]:
    """The configuration and the plan in force on today's local date."""
    config = services.config.current()
    today = now.astimezone(ZoneInfo(config.policy.timezone)).date()
    return config, config.plan_for(today)


def plan_meetings(config: Configuration, plan: Plan) -> tuple[date, ...]:
    """The meetings whose plan is `plan`, in order: the plan's quarters."""
    return tuple(
        sorted(m.date for m in config.meetings if config.plan_for(m.date).name == plan.name)
    )


def priorities_overview(services: Services, now: datetime) -> tuple[str, tuple[PriorityRag, ...]]:
    """The plan's name and each priority's RAG from its actions' latest updates."""
    _, plan = current_plan(services, now)
    with services.uow_factory() as uow:
        statuses = uow.updates.latest_statuses(plan.name)
    return plan.name, tuple(count_statuses(p, statuses) for p in plan.priorities)


def priority_history(services: Services, ref: str, now: datetime) -> PriorityHistory:
    """A priority of the plan in force with each action's updates by meeting."""
    config, plan = current_plan(services, now)
    priority = next((p for p in plan.priorities if p.ref == ref), None)
    if priority is None:
        raise UserError(f"no priority {ref} in the plan {plan.name}")
    refs = [a.ref for a in priority.actions]
    with services.uow_factory() as uow:
        updates = uow.updates.for_refs(plan.name, refs)
    meetings = plan_meetings(config, plan)
    per_meeting = by_meeting(updates)
    latest: dict[str, Status | None] = {}
    for update in updates:  # oldest first: the newest stays
        latest[update.ref] = update.status
    actions = tuple(
        ActionHistory(
            action,
            tuple(per_meeting.get((action.ref, m)) for m in meetings),
            tuple(reversed([u for u in updates if u.ref == action.ref])),
        )
        for action in priority.actions
    )
    return PriorityHistory(plan.name, priority, count_statuses(priority, latest), meetings, actions)
