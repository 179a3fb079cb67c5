"""What a coordinator's page needs of the request: the services, the time, who is signed in."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g

from scheduler.services.app import Services


def services() -> Services:
    found: Services = current_app.config["CSP_SERVICES"]
    return found


def now() -> datetime:
    when: datetime = current_app.config["CSP_CLOCK"].now()
    return when


def who() -> str:
    """The signed-in coordinator's address (set by `coordinator_required`)."""
    return str(g.coordinator)
