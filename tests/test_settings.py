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
