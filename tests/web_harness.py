"""A service with real update requests in its outbox, and the web app over it."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduler.adapters.mail_transport import MailTransport
from scheduler.adapters.orm import AuditRow
from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.services.app import Services
from scheduler.services.reminders import run_tick
from scheduler.web.app import create_app
from tests.service_harness import SetClock, copy_example_config, make_services, switch_transport

LONDON = ZoneInfo("Europe/London")
REQUEST_TIME = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)  # requests for 20 March 2012
MEETING = date(2012, 3, 20)
FORM_TIME = datetime(2012, 2, 23, 14, 0, tzinfo=LONDON)
HELENE = "helene.cooper@example.org"
IAN = "ian.dawson@example.org"
COORDINATOR = "community.safety@example.org"
SECRET = "a-test-secret-of-at-least-thirty-two-characters"
BASE_URL = "http://desk.test"


def web_services(
    database_url: str,
    tmp_path: Path,
    *,
    smtp_port: int | None = None,
    transport: MailTransport | None = None,
    **extra: str,
) -> Services:
    """The shipped configuration with the update requests for 20 March 2012 gone out: to
    .eml files, the SMTP server on `smtp_port` or `transport`."""
    env = {"CSP_BASE_URL": BASE_URL, "CSP_WEB_SECRET": SECRET, **extra}
    services = make_services(
        database_url,
        copy_example_config(tmp_path),
        tmp_path / "data",
        smtp_port=smtp_port,
        extra_env=env,
    )
    if transport is not None:
        switch_transport(services, lambda: transport)
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


def sign_in_link(services: Services) -> str:
    with services.uow_factory() as uow:
        emails = [m for m in uow.outbox.all() if m.kind == "sign_in_link"]
    assert emails, "no sign-in email in the outbox"
    found = re.search(re.escape(BASE_URL) + r"(/sign-in/\S+)", emails[-1].body_text)
    assert found
    return found.group(1)


def ask_for_link(client: FlaskClient, address: str = COORDINATOR) -> int:
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"csrf_token": csrf_of(page.get_data(as_text=True)), "email": address}
    )
    return answer.status_code


def signed_in(services: Services, clock: SetClock) -> FlaskClient:
    _, client = web_client(services, clock)
    assert ask_for_link(client) == 200
    path = sign_in_link(services)
    confirm = client.get(path)
    answer = client.post(path, data={"csrf_token": csrf_of(confirm.get_data(as_text=True))})
    assert answer.status_code == 302
    return client


def audit_rows(services: Services, event: str) -> list[AuditRow]:
    with services.uow_factory() as uow:
        session = uow.session  # type: ignore[attr-defined]
        rows = list(session.scalars(select(AuditRow).where(AuditRow.event == event)))
        session.expunge_all()
        return rows
