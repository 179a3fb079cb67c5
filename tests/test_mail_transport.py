"""Transports against a real SMTP server on loopback, and the folder of .eml files."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from scheduler.adapters.mail_transport import (
    FolderTransport,
    PermanentFailure,
    SmtpSettings,
    SmtpTransport,
    TemporaryFailure,
    transport_for,
)
from scheduler.settings import settings_from_env
from tests.fakes import FixedClock
from tests.smtp_server import (
    Certificate,
    SmtpTestServer,
    closed_port,
    make_certificate,
    silent_listener,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as running:
        yield running


def message(n: int, to: str = "lead@example.org", cc: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "CSP <csp-updates@example.org>"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = f"Update please {n} [CSP:abcdefghijklmnopqrst]"
    msg["Message-ID"] = f"<csp.{n}@example.org>"
    msg.set_content(f"Body {n}\n")
    return msg


def settings_for(server: SmtpTestServer, **changes: object) -> SmtpSettings:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "timeout": 5.0,
        "local_hostname": "localhost",
    }
    values.update(changes)
    return SmtpSettings(**values)  # type: ignore[arg-type]


def test_a_batch_goes_over_one_connection(server: SmtpTestServer) -> None:
    # Given three messages, one copied to the coordinator
    batch = [message(1), message(2, cc="coordinator@example.org"), message(3)]
    # When sent in one batch
    with SmtpTransport(settings_for(server)) as transport:
        for msg in batch:
            transport.send(msg)
    # Then all arrived, over a single connection, to To and Cc alike
    received = server.messages
    assert [r.message["Message-ID"] for r in received] == [
        f"<csp.{n}@example.org>" for n in (1, 2, 3)
    ]
    assert received[1].rcpt_tos == ("lead@example.org", "coordinator@example.org")
    assert received[0].mail_from == "csp-updates@example.org"
    assert server.connections == 1
    assert len({r.connection for r in received}) == 1


def test_starttls_with_login(certificate: Certificate) -> None:
    # Given a server that insists on STARTTLS and a login
    with SmtpTestServer(starttls=certificate, logins={"csp": PASSWORD}) as server:
        settings = settings_for(
            server, security="starttls", user="csp", password=PASSWORD, ca_file=certificate.cert
        )
        # When a message is sent
        with SmtpTransport(settings) as transport:
            transport.send(message(1))
        # Then it went encrypted and logged in
        (received,) = server.messages
        assert received.tls and received.authenticated_as == "csp"


def test_implicit_tls(certificate: Certificate) -> None:
    with SmtpTestServer(implicit_tls=certificate) as server:
        settings = settings_for(server, security="ssl", ca_file=certificate.cert)
        with SmtpTransport(settings) as transport:
            transport.send(message(1))
        assert [r.message["Message-ID"] for r in server.messages] == ["<csp.1@example.org>"]


def test_an_untrusted_certificate_is_a_temporary_failure(certificate: Certificate) -> None:
    # Given a server whose certificate we were not told to trust
    with SmtpTestServer(starttls=certificate) as server:
        # When we connect
        with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpTransport(settings_for(server, security="starttls")).__enter__()
        # Then nothing was sent
        assert server.messages == []


def test_a_refused_login_keeps_the_message_and_never_shows_the_password(
    certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a wrong password
    with SmtpTestServer(starttls=certificate, logins={"csp": PASSWORD}) as server:
        settings = settings_for(
            server,
            security="starttls",
            user="csp",
            password="wrong-secret",
            ca_file=certificate.cert,
        )
        caplog.set_level(logging.DEBUG)
        # When the batch opens
        with pytest.raises(TemporaryFailure) as caught:
            SmtpTransport(settings).__enter__()
    # Then it is temporary (the message is not at fault) and the password appears nowhere
    assert "535" in caught.value.reason
    assert "wrong-secret" not in caught.value.reason
    assert "wrong-secret" not in caplog.text
    assert "wrong-secret" not in repr(settings)


def test_a_server_wanting_a_login_we_lack_keeps_the_message(certificate: Certificate) -> None:
    # Given a server that requires a login, and settings with no user
    with SmtpTestServer(starttls=certificate, logins={"csp": PASSWORD}) as server:
        settings = settings_for(server, security="starttls", ca_file=certificate.cert)
        # When a message is sent, then it is kept for later: the configuration is at fault
        with (
            SmtpTransport(settings) as transport,
            pytest.raises(TemporaryFailure, match="530.*CSP_SMTP_USER"),
        ):
            transport.send(message(1))
        assert server.messages == []


def test_a_permanently_refused_recipient_fails_that_message_only() -> None:
    # Given a server that does not know one recipient
    with SmtpTestServer(refuse={"gone@example.org": "550 5.1.1 No such user"}) as server:
        with SmtpTransport(settings_for(server)) as transport:
            # When a batch holds a message to them between two good ones
            transport.send(message(1))
            with pytest.raises(PermanentFailure, match="550 5.1.1 No such user"):
                transport.send(message(2, to="gone@example.org"))
            transport.send(message(3))
        # Then the others still went, on the same connection
        assert [r.message["Message-ID"] for r in server.messages] == [
            "<csp.1@example.org>",
            "<csp.3@example.org>",
        ]
        assert server.connections == 1


def test_a_temporarily_refused_recipient_is_a_temporary_failure() -> None:
    with SmtpTestServer(refuse={"full@example.org": "451 4.2.2 Mailbox full"}) as server:
        with (
            SmtpTransport(settings_for(server)) as transport,
            pytest.raises(TemporaryFailure, match="451 4.2.2 Mailbox full"),
        ):
            transport.send(message(1, to="full@example.org"))
        assert server.messages == []


def test_a_message_taken_for_some_recipients_counts_as_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a copy address the server refuses
    with SmtpTestServer(refuse={"old@example.org": "550 5.1.1 No such user"}) as server:
        caplog.set_level(logging.WARNING)
        # When a message goes to the lead with that copy
        with SmtpTransport(settings_for(server)) as transport:
            transport.send(message(1, cc="old@example.org"))
        # Then the lead has it (sending again would duplicate it) and the refusal is logged
        (received,) = server.messages
        assert received.rcpt_tos == ("lead@example.org",)
    assert "old@example.org (550)" in caplog.text
    assert "Body 1" not in caplog.text


@pytest.mark.parametrize(
    ("reply", "failure"),
    [("554 5.6.0 Content rejected", PermanentFailure), ("451 4.3.0 Try later", TemporaryFailure)],
)
def test_a_refused_data_phase_maps_to_its_reply_class(reply: str, failure: type[Exception]) -> None:
    with (
        SmtpTestServer(refuse_data=reply) as server,
        SmtpTransport(settings_for(server)) as transport,
        pytest.raises(failure, match=reply),
    ):
        transport.send(message(1))


def test_a_dropped_connection_is_reopened_once_mid_batch(server: SmtpTestServer) -> None:
    # Given a batch under way
    with SmtpTransport(settings_for(server)) as transport:
        transport.send(message(1))
        # When the server drops the connection between two messages
        server.drop_connections()
        transport.send(message(2))
        transport.send(message(3))
    # Then every message arrived once, the last two over a second connection
    assert [r.connection for r in server.messages] == [0, 1, 1]
    assert server.connections == 2


def test_a_server_that_is_down_is_a_temporary_failure() -> None:
    # Given nothing listening on the port
    transport = SmtpTransport(
        SmtpSettings(host="127.0.0.1", port=closed_port(), security="none", timeout=2.0)
    )
    # When a batch opens, then it fails temporarily, and so does every send after it
    with pytest.raises(TemporaryFailure, match="cannot reach 127.0.0.1"):
        transport.__enter__()
    with pytest.raises(TemporaryFailure, match="Connection refused|ConnectionRefused"):
        transport.send(message(1))


def test_a_server_that_never_answers_times_out_as_a_temporary_failure() -> None:
    with silent_listener() as port:
        settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.2)
        with pytest.raises(TemporaryFailure, match="timed out"):
            SmtpTransport(settings).__enter__()


def test_smtp_settings_come_from_the_environment_and_never_show_the_password() -> None:
    settings = settings_from_env(
        {
            "CSP_SMTP_HOST": "smtp.example.org",
            "CSP_SMTP_SECURITY": "ssl",
            "CSP_SMTP_USER": "csp",
            "CSP_SMTP_PASSWORD": PASSWORD,
        }
    ).smtp
    assert settings is not None
    assert (settings.host, settings.port, settings.security, settings.user) == (
        "smtp.example.org",
        465,
        "ssl",
        "csp",
    )
    assert PASSWORD not in repr(settings)
    assert isinstance(transport_for(settings, Path("outbox")), SmtpTransport)


WRITTEN_AT = datetime(2011, 5, 24, 8, 0, 0, 123456, tzinfo=UTC)


def test_folder_transport_writes_each_message_as_an_eml_file(tmp_path: Path) -> None:
    # Given an outbox folder that does not exist yet
    folder = tmp_path / "outbox"
    # When two messages are sent through it
    with FolderTransport(folder, clock=FixedClock(WRITTEN_AT)) as transport:
        transport.send(message(1))
        transport.send(message(2))
    # Then each is a complete .eml named by time and Message-ID, and nothing else is left
    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "20110524T080000123456Z-csp.1_example.org.eml",
        "20110524T080000123456Z-csp.2_example.org.eml",
    ]
    raw = (folder / names[0]).read_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Message-ID"] == "<csp.1@example.org>"
    assert parsed.get_content().splitlines() == ["Body 1"]
    assert b"\r\n" in raw


def test_folder_transport_cleans_unsafe_characters_from_the_name(tmp_path: Path) -> None:
    msg = message(1)
    msg.replace_header("Message-ID", "<../../etc/passwd@example.org>")
    with FolderTransport(tmp_path, clock=FixedClock(WRITTEN_AT)) as transport:
        transport.send(msg)
    (written,) = tmp_path.iterdir()
    assert written.parent == tmp_path
    assert written.name == "20110524T080000123456Z-etc_passwd_example.org.eml"


def test_folder_transport_that_cannot_write_fails_temporarily(tmp_path: Path) -> None:
    # Given an outbox path that is a file, not a folder
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    # When a batch opens, then it fails temporarily
    with pytest.raises(TemporaryFailure, match="outbox"):
        FolderTransport(blocker).__enter__()


def test_folder_transport_refuses_a_message_without_message_id(tmp_path: Path) -> None:
    msg = message(1)
    del msg["Message-ID"]
    with FolderTransport(tmp_path) as transport, pytest.raises(PermanentFailure):
        transport.send(msg)
    assert list(tmp_path.iterdir()) == []


def test_no_smtp_configured_means_the_folder(tmp_path: Path) -> None:
    transport = transport_for(None, tmp_path)
    assert isinstance(transport, FolderTransport) and transport.folder == tmp_path
