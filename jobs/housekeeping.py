"""Daily housekeeping: purge raw messages past their retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.clock import Clock

if TYPE_CHECKING:
    from scheduler.services.app import Services


def purge(services: Services, clock: Clock) -> int:
    """Drop raw inbound messages older than the retention period; returns how many."""
    from scheduler.services.mailbox import purge_raw_messages  # loaded when it first runs

    return purge_raw_messages(services, clock.now())
