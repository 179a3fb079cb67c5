"""A service with real update requests in its outbox, and the web app over it."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.services.app import Services
from scheduler.services.reminders import run_tick
from scheduler.web.app import create_app
from tests.service_harness import SetClock, copy_example_config, make_services

LONDON = ZoneInfo("Europe/London")
REQUEST_TIME = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)  # requests for 20 March 2012
MEETING = date(2012, 3, 20)
FORM_TIME = datetime(2012, 2, 23, 14, 0, tzinfo=LONDON)
HELENE = "helene.cooper@example.org"
COORDINATOR = "community.safety@example.org"
SECRET = "a-test-secret-of-at-least-thirty-two-characters"
BASE_URL = "http://desk.test"


def web_services(database_url: str, tmp_path: Path, **extra: str) -> Services:
    env = {"CSP_BASE_URL": BASE_URL, "CSP_WEB_SECRET": SECRET, **extra}
    services = make_services(
        database_url, copy_example_config(tmp_path), tmp_path / "data", extra_env=env
    )
    run_tick(services, REQUEST_TIME)  # the update requests go out, each with its link
    return services


def web_client(services: Services, clock: SetClock) -> tuple[Flask, FlaskClient]:
    app = create_app(services, clock)
    app.testing = True
    return app, app.test_client()


def request_to(services: Services, address: str) -> OutboxMessage:
    with services.uow_factory() as uow:
        for message in uow.outbox.all():
            if (
                message.kind == "update_request"
                and message.to == (address,)
                and message.meeting == MEETING
            ):
                return message
    raise AssertionError(f"no update request to {address}")


def link_path(message: OutboxMessage) -> str:
    """The form's path, as the lead would click it in the email's text."""
    found = re.search(re.escape(BASE_URL) + r"(/update/\S+)", message.body_text)
    assert found, "the email carries no link"
    return found.group(1)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)
