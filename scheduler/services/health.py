"""`csp health`: is this daemon ticking, and does its database answer?

For a container's HEALTHCHECK and for monitoring: healthy when the last finished tick (the
heartbeat file the daemon writes) is recent enough and the database answers at the schema
this version needs. Each problem is one line saying what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from scheduler.adapters.database import make_engine, require_current_schema
from scheduler.adapters.heartbeat import TickHeartbeat
from scheduler.domain.errors import UserError
from scheduler.settings import Settings

# A tick runs every CSP_TICK_SECONDS; one that builds packs or sends a batch takes longer.
MIN_TICK_AGE = timedelta(minutes=5)
TICKS_MISSED = 5


def default_max_age(settings: Settings) -> timedelta:
    """How old the last tick may be: five ticks, and never less than five minutes."""
    return max(MIN_TICK_AGE, timedelta(seconds=TICKS_MISSED * settings.tick_seconds))


@dataclass(frozen=True)
class HealthReport:
    now: datetime
    max_age: timedelta
    last_tick: datetime | None
    tick_problem: str | None
    database_problem: str | None

    @property
    def problems(self) -> list[str]:
        return [p for p in (self.tick_problem, self.database_problem) if p]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "last_tick_age_seconds": round((self.now - self.last_tick).total_seconds())
            if self.last_tick
            else None,
            "max_age_seconds": round(self.max_age.total_seconds()),
            "problems": self.problems,
        }


def health_report(settings: Settings, now: datetime, max_age: timedelta) -> HealthReport:
    """Whether the daemon using `settings` ticked within `max_age` of `now`, and whether its
    database answers."""
    heartbeat = TickHeartbeat(settings.data_dir)
    last: datetime | None = None
    try:
        last = heartbeat.last()
    except UserError as error:
        tick_problem: str | None = str(error)
    else:
        tick_problem = _tick_problem(heartbeat, last, now, max_age)
    return HealthReport(now, max_age, last, tick_problem, database_problem(settings.database_url))


def database_problem(database_url: str) -> str | None:
    """Why the database cannot serve the daemon, in one line; None when it can."""
    try:
        engine = make_engine(database_url)
        try:
            require_current_schema(engine)
        finally:
            engine.dispose()
    except UserError as error:
        return f"database: {error}"
    except (SQLAlchemyError, OSError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"database (CSP_DATABASE_URL) unreachable: {detail[0] if detail else error!r}"
    return None


def _tick_problem(
    heartbeat: TickHeartbeat, last: datetime | None, now: datetime, max_age: timedelta
) -> str | None:
    if last is None:
        return f"no tick recorded yet ({heartbeat.path}): is `csp run` running?"
    age = now - last
    if age > max_age:
        return (
            f"last tick {last.isoformat(timespec='seconds')}, {round(age.total_seconds())} s "
            f"ago (more than {round(max_age.total_seconds())} s): the daemon is stopped or stuck"
        )
    return None
