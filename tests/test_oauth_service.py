"""The service end to end with OAuth on: update requests go out over SMTP AUTH XOAUTH2, a lead's
reply is collected over IMAP XOAUTH2 from dovecot, and a token endpoint that is down for a
while loses nothing and sends nothing twice once it is back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.mailbox import poll_mailbox
from scheduler.services.preview import status_report
from scheduler.services.reminders import run_tick
from tests.dovecot import DovecotServer
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, TENANT, OAuthTestServer, bearer_check
from tests.service_harness import COORDINATOR, copy_example_config, make_services
from tests.smtp_server import Certificate, SmtpTestServer, make_certificate
from tests.test_inbox_service import HELENE, REPLY_TIME, _request_to, outlook_reply
from tests.test_sending_exactly_once import NINE, REQUESTS

pytestmark = pytest.mark.imap


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(oauth_server: OAuthTestServer, certificate: Certificate) -> Iterator[SmtpTestServer]:
    check = bearer_check(oauth_server.introspection_url)
    with SmtpTestServer(starttls=certificate, bearer_check=check) as server:
        yield server


def oauth_env(
    oauth_server: OAuthTestServer, dovecot: DovecotServer, smtp: SmtpTestServer, cert: Path
) -> dict[str, str]:
    return {
        "CSP_MAIL_AUTH": "oauth2",
        "CSP_MAILBOX": dovecot.user,
        "CSP_OAUTH_TENANT_ID": TENANT,
        "CSP_OAUTH_CLIENT_ID": CLIENT_ID,
        "CSP_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "CSP_OAUTH_TOKEN_URL": oauth_server.token_url,
        "CSP_OAUTH_CA_FILE": str(oauth_server.ca.ca_cert),
        "CSP_SMTP_SECURITY": "starttls",
        "CSP_SMTP_CA_FILE": str(cert),
        "CSP_IMAP_HOST": dovecot.host,
        "CSP_IMAP_PORT": str(dovecot.port),
        "CSP_IMAP_CA_FILE": str(dovecot.cert_path),
    }


@pytest.fixture
def services(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    oauth_server: OAuthTestServer,
    oauth_dovecot: DovecotServer,
    smtp: SmtpTestServer,
    certificate: Certificate,
) -> Services:
    return make_services(
        database_url,
        copy_example_config(tmp_path),
        tmp_path / "data",
        smtp_port=smtp.port,
        extra_env=oauth_env(oauth_server, oauth_dovecot, smtp, certificate.cert),
    )


def _statuses(services: Services) -> Counter[str]:
    with services.uow_factory() as uow:
        return Counter(m.status for m in uow.outbox.all() if m.status != OutboxStatus.SKIPPED)


def test_requests_go_out_and_a_reply_comes_in_with_the_application_token(
    services: Services, oauth_dovecot: DovecotServer, smtp: SmtpTestServer
) -> None:
    run_tick(services, NINE)
    assert len(smtp.messages) == REQUESTS
    assert {m.authenticated_as for m in smtp.messages} == {oauth_dovecot.user}
    oauth_dovecot.append("INBOX", outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    report = poll_mailbox(services, REPLY_TIME)
    assert (report.fetched, report.processed, report.error) == (1, 1, None)
    assert len(oauth_dovecot.uids("Processed")) == 1


def test_a_token_endpoint_down_for_a_while_loses_nothing_and_sends_nothing_twice(
    services: Services, oauth_server: OAuthTestServer, smtp: SmtpTestServer
) -> None:
    # given the token endpoint is down when the requests fall due
    oauth_server.stop()
    first = run_tick(services, NINE)
    assert smtp.messages == [] and first.delivery.retried == REQUESTS
    assert _statuses(services) == Counter({OutboxStatus.PENDING: REQUESTS})
    # and still down at the first retry
    run_tick(services, NINE + timedelta(minutes=1))
    assert smtp.messages == []
    # when it is back
    oauth_server.start()
    for minutes in (5, 10, 20):
        run_tick(services, NINE + timedelta(minutes=minutes))
    # then every request went exactly once, and the coordinator was told once, by the digest
    copies = Counter(str(m.message["Message-ID"]) for m in smtp.messages)
    assert len(copies) == REQUESTS + 1 and set(copies.values()) == {1}
    (digest,) = [m.message for m in smtp.messages if COORDINATOR in str(m.message["To"])]
    body = digest.get_body(("plain",)).get_content()
    assert "cannot sign in to the mail server: token endpoint" in body
    assert _statuses(services) == Counter({OutboxStatus.SENT: REQUESTS + 1})


def test_a_poll_while_the_token_endpoint_is_down_leaves_the_reply_for_the_next(
    services: Services, oauth_server: OAuthTestServer, oauth_dovecot: DovecotServer
) -> None:
    run_tick(services, NINE)
    oauth_dovecot.append("INBOX", outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    # the token the sends used is revoked, and no new one can be had
    for token in oauth_server.tokens:
        oauth_server.revoke(token)
    oauth_server.stop()
    report = poll_mailbox(services, REPLY_TIME)
    assert report.error is not None and "token endpoint" in report.error
    assert CLIENT_SECRET not in report.error
    assert len(oauth_dovecot.uids("INBOX")) == 1
    oauth_server.start()
    assert poll_mailbox(services, REPLY_TIME + timedelta(minutes=5)).processed == 1


def test_status_says_why_messages_wait_while_the_sign_in_fails(
    services: Services, oauth_server: OAuthTestServer
) -> None:
    oauth_server.stop()
    run_tick(services, NINE)
    with services.uow_factory() as uow:
        report = status_report(services.config.current(), uow, NINE, None)
    assert report.pending == REQUESTS
    (reason,) = report.held_up
    assert reason.startswith("no token to sign in to") and "unreachable" in reason
