"""IMAP (SASL XOAUTH2) against a real dovecot whose oauth2 passdb checks each bearer token at
the test authorization server's introspection endpoint, and SMTP (AUTH XOAUTH2 after
STARTTLS) against aiosmtpd checking tokens the same way. Tokens come through msal from the
local HTTPS token endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.adapters.imap_mailbox import ImapMailbox, ImapSettings, MailboxUnavailable
from scheduler.adapters.mail_transport import SmtpSettings, SmtpTransport, TemporaryFailure
from scheduler.adapters.oauth_tokens import MsalTokenSource
from scheduler.mail_settings import OAuthSettings
from tests.dovecot import DovecotServer
from tests.fakes import FixedClock
from tests.oauth_server import OAuthTestServer, bearer_check
from tests.smtp_server import Certificate, SmtpTestServer, make_certificate

pytestmark = pytest.mark.imap

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAILBOX = "tester"  # the dovecot user the application is granted
RAW = (
    b"From: Lead <lead@council.example>\r\nTo: csp@partnership.example\r\n"
    b"Subject: RE: update\r\nMessage-ID: <r1@council.example>\r\n\r\n3.1.1 Green\r\n"
)


def imap_settings(dovecot: DovecotServer, user: str = MAILBOX) -> ImapSettings:
    return dovecot.settings(auth="oauth2", user=user, password="")


@pytest.fixture
def tokens(oauth_settings: OAuthSettings) -> MsalTokenSource:
    return MsalTokenSource(oauth_settings, FixedClock(START))


def test_imap_reads_the_mailbox_with_the_application_token(
    oauth_dovecot: DovecotServer, oauth_server: OAuthTestServer, tokens: MsalTokenSource
) -> None:
    oauth_dovecot.append("INBOX", RAW)
    with ImapMailbox(imap_settings(oauth_dovecot), tokens) as mailbox:
        assert [m.raw for m in mailbox.fetch_new()] == [RAW]
    assert oauth_server.state.introspections >= 1


@pytest.mark.parametrize("what_happened", ["revoked", "expired"])
def test_a_token_the_server_no_longer_takes_is_replaced_and_the_sign_in_goes_on(
    oauth_dovecot: DovecotServer,
    oauth_server: OAuthTestServer,
    tokens: MsalTokenSource,
    what_happened: str,
) -> None:
    # given a token the client believes good but the server has revoked (or timed out)
    first = tokens.token()
    (oauth_server.revoke if what_happened == "revoked" else oauth_server.expire)(first)
    oauth_dovecot.append("INBOX", RAW)
    # when the mailbox is opened
    with ImapMailbox(imap_settings(oauth_dovecot), tokens) as mailbox:
        fetched = mailbox.fetch_new()
    # then dovecot refused the old token, a new one was fetched and the poll went on
    assert len(fetched) == 1
    assert oauth_server.issued == 2 and tokens.token() != first


def test_a_token_for_another_mailbox_is_refused_with_what_to_fix(
    oauth_dovecot: DovecotServer, oauth_server: OAuthTestServer, tokens: MsalTokenSource
) -> None:
    # given an application granted a different mailbox than the one configured
    oauth_server.grant_to("uidplus")
    with pytest.raises(MailboxUnavailable) as refused:
        ImapMailbox(imap_settings(oauth_dovecot), tokens).connect()
    reason = refused.value.reason
    assert "IMAP refused the application's token" in reason and "CSP_MAILBOX" in reason
    assert all(token not in reason for token in oauth_server.tokens)
    assert oauth_server.issued == 2  # one fresh token tried, no more


def test_a_token_the_server_never_issued_is_refused(
    oauth_dovecot: DovecotServer, oauth_server: OAuthTestServer, tokens: MsalTokenSource
) -> None:
    class WrongTokens:
        """Hands out a token the authorization server never issued (another tenant's)."""

        def token(self) -> str:
            return "eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6W119.forged"

        def refused(self, token: str) -> None:
            return None

    with pytest.raises(MailboxUnavailable, match="refused the application's token"):
        ImapMailbox(imap_settings(oauth_dovecot), WrongTokens()).connect()


def test_no_token_at_all_makes_the_mailbox_unavailable_with_the_token_problem(
    oauth_dovecot: DovecotServer, oauth_server: OAuthTestServer, tokens: MsalTokenSource
) -> None:
    oauth_server.stop()
    with pytest.raises(MailboxUnavailable, match="getting a token: token endpoint .* unreachable"):
        ImapMailbox(imap_settings(oauth_dovecot), tokens).connect()


def test_password_sign_in_still_works_on_the_same_server(oauth_dovecot: DovecotServer) -> None:
    oauth_dovecot.append("INBOX", RAW)
    with ImapMailbox(oauth_dovecot.settings()) as mailbox:
        assert len(mailbox.fetch_new()) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(oauth_server: OAuthTestServer, certificate: Certificate) -> Iterator[SmtpTestServer]:
    with SmtpTestServer(
        starttls=certificate, bearer_check=bearer_check(oauth_server.introspection_url)
    ) as server:
        yield server


def smtp_settings(server: SmtpTestServer, certificate: Certificate) -> SmtpSettings:
    return SmtpSettings(
        host=server.host,
        port=server.port,
        user="csp-updates@council.example",
        security="starttls",
        ca_file=Path(certificate.cert),
        timeout=5.0,
        local_hostname="localhost",
        auth="oauth2",
    )


def send(transport: SmtpTransport, number: int) -> None:
    raw = f"Message-ID: <{number}@example.org>\r\nSubject: x\r\n\r\nbody\r\n".encode()
    transport.send_raw("csp-updates@council.example", ["lead@example.org"], raw, None)


def test_smtp_sends_after_auth_xoauth2_over_starttls(
    smtp: SmtpTestServer,
    certificate: Certificate,
    oauth_server: OAuthTestServer,
    tokens: MsalTokenSource,
) -> None:
    oauth_server.grant_to("csp-updates@council.example")
    with SmtpTransport(smtp_settings(smtp, certificate), tokens) as transport:
        send(transport, 1)
    (received,) = smtp.messages
    assert received.tls and received.authenticated_as == "csp-updates@council.example"


def test_smtp_replaces_a_revoked_token_once(
    smtp: SmtpTestServer,
    certificate: Certificate,
    oauth_server: OAuthTestServer,
    tokens: MsalTokenSource,
) -> None:
    oauth_server.grant_to("csp-updates@council.example")
    oauth_server.revoke(tokens.token())
    with SmtpTransport(smtp_settings(smtp, certificate), tokens) as transport:
        send(transport, 1)
    assert len(smtp.messages) == 1 and smtp.bearer_refusals == 1


def test_smtp_refusing_the_token_keeps_the_message_and_says_what_to_fix(
    smtp: SmtpTestServer,
    certificate: Certificate,
    oauth_server: OAuthTestServer,
    tokens: MsalTokenSource,
) -> None:
    oauth_server.grant_to("someone-else@council.example")
    with pytest.raises(TemporaryFailure) as refused:
        SmtpTransport(smtp_settings(smtp, certificate), tokens).__enter__()
    reason = refused.value.reason
    assert "535 5.7.3" in reason and "SMTP.SendAsApp" in reason and "CSP_MAILBOX" in reason
    assert smtp.messages == [] and smtp.bearer_refusals == 2


def test_a_token_expiring_in_a_long_batch_is_renewed_when_the_connection_is(
    smtp: SmtpTestServer,
    certificate: Certificate,
    oauth_server: OAuthTestServer,
    oauth_settings: OAuthSettings,
) -> None:
    # given a batch that runs past the token's hour, and a server that drops idle clients
    oauth_server.grant_to("csp-updates@council.example")
    clock = FixedClock(START)
    tokens = MsalTokenSource(oauth_settings, clock)
    with SmtpTransport(smtp_settings(smtp, certificate), tokens) as transport:
        send(transport, 1)
        first = tokens.token()
        clock.advance(timedelta(minutes=58))
        oauth_server.expire(first)
        smtp.drop_connections()
        # when the next message needs a new connection
        send(transport, 2)
    # then it signed in with a new token and both went
    assert len(smtp.messages) == 2 and tokens.token() != first
    assert smtp.bearer_refusals == 0  # renewed by the clock, not after a refusal
