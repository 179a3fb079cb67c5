"""`csp mail check` against the test servers: the local token endpoint, dovecot with its oauth2
passdb and aiosmtpd taking XOAUTH2. It passes when all works and otherwise prints one line
for each broken setting, saying what to fix."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.cli.main import main
from scheduler.events import LOGGER_NAME
from tests.dovecot import DovecotServer
from tests.oauth_server import CLIENT_SECRET, TENANT, OAuthTestServer
from tests.smtp_server import Certificate, SmtpTestServer, closed_port
from tests.test_oauth_service import certificate, oauth_env, smtp  # noqa: F401

pytestmark = pytest.mark.imap

Run = Callable[..., tuple[int, list[str]]]


@pytest.fixture
def env(
    oauth_server: OAuthTestServer,
    oauth_dovecot: DovecotServer,
    smtp: SmtpTestServer,  # noqa: F811
    certificate: Certificate,  # noqa: F811
    tmp_path: Path,
) -> dict[str, str]:
    return {
        **oauth_env(oauth_server, oauth_dovecot, smtp, certificate.cert),
        "CSP_SMTP_HOST": smtp.host,
        "CSP_SMTP_PORT": str(smtp.port),
        "CSP_DATA_DIR": str(tmp_path / "data"),
        "CSP_FROM_ADDRESS": "tester@partnership.example",
    }


@pytest.fixture
def csp(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Run]:
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    for key in list(os.environ):
        if key.startswith("CSP_"):
            monkeypatch.delenv(key)

    def run(*args: str, **changes: str) -> tuple[int, list[str]]:
        for key, value in {**env, **changes}.items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(["mail", "check", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and CLIENT_SECRET not in out + err
        return code, out.splitlines()

    yield run
    logger.handlers[:], logger.level, logger.propagate = saved


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


def test_everything_working_passes_and_lists_the_folders(csp: Run) -> None:
    code, lines = csp()
    assert code == 0, lines
    assert [line.split(":")[0] for line in lines] == ["ok   token", "ok   mailbox", "ok   sender"]
    assert "'Processed' (created at the first poll)" in lines[1]


def test_a_test_message_goes_only_when_asked(csp: Run, smtp: SmtpTestServer) -> None:  # noqa: F811
    csp()
    assert smtp.messages == []
    code, lines = csp("--send-test", "it@council.example")
    assert code == 0 and lines[-1].startswith("ok   test message: sent to it@council.example")
    assert [m.rcpt_tos for m in smtp.messages] == [("it@council.example",)]


def test_the_checks_come_as_json_too(csp: Run) -> None:
    code, lines = csp("--json")
    report = json.loads("\n".join(lines))
    assert code == 0 and report["ok"] is True
    assert [c["check"] for c in report["checks"]] == ["token", "mailbox", "sender"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"CSP_OAUTH_CLIENT_SECRET": "wrong"}, "CSP_OAUTH_CLIENT_SECRET to the secret's Value"),
        ({"CSP_OAUTH_CLIENT_ID": "other-app"}, "check CSP_OAUTH_CLIENT_ID"),
        ({"CSP_OAUTH_TENANT_ID": "other-tenant"}, "check CSP_OAUTH_TENANT_ID"),
        ({"CSP_OAUTH_CERTIFICATE_FILE": "/nonexistent/app.pem"}, "cannot read"),
    ],
)
def test_a_wrong_sign_in_setting_fails_the_token_with_what_to_fix(
    csp: Run, oauth_server: OAuthTestServer, change: dict[str, str], says: str
) -> None:
    if "CSP_OAUTH_TENANT_ID" in change:
        change["CSP_OAUTH_TOKEN_URL"] = oauth_server.token_url.replace(TENANT, "other-tenant")
    if "CSP_OAUTH_CERTIFICATE_FILE" in change:
        change["CSP_OAUTH_CERTIFICATE_THUMBPRINT"] = "AB"
        change["CSP_OAUTH_CLIENT_SECRET"] = ""
    code, lines = csp(**change)
    assert code == 1
    token_line = failures(lines)[0]
    assert token_line.startswith("FAIL token:") and says in token_line, lines
    assert len(failures(lines)) == 3  # the mailbox and the sender cannot sign in either


def test_an_expired_secret_is_told_apart_from_a_wrong_one(
    csp: Run, oauth_server: OAuthTestServer
) -> None:
    oauth_server.refuse_next(401, "invalid_client", "AADSTS7000222: The provided client "
                             "secret keys for app are expired.", times=3)  # fmt: skip
    code, lines = csp()
    assert code == 1 and "client secret has expired" in failures(lines)[0]


def test_consent_not_granted_is_named(csp: Run, oauth_server: OAuthTestServer) -> None:
    oauth_server.refuse_next(400, "invalid_grant", "AADSTS65001: The user or administrator "
                             "has not consented to use the application.", times=3)  # fmt: skip
    code, lines = csp()
    assert code == 1 and "admin consent" in failures(lines)[0]


def test_a_permission_missing_from_the_token_is_named(
    csp: Run, oauth_server: OAuthTestServer, oauth_dovecot: DovecotServer
) -> None:
    oauth_server.grant_to(oauth_dovecot.user, roles=("IMAP.AccessAsApp",))
    code, lines = csp()
    assert code == 1
    assert failures(lines) == [
        "FAIL permission: the token lacks SMTP.SendAsApp: add the Office 365 Exchange Online "
        "application permission SMTP.SendAsApp to the app registration and grant admin consent"
    ]


def test_a_mailbox_not_granted_to_the_application_is_named(
    csp: Run, oauth_server: OAuthTestServer
) -> None:
    oauth_server.grant_to("someone-else")
    code, lines = csp()
    mailbox, sender = failures(lines)
    assert mailbox.startswith("FAIL mailbox:") and "Add-MailboxPermission" in mailbox
    assert sender.startswith("FAIL sender:") and "535 5.7.3" in sender


def test_an_unreachable_token_endpoint_is_named(csp: Run) -> None:
    url = f"https://127.0.0.1:{closed_port()}/{TENANT}/oauth2/v2.0/token"
    code, lines = csp(CSP_OAUTH_TOKEN_URL=url)
    assert code == 1 and "unreachable" in failures(lines)[0]


def test_password_settings_are_checked_the_same_way(csp: Run, oauth_dovecot: DovecotServer) -> None:
    code, lines = csp(CSP_MAIL_AUTH="password", CSP_IMAP_USER=oauth_dovecot.user,
                      CSP_IMAP_PASSWORD="wrong password")  # fmt: skip
    assert code == 1
    assert [line.split(":")[0] for line in lines] == ["FAIL mailbox", "ok   sender"]
