"""The configuration as the service reads it, for the coordinator: the partnership, the
plans, meetings, people and reminder policy in force, and every problem `csp check` finds."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.plan.people import Person
from scheduler.domain.schedule.meeting import Meeting
from scheduler.services.app import Services
from scheduler.services.config_check import CheckReport, check_configuration


@dataclass(frozen=True)
class PlanSummary:
    source: str
    name: str
    period_start: date
    period_end: date
    priorities: int
    actions: int


@dataclass(frozen=True)
class ConfigurationView:
    report: CheckReport
    config_dir: str
    partnership: str
    coordinator: str | None
    plans: tuple[PlanSummary, ...]
    meetings: tuple[Meeting, ...]
    people: tuple[Person, ...]
    policy: tuple[tuple[str, str], ...]


def configuration_view(services: Services, now: datetime) -> ConfigurationView:
    """What the service works from now (the last good configuration, if the files have
    errors), and the problems in the files as they are."""
    config = services.config.current()
    today = now.astimezone(ZoneInfo(config.policy.timezone)).date()
    report = check_configuration(services.settings, today)
    plans = tuple(
        PlanSummary(
            source,
            plan.name,
            plan.period_start,
            plan.period_end,
            len(plan.priorities),
            sum(len(p.actions) for p in plan.priorities),
        )
        for source, plan in config.plans
    )
    policy = tuple(
        (f.name.replace("_", " "), _shown(getattr(config.policy, f.name)))
        for f in fields(config.policy)
    )
    return ConfigurationView(
        report=report,
        config_dir=str(services.settings.config_dir),
        partnership=config.partnership,
        coordinator=config.coordinator_email(services.settings.coordinator_email),
        plans=plans,
        meetings=tuple(sorted(config.meetings, key=lambda m: m.date)),
        people=config.people.people,
        policy=policy,
    )


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)
