"""Settings come from the environment; a wrong value is one clear error naming the variable."""

from __future__ import annotations

import pytest

from scheduler.domain.errors import ConfigError
from scheduler.settings import settings_from_env


def test_defaults_need_nothing_but_give_sqlite_and_the_outbox_folder() -> None:
    settings = settings_from_env({})
    assert settings.database_url == "sqlite:///data/csp.sqlite3"
    assert settings.smtp is None and settings.imap is None
    assert str(settings.outbox_dir) == "data/outbox"
    assert settings.timezone == "Europe/London"


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CSP_TIMEZONE 'Mars/Olympus'"):
        settings_from_env({"CSP_TIMEZONE": "Mars/Olympus"})


def test_a_port_that_is_not_a_number_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CSP_SMTP_PORT must be a whole number"):
        settings_from_env({"CSP_SMTP_HOST": "mail", "CSP_SMTP_PORT": "twenty-five"})


def test_smtp_security_sets_the_usual_port() -> None:
    settings = settings_from_env({"CSP_SMTP_HOST": "mail", "CSP_SMTP_SECURITY": "ssl"})
    assert settings.smtp is not None and settings.smtp.port == 465


def test_the_trusted_mail_server_is_unset_unless_named() -> None:
    assert settings_from_env({}).trusted_authserv_id is None
    named = settings_from_env({"CSP_TRUSTED_AUTHSERV_ID": " mx.council.example.org "})
    assert named.trusted_authserv_id == "mx.council.example.org"


def test_a_trusted_mail_server_that_is_not_one_name_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CSP_TRUSTED_AUTHSERV_ID must be one mail server"):
        settings_from_env({"CSP_TRUSTED_AUTHSERV_ID": "mx.council.example.org; dkim=pass"})


def test_password_sign_in_stays_the_default() -> None:
    settings = settings_from_env({"CSP_SMTP_HOST": "mail", "CSP_IMAP_HOST": "mail"})
    assert settings.mail.auth == "password" and settings.mail.oauth is None
    assert settings.smtp is not None and settings.smtp.auth == "password"
    assert settings.imap is not None and settings.imap.auth == "password"


OAUTH = {
    "CSP_MAIL_AUTH": "oauth2",
    "CSP_MAILBOX": "csp-updates@council.example",
    "CSP_OAUTH_TENANT_ID": "tenant-guid",
    "CSP_OAUTH_CLIENT_ID": "client-guid",
    "CSP_OAUTH_CLIENT_SECRET": "s3cret",
    "CSP_SMTP_HOST": "smtp.office365.com",
    "CSP_IMAP_HOST": "outlook.office365.com",
}


def test_oauth_signs_in_as_the_shared_mailbox_at_the_tenants_authority() -> None:
    settings = settings_from_env(OAUTH)
    oauth = settings.mail.oauth
    assert oauth is not None and oauth.authority == "https://login.microsoftonline.com/tenant-guid"
    assert oauth.scope == "https://outlook.office365.com/.default"
    assert settings.smtp is not None and settings.smtp.user == "csp-updates@council.example"
    assert settings.imap is not None and settings.imap.user == "csp-updates@council.example"
    assert settings.imap.auth == "oauth2" and "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("CSP_OAUTH_CLIENT_ID", "CSP_OAUTH_CLIENT_ID"),
        ("CSP_OAUTH_TENANT_ID", "CSP_OAUTH_TENANT_ID"),
        ("CSP_OAUTH_CLIENT_SECRET", "CSP_OAUTH_CLIENT_SECRET or CSP_OAUTH_CERTIFICATE_FILE"),
    ],
)
def test_a_missing_oauth_setting_is_named(missing: str, named: str) -> None:
    env = {k: v for k, v in OAUTH.items() if k != missing}
    with pytest.raises(ConfigError, match=named):
        settings_from_env(env)


def test_a_certificate_needs_its_thumbprint() -> None:
    env = {k: v for k, v in OAUTH.items() if k != "CSP_OAUTH_CLIENT_SECRET"}
    env["CSP_OAUTH_CERTIFICATE_FILE"] = "/etc/csp/app.pem"
    with pytest.raises(ConfigError, match="CSP_OAUTH_CERTIFICATE_THUMBPRINT"):
        settings_from_env(env)


def test_graph_needs_the_mailbox_and_uses_the_graph_scope() -> None:
    env = {**OAUTH, "CSP_MAIL_PROVIDER": "graph"}
    settings = settings_from_env(env)
    assert settings.mail.graph is not None and settings.mail.oauth is not None
    assert settings.mail.oauth.scope == "https://graph.microsoft.com/.default"
    with pytest.raises(ConfigError, match="CSP_MAILBOX"):
        settings_from_env({k: v for k, v in env.items() if k != "CSP_MAILBOX"})


def test_an_unknown_provider_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CSP_MAIL_PROVIDER must be one of"):
        settings_from_env({"CSP_MAIL_PROVIDER": "pigeon"})
