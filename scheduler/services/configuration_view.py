"""The configuration as the service reads it, for the coordinator: the partnership, the
plans, meetings, people and reminder policy in force, and every problem `csp check` finds."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.domain.plan.people import Person
from scheduler.domain.schedule.meeting import Meeting
from scheduler.services.app import Services
from scheduler.services.config_check import CheckReport, check_configuration
from scheduler.settings import Settings


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
    report = _checked(services.settings, today)
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


# The last check, by what it read: reading a large plan takes seconds, and the files seldom
# change between two looks at the page.
_last_check: dict[Path, tuple[tuple[object, ...], CheckReport]] = {}


def _checked(settings: Settings, today: date) -> CheckReport:
    key = (today, *_files_read(settings.config_dir), *_files_read(settings.templates_dir))
    found = _last_check.get(settings.config_dir)
    if found is not None and found[0] == key:
        return found[1]
    report = check_configuration(settings, today)
    _last_check[settings.config_dir] = (key, report)
    return report


def _files_read(folder: Path) -> list[tuple[str, float, int]]:
    prints = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        stat = path.stat()
        prints.append((str(path), stat.st_mtime, stat.st_size))
    return prints


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value is None else str(value)
