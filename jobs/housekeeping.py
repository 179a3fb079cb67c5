"""Daily housekeeping: purge raw messages past their retention."""

from __future__ import annotations

from scheduler.clock import Clock
from scheduler.services.app import Services
from scheduler.services.mailbox import purge_raw_messages


def purge(services: Services, clock: Clock) -> int:
    """Drop raw inbound messages older than the retention period; returns how many."""
    return purge_raw_messages(services, clock.now())
