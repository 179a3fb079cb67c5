"""The coordinator's digest through the tick: what happened on one working day reaches the
coordinator in one email the next, exactly once however many ticks and daemons run, through
the outbox (so it waits while sending is broken), and names a mail sign-in failure."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from scheduler.adapters.mail_transport import PermanentFailure
from scheduler.adapters.oauth_tokens import MsalTokenSource, TokenUnavailable
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.mail_settings import OAuthSettings
from scheduler.services.app import Services
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import run_tick
from tests.fakes import FixedClock, RecordingTransport, SentEmail, fake_uow_factory
from tests.in_memory_service import InMemoryService, in_memory_service
from tests.service_harness import COORDINATOR, copy_example_config, make_services
from tests.smtp_server import SmtpTestServer
from tests.test_inbox_service import HELENE, _request_to, outlook_reply

LONDON = ZoneInfo("Europe/London")
TUESDAY_NINE = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)  # the update requests go
TUESDAY_AFTERNOON = datetime(2012, 2, 21, 14, 0, tzinfo=LONDON)
WEDNESDAY_NINE = datetime(2012, 2, 22, 9, 0, tzinfo=LONDON)
IAN = "ian.dawson@example.org"


@pytest.fixture
def service(shipped_config: ConfigurationSource, tmp_path: Path) -> InMemoryService:
    return in_memory_service(shipped_config, tmp_path)


def digests(sent: list[SentEmail]) -> list[SentEmail]:
    return [e for e in sent if COORDINATOR in e.recipients and "need" in e.subject]


def queued_digests(services: Services) -> list[OutboxMessage]:
    with services.uow_factory() as uow:
        return [m for m in uow.outbox.all() if m.kind is NotificationKind.COORDINATOR_DIGEST]


def a_day_that_needs_the_coordinator(service: InMemoryService) -> None:
    """Tuesday: Ian's request is refused for good, Helene's reply holds a postcode, and a
    message no one can match arrives."""
    service.transport.refuse(IAN, PermanentFailure("550 5.1.1 no such user"))
    run_tick(service.services, TUESDAY_NINE)
    reply = outlook_reply(
        _request_to(service.services, HELENE), "3.1.4 Amber victim at LA1 4XQ re-referred"
    )
    ingest_raw(service.services, reply, TUESDAY_AFTERNOON)
    stray = (
        b"From: someone@example.com\r\nTo: csp-updates@lancaster.example.org\r\n"
        b"Subject: Quick question\r\nMessage-ID: <stray@example.com>\r\n\r\nHello\r\n"
    )
    ingest_raw(service.services, stray, TUESDAY_AFTERNOON)


def test_what_happened_on_tuesday_reaches_the_coordinator_on_wednesday_in_one_email(
    service: InMemoryService,
) -> None:
    a_day_that_needs_the_coordinator(service)
    assert digests(service.sent) == []  # Tuesday's own digest had nothing yet to tell
    run_tick(service.services, WEDNESDAY_NINE)
    (digest,) = digests(service.sent)
    assert digest.subject.startswith("3 things need you: 22 February 2012 [CSP:")
    text = digest.text
    assert "The update request to Ian Dawson <ian.dawson@example.org> could not be sent" in text
    assert "from someone@example.com ('Quick question'" in text
    assert "on 3.1.4 from Helene Cooper" in text and "csp updates release" in text
    assert text.count("What to do:") == 3


def test_the_digest_is_queued_once_a_day_however_many_ticks(service: InMemoryService) -> None:
    a_day_that_needs_the_coordinator(service)
    for minutes in (0, 1, 2, 60, 300):
        run_tick(service.services, WEDNESDAY_NINE + timedelta(minutes=minutes))
    assert len(digests(service.sent)) == 1
    assert [m.key for m in queued_digests(service.services)] == ["coordinator_digest:2012-02-22"]


def test_two_daemons_over_one_database_queue_the_day_s_digest_once(
    service: InMemoryService,
) -> None:
    a_day_that_needs_the_coordinator(service)
    other_transport = RecordingTransport()
    other = Services(
        settings=service.services.settings,
        uow_factory=fake_uow_factory(service.database),
        config=service.services.config,
        open_transport=lambda: other_transport,
        worker="worker-2",
    )
    for minutes in (0, 1, 2):
        run_tick(service.services, WEDNESDAY_NINE + timedelta(minutes=minutes))
        run_tick(other, WEDNESDAY_NINE + timedelta(minutes=minutes))
    assert len(digests(service.sent)) + len(digests(other_transport.sent)) == 1
    assert len(queued_digests(other)) == 1


def test_the_digest_waits_in_the_outbox_while_sending_is_broken(service: InMemoryService) -> None:
    a_day_that_needs_the_coordinator(service)
    service.transport.unreachable = "connection refused"
    run_tick(service.services, WEDNESDAY_NINE)
    (waiting,) = queued_digests(service.services)
    assert waiting.status is OutboxStatus.PENDING and digests(service.sent) == []
    service.transport.unreachable = None
    for minutes in (5, 10, 20):
        run_tick(service.services, WEDNESDAY_NINE + timedelta(minutes=minutes))
    assert len(digests(service.sent)) == 1


def test_a_mail_sign_in_failure_is_told_in_the_digest(service: InMemoryService) -> None:
    # a token endpoint nothing listens on: msal's real request fails as when Entra is away
    settings = OAuthSettings(
        client_id="app",
        tenant_id="t",
        client_secret="not-a-real-secret-value",
        token_url="http://127.0.0.1:9/token",
    )
    tokens = MsalTokenSource(settings, FixedClock(WEDNESDAY_NINE))
    with pytest.raises(TokenUnavailable):
        tokens.token()
    service.services.tokens = tokens
    run_tick(service.services, WEDNESDAY_NINE)
    (digest,) = digests(service.sent)
    assert tokens.problem is not None
    assert f"cannot sign in to the mail server: {tokens.problem}" in digest.text
    assert "csp mail check" in digest.text and "not-a-real-secret-value" not in digest.text


def test_a_quiet_day_sends_the_coordinator_nothing(service: InMemoryService) -> None:
    run_tick(service.services, TUESDAY_NINE)
    run_tick(service.services, WEDNESDAY_NINE)
    assert digests(service.sent) == [] and queued_digests(service.services) == []


def test_two_daemons_on_a_real_database_send_one_digest(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    config_dir = copy_example_config(tmp_path)
    with SmtpTestServer() as smtp:
        first, second = (
            make_services(
                database_url, config_dir, tmp_path / "data", smtp_port=smtp.port, worker=name
            )
            for name in ("daemon-a", "daemon-b")
        )
        run_tick(first, TUESDAY_NINE)
        with first.uow_factory() as uow:
            uow.inbound.mark_address_failing(IAN, TUESDAY_AFTERNOON, "550 no such user")
            uow.commit()
        for minutes in (0, 1):
            run_tick(second, WEDNESDAY_NINE + timedelta(minutes=minutes))
            run_tick(first, WEDNESDAY_NINE + timedelta(minutes=minutes))
        to_coordinator = [m for m in smtp.messages if COORDINATOR in m.message["To"]]
    assert len(to_coordinator) == 1
    assert "Mail to Ian Dawson <ian.dawson@example.org> bounces since 21 February 2012" in (
        to_coordinator[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    )
    assert [m.status for m in queued_digests(first)] == [OutboxStatus.SENT]
