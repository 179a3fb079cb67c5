"""The inbox poll: collect replies from the mailbox and record them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.clock import Clock

if TYPE_CHECKING:
    from scheduler.services.app import Services
    from scheduler.services.mailbox import PollReport


def poll(services: Services, clock: Clock) -> PollReport:
    """Fetch new messages, store each raw, process it, and move it out of the inbox."""
    # Reading replies loads the email parsing and reply rules: only a daemon with a mailbox
    # keeps them, from its first poll on.
    from scheduler.services.mailbox import poll_mailbox

    return poll_mailbox(services, clock.now())
