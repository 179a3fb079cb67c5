"""App-only OAuth tokens through msal, against a local HTTPS token endpoint with its own CA
(tests/oauth_server.py). Errors are shaped as Microsoft Entra returns them; each failure
must come out as one line naming what to fix, and never with a secret or token in it."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.adapters.oauth_tokens import MsalTokenSource
from scheduler.adapters.tokens import TokenUnavailable
from scheduler.mail_settings import OAuthSettings
from tests.fakes import FixedClock
from tests.oauth_server import (
    CLIENT_SECRET,
    EXCHANGE_ROLES,
    OAuthTestServer,
    make_client_certificate,
)
from tests.smtp_server import closed_port

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _failure(settings: OAuthSettings) -> str:
    with pytest.raises(TokenUnavailable) as raised:
        MsalTokenSource(settings, FixedClock(START)).token()
    reason = raised.value.reason
    assert "\n" not in reason and CLIENT_SECRET not in reason
    return reason


def test_a_token_is_kept_until_shortly_before_it_expires(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings
) -> None:
    clock = FixedClock(START)
    tokens = MsalTokenSource(oauth_settings, clock)
    first = tokens.token()
    clock.advance(timedelta(minutes=54))
    assert tokens.token() == first and oauth_server.issued == 1
    clock.advance(timedelta(minutes=1, seconds=1))  # within 5 minutes of the hour's end
    assert tokens.token() != first
    assert oauth_server.issued == 2


def test_a_refused_token_is_replaced_at_once(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings
) -> None:
    tokens = MsalTokenSource(oauth_settings, FixedClock(START))
    first = tokens.token()
    tokens.refused(first)
    assert tokens.token() != first and oauth_server.issued == 2


def test_the_token_carries_the_permissions_granted(oauth_settings: OAuthSettings) -> None:
    assert MsalTokenSource(oauth_settings, FixedClock(START)).roles() == EXCHANGE_ROLES


def test_the_request_is_a_client_credentials_grant_for_the_scope(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings
) -> None:
    MsalTokenSource(oauth_settings, FixedClock(START)).token()
    (request,) = oauth_server.state.token_requests
    assert request["grant_type"] == "client_credentials"
    assert request["scope"] == "https://outlook.office365.com/.default"


def test_a_certificate_signs_the_request_instead_of_a_secret(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings, tmp_path: Path
) -> None:
    pem, thumbprint, public = make_client_certificate(tmp_path)
    oauth_server.state.certificates["cert-app"] = public
    settings = replace(
        oauth_settings,
        client_id="cert-app",
        client_secret=None,
        certificate_file=pem,
        certificate_thumbprint=thumbprint,
    )
    assert MsalTokenSource(settings, FixedClock(START)).token()
    (request,) = oauth_server.state.token_requests
    assert "client_assertion" in request


def test_a_wrong_secret_says_which_setting_to_fix(oauth_settings: OAuthSettings) -> None:
    reason = _failure(replace(oauth_settings, client_secret="not-the-secret"))
    assert "AADSTS7000215" in reason and "CSP_OAUTH_CLIENT_SECRET" in reason
    assert "not-the-secret" not in reason


def test_an_expired_secret_says_to_make_a_new_one(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings
) -> None:
    oauth_server.refuse_next(401, "invalid_client", "AADSTS7000222: The provided client "
                             "secret keys for app '...' are expired.")  # fmt: skip
    reason = _failure(oauth_settings)
    assert "client secret has expired" in reason


def test_an_unknown_application_says_to_check_the_client_id(
    oauth_settings: OAuthSettings,
) -> None:
    reason = _failure(replace(oauth_settings, client_id="no-such-app"))
    assert "AADSTS700016" in reason and "CSP_OAUTH_CLIENT_ID" in reason


def test_an_unknown_tenant_says_to_check_the_tenant_id(oauth_settings: OAuthSettings) -> None:
    assert oauth_settings.token_url is not None
    elsewhere = oauth_settings.token_url.replace(oauth_settings.tenant_id, "no-such-tenant")
    reason = _failure(replace(oauth_settings, token_url=elsewhere))
    assert "AADSTS90002" in reason and "CSP_OAUTH_TENANT_ID" in reason


def test_consent_not_granted_says_an_administrator_must_consent(
    oauth_server: OAuthTestServer, oauth_settings: OAuthSettings
) -> None:
    oauth_server.refuse_next(400, "invalid_grant", "AADSTS65001: The user or administrator "
                             "has not consented to use the application.")  # fmt: skip
    assert "admin consent" in _failure(oauth_settings)


def test_an_unreachable_endpoint_says_so(oauth_settings: OAuthSettings) -> None:
    reason = _failure(
        replace(oauth_settings, token_url=f"https://127.0.0.1:{closed_port()}/t/token")
    )
    assert "unreachable" in reason


def test_an_endpoint_whose_certificate_is_not_trusted_says_which_setting_to_set(
    oauth_settings: OAuthSettings,
) -> None:
    reason = _failure(replace(oauth_settings, ca_file=None))
    assert "not trusted" in reason and "CSP_OAUTH_CA_FILE" in reason


def test_an_unreadable_certificate_file_is_named(
    oauth_settings: OAuthSettings, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.pem"
    settings = replace(
        oauth_settings, client_secret=None, certificate_file=missing, certificate_thumbprint="AB"
    )
    reason = _failure(settings)
    assert f"cannot read CSP_OAUTH_CERTIFICATE_FILE {missing}" in reason


def test_a_certificate_file_without_its_key_is_named(
    oauth_settings: OAuthSettings, tmp_path: Path
) -> None:
    _pem, thumbprint, public = make_client_certificate(tmp_path)
    only_certificate = tmp_path / "public.pem"
    only_certificate.write_bytes(public)
    settings = replace(
        oauth_settings,
        client_secret=None,
        certificate_file=only_certificate,
        certificate_thumbprint=thumbprint,
    )
    assert "holds no PEM private key" in _failure(settings)


def test_a_failure_is_logged_once_until_it_changes_and_its_end_once(
    oauth_server: OAuthTestServer,
    oauth_settings: OAuthSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokens = MsalTokenSource(oauth_settings, FixedClock(START))
    oauth_server.stop()
    caplog.set_level(logging.INFO, logger="csp")
    for _ in range(3):
        with pytest.raises(TokenUnavailable):
            tokens.token()
    oauth_server.start()
    tokens.token()
    events = [r.getMessage() for r in caplog.records if r.name == "csp"]
    assert events == ["mail_sign_in_failed", "mail_sign_in_recovered"]
    assert tokens.problem is None
