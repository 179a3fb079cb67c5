"""The end of the plan year: said by `csp check`, and by the daemon once a day, not once per
email it no longer sends."""

from __future__ import annotations

import logging
from datetime import date

from scheduler.events import log_event
from scheduler.services.app import Services
from scheduler.services.configuration import Configuration


def plan_year_over(config: Configuration, today: date) -> tuple[str, str] | None:
    """(plan file, what to say) when the newest plan's year ended before `today`, else None."""
    if not config.plans:
        return None
    source, newest = max(config.plans, key=lambda item: item[1].period_end)
    if today <= newest.period_end:
        return None
    return source, (
        f"the newest plan's year ended on {newest.period_end.isoformat()}: no new update"
        " requests or reminders go out; import this year's plan (`csp plan import`)"
    )


def say_if_plan_year_over(services: Services, config: Configuration, today: date) -> None:
    """Log that the plan year is over, at most once a local day per process."""
    over = plan_year_over(config, today)
    if over is None or services.year_over_said_on == today:
        return
    services.year_over_said_on = today
    source, message = over
    log_event("plan_year_over", logging.WARNING, plan=source, problem=message)
