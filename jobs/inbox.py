"""The inbox poll: collect replies from the mailbox and record them."""

from __future__ import annotations

from scheduler.clock import Clock
from scheduler.services.app import Services
from scheduler.services.mailbox import PollReport, poll_mailbox


def poll(services: Services, clock: Clock) -> PollReport:
    """Fetch new messages, store each raw, process it, and move it out of the inbox."""
    return poll_mailbox(services, clock.now())
