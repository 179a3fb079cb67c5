"""ImapMailbox against a real dovecot on loopback (see tests/dovecot.py)."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scheduler.adapters.imap_mailbox import (
    ImapMailbox,
    ImapSettings,
    MailboxError,
    MailboxUnavailable,
)

if TYPE_CHECKING:
    from dovecot import DovecotServer

pytestmark = pytest.mark.imap


def message(number: int) -> bytes:
    return (
        f"From: Lead {number} <lead{number}@council.example>\r\n"
        "To: csp+tok@partnership.example\r\n"
        f"Subject: RE: Action plan update {number}\r\n"
        f"Message-ID: <reply-{number}@council.example>\r\n"
        "Date: Tue, 05 Mar 2024 10:00:00 +0000\r\n"
        "\r\n"
        f"3.1.{number} Green - on track\r\n"
    ).encode()


def test_moved_messages_leave_the_inbox_and_the_rest_are_fetched_again(
    dovecot: DovecotServer,
) -> None:
    # given three replies waiting in the inbox
    for number in (1, 2, 3):
        dovecot.append("INBOX", message(number))
    with ImapMailbox(dovecot.settings()) as mailbox:
        mailbox.ensure_folders()
        first = mailbox.fetch_new()
        # when one is filed as processed and one for review
        mailbox.move(first[0].uid, "Processed", uidvalidity=first[0].uidvalidity)
        mailbox.move(first[1].uid, "Needs review", uidvalidity=first[1].uidvalidity)
        second = mailbox.fetch_new()
    # then the fetch saw all three intact, and only the third is still waiting
    assert [m.raw for m in first] == [message(1), message(2), message(3)]
    assert [m.raw for m in second] == [message(3)]
    assert len(dovecot.uids("Processed")) == 1
    assert len(dovecot.uids("Needs review")) == 1


def test_fetching_twice_without_moving_returns_the_same_uids(dovecot: DovecotServer) -> None:
    # given two waiting messages
    dovecot.append("INBOX", message(1))
    dovecot.append("INBOX", message(2))
    # when they are fetched in two separate sessions
    with ImapMailbox(dovecot.settings()) as mailbox:
        first = mailbox.fetch_new()
    with ImapMailbox(dovecot.settings()) as mailbox:
        second = mailbox.fetch_new()
    # then both name the same messages the same way
    assert [(m.uid, m.uidvalidity) for m in first] == [(m.uid, m.uidvalidity) for m in second]
    assert len(first) == 2


def test_fetching_leaves_messages_unseen_and_reports_their_arrival(
    dovecot: DovecotServer,
) -> None:
    uid = dovecot.append("INBOX", message(1))
    with ImapMailbox(dovecot.settings()) as mailbox:
        (fetched,) = mailbox.fetch_new()
    assert b"\\Seen" not in dovecot.flags("INBOX")[uid]
    assert fetched.internal_date is not None
    assert fetched.internal_date.tzinfo is not None


def test_fetch_limit_takes_the_oldest_messages_first(dovecot: DovecotServer) -> None:
    uids = [dovecot.append("INBOX", message(n)) for n in (1, 2, 3)]
    with ImapMailbox(dovecot.settings()) as mailbox:
        fetched = mailbox.fetch_new(limit=2)
    assert [m.uid for m in fetched] == uids[:2]


def test_ensure_folders_creates_named_folders_once_including_non_ascii_names(
    dovecot: DovecotServer,
) -> None:
    settings = dovecot.settings(processed_folder="Traités", review_folder="À revoir – CSP")
    uid = dovecot.append("INBOX", message(1))
    with ImapMailbox(settings) as mailbox:
        mailbox.ensure_folders()
        mailbox.ensure_folders()
        mailbox.move(uid, "À revoir – CSP")
    assert dovecot.uids("À revoir – CSP") == [1]
    assert dovecot.uids("Traités") == []


def test_without_move_only_the_moved_message_is_expunged(dovecot: DovecotServer) -> None:
    # given a server without MOVE, and a message someone else flagged \Deleted by hand
    user = dovecot.uidplus_user
    settings = dovecot.settings(user=user)
    flagged = dovecot.append("INBOX", message(1), user=user)
    reply = dovecot.append("INBOX", message(2), user=user)
    with dovecot.client(user) as client:
        client.select_folder("INBOX")
        client.add_flags([flagged], [b"\\Deleted"])
    # when the reply is moved
    with ImapMailbox(settings) as mailbox:
        mailbox.ensure_folders()
        mailbox.move(reply, "Processed")
    # then it was copied and expunged, and the other flagged message is untouched
    assert list(dovecot.flags("INBOX", user=user)) == [flagged]
    assert len(dovecot.uids("Processed", user=user)) == 1


def test_without_uidplus_the_flagged_original_stays_but_is_not_fetched_again(
    dovecot: DovecotServer,
) -> None:
    user = dovecot.legacy_user
    settings = dovecot.settings(user=user)
    moved = dovecot.append("INBOX", message(1), user=user)
    dovecot.append("INBOX", message(2), user=user)
    with ImapMailbox(settings) as mailbox:
        mailbox.ensure_folders()
        mailbox.move(moved, "Needs review")
        remaining = mailbox.fetch_new()
    assert [m.raw for m in remaining] == [message(2)]
    assert b"\\Deleted" in dovecot.flags("INBOX", user=user)[moved]
    assert len(dovecot.uids("Needs review", user=user)) == 1


@pytest.mark.parametrize("legacy", [False, True], ids=["move", "copy"])
def test_moving_to_a_missing_folder_fails_and_keeps_the_message(
    dovecot: DovecotServer, legacy: bool
) -> None:
    user = dovecot.legacy_user if legacy else dovecot.user
    uid = dovecot.append("INBOX", message(1), user=user)
    with ImapMailbox(dovecot.settings(user=user)) as mailbox, pytest.raises(MailboxError) as err:
        mailbox.move(uid, "No such folder")
    assert not isinstance(err.value, MailboxUnavailable)
    assert "No such folder" in err.value.reason
    assert dovecot.flags("INBOX", user=user) == {uid: ()}


def test_a_stale_uidvalidity_moves_nothing(dovecot: DovecotServer) -> None:
    uid = dovecot.append("INBOX", message(1))
    with ImapMailbox(dovecot.settings()) as mailbox:
        mailbox.ensure_folders()
        (fetched,) = mailbox.fetch_new()
        with pytest.raises(MailboxError, match="renumbered"):
            mailbox.move(uid, "Processed", uidvalidity=fetched.uidvalidity + 1)
    assert dovecot.uids("INBOX") == [uid]


def test_a_missing_inbox_folder_is_a_refusal_not_an_outage(dovecot: DovecotServer) -> None:
    with (
        ImapMailbox(dovecot.settings(folder="Replies")) as mailbox,
        pytest.raises(MailboxError) as err,
    ):
        mailbox.fetch_new()
    assert not isinstance(err.value, MailboxUnavailable)
    assert "'Replies'" in err.value.reason


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_starttls_and_plain_connections_fetch_too(dovecot: DovecotServer, security: str) -> None:
    dovecot.append("INBOX", message(1))
    with ImapMailbox(dovecot.settings(security)) as mailbox:  # type: ignore[arg-type]
        assert [m.raw for m in mailbox.fetch_new()] == [message(1)]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_certificate_from_another_ca_is_refused(
    dovecot: DovecotServer, untrusted_certificate: Path, security: str
) -> None:
    settings = dovecot.settings(security, ca_file=str(untrusted_certificate))  # type: ignore[arg-type]
    with pytest.raises(MailboxUnavailable, match="TLS certificate not trusted"):
        ImapMailbox(settings).connect()


def test_tls_against_a_plain_port_is_unavailable(dovecot: DovecotServer) -> None:
    settings = dovecot.settings(port=dovecot.plain_port)
    with pytest.raises(MailboxUnavailable, match="TLS failed"):
        ImapMailbox(settings).connect()


def test_an_unreadable_ca_file_is_unavailable(dovecot: DovecotServer, tmp_path: Path) -> None:
    settings = dovecot.settings(ca_file=str(tmp_path / "missing.pem"))
    with pytest.raises(MailboxUnavailable, match="cannot read CA file"):
        ImapMailbox(settings).connect()


def test_a_wrong_password_is_unavailable_and_never_echoed(dovecot: DovecotServer) -> None:
    password = "wrong-secret-XYZ"
    settings = dovecot.settings(password=password)
    with pytest.raises(MailboxUnavailable) as err:
        ImapMailbox(settings).connect()
    assert "login refused for user 'tester'" in err.value.reason
    assert password not in str(err.value)
    assert password not in repr(settings)


def test_a_closed_port_is_unavailable(dovecot: DovecotServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(MailboxUnavailable, match="connection refused"):
        ImapMailbox(dovecot.settings(port=closed_port)).connect()


def test_a_server_that_never_greets_times_out(dovecot: DovecotServer) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = dovecot.settings(port=silent.getsockname()[1], timeout=0.2)
        with pytest.raises(MailboxUnavailable, match="no answer within 0.2 s"):
            ImapMailbox(settings).connect()


def test_a_server_stopped_mid_session_is_unavailable(
    short_lived_dovecot: DovecotServer,
) -> None:
    # given a session on a server that then shuts down
    short_lived_dovecot.append("INBOX", message(1))
    mailbox = ImapMailbox(short_lived_dovecot.settings())
    mailbox.connect()
    short_lived_dovecot.stop()
    # when the mailbox is used, and when a new session is tried
    with pytest.raises(MailboxUnavailable) as during:
        mailbox.fetch_new()
    mailbox.close()
    with pytest.raises(MailboxUnavailable, match="connection refused") as after:
        ImapMailbox(short_lived_dovecot.settings()).connect()
    # then both are outages an operator can read on one line
    assert "\n" not in during.value.reason
    assert after.value.reason.startswith(f"IMAP 127.0.0.1:{short_lived_dovecot.port}: ")


def test_settings_reject_an_unknown_security_mode() -> None:
    with pytest.raises(ValueError, match="ssl, starttls, none"):
        ImapSettings(host="h", port=1, user="u", password="p", security="tls")  # type: ignore[arg-type]


def test_settings_are_frozen() -> None:
    settings = ImapSettings(host="h", port=1, user="u", password="p")
    with pytest.raises(AttributeError):
        settings.port = 2  # type: ignore[misc]
    assert replace(settings, port=2).port == 2
