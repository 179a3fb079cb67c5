"""The reminder tick: work out what is due now, write it to the outbox, send it."""

from __future__ import annotations

from scheduler.clock import Clock
from scheduler.services.app import Services
from scheduler.services.reminders import TickReport, run_tick


def tick(services: Services, clock: Clock) -> TickReport:
    """One run of the reminder rules at the clock's time."""
    return run_tick(services, clock.now())
