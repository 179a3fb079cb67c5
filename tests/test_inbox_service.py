"""Replies end to end: a real update request goes out over SMTP, the lead's reply is put into a
real dovecot mailbox, and the real poller records it, moves it, and acknowledges it once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

import scheduler.services.reply_recording as reply_recording
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.domain.errors import UserError
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.services.app import Services
from scheduler.services.inbox import (
    IngestResult,
    arrived_message,
    ingest_all,
    ingest_raw,
    process_inbound,
)
from scheduler.services.mailbox import poll_mailbox, purge_raw_messages
from scheduler.services.reminders import run_tick
from scheduler.services.updates import release_update
from tests.dovecot import DovecotServer
from tests.service_harness import copy_example_config, make_services
from tests.smtp_server import SmtpTestServer

LONDON = ZoneInfo("Europe/London")
REQUEST_TIME = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)
REPLY_TIME = datetime(2012, 2, 23, 14, 0, tzinfo=LONDON)
HELENE = "helene.cooper@example.org"


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def services(
    engine: Engine, database_url: str, tmp_path: Path, smtp: SmtpTestServer, dovecot: DovecotServer
) -> Services:
    imap = {
        "CSP_IMAP_HOST": dovecot.host,
        "CSP_IMAP_PORT": str(dovecot.port),
        "CSP_IMAP_USER": dovecot.user,
        "CSP_IMAP_PASSWORD": dovecot.password,
        "CSP_IMAP_SECURITY": "ssl",
        "CSP_IMAP_CA_FILE": str(dovecot.cert_path),
    }
    services = make_services(
        database_url,
        copy_example_config(tmp_path),
        tmp_path / "data",
        smtp_port=smtp.port,
        imap=imap,
    )
    run_tick(services, REQUEST_TIME)  # the update requests of 21 Feb 2012 go out
    return services


def _request_to(services: Services, address: str) -> OutboxMessage:
    with services.uow_factory() as uow:
        for row in uow.outbox.all():
            if row.kind == "update_request" and row.to == (address,) and row.token:
                return row
    raise AssertionError(f"no update request to {address}")


def outlook_reply(
    request: OutboxMessage,
    body: str,
    *,
    sender: str = HELENE,
    message_id: str = "<reply-1@exchange.example.org>",
) -> bytes:
    """A top-posted reply as Outlook writes it: our request quoted under a header block."""
    reply = EmailMessage()
    reply["From"] = f"Cooper, Helene <{sender}>"
    reply["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    reply["Subject"] = f"RE: {request.subject}"
    reply["Date"] = format_datetime(REPLY_TIME)
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = request.message_id or ""
    quoted = "\n".join(request.body_text.splitlines())
    reply.set_content(
        f"{body}\n\nKind regards,\nHelene\n\n"
        "From: Lancaster District Community Safety Partnership\n"
        "Sent: 21 February 2012 09:00\nTo: Cooper, Helene\n"
        f"Subject: {request.subject}\n\n{quoted}\n"
    )
    return reply.as_bytes()


def _updates(services: Services) -> list[tuple[str, str | None, str]]:
    with services.uow_factory() as uow:
        return [(u.ref, u.status, u.text) for u in uow.updates.all()]


def _acks(services: Services) -> list[OutboxMessage]:
    with services.uow_factory() as uow:
        return [r for r in uow.outbox.all() if r.kind == "acknowledgement"]


def test_a_leads_reply_is_recorded_per_action_moved_and_acknowledged_once(
    services: Services, dovecot: DovecotServer, smtp: SmtpTestServer
) -> None:
    request = _request_to(services, HELENE)
    dovecot.append(
        "INBOX",
        outlook_reply(
            request, "3.1.1 Complete - IDVA bid funded\n3.1.4 Amber: MARAC review slipping to May"
        ),
    )
    report = poll_mailbox(services, REPLY_TIME)
    assert (report.fetched, report.processed, report.review, report.error) == (1, 1, 0, None)
    assert sorted(_updates(services)) == [
        ("3.1.1", "Complete", "IDVA bid funded"),
        ("3.1.4", "Amber", "MARAC review slipping to May"),
    ]
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Processed")) == 1
    acks = [m.message for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]
    assert len(acks) == 1 and HELENE in str(acks[0]["To"])
    ack_text = acks[0].get_body(preferencelist=("plain",)).get_content()
    assert "3.1.1" in ack_text and "3.1.4" in ack_text


def test_the_same_message_fetched_twice_is_recorded_once(
    services: Services, dovecot: DovecotServer
) -> None:
    raw = outlook_reply(_request_to(services, HELENE), "3.1.2 Green on track")
    dovecot.append("INBOX", raw)
    poll_mailbox(services, REPLY_TIME)
    dovecot.append("INBOX", raw)
    poll_mailbox(services, REPLY_TIME + timedelta(minutes=5))
    assert _updates(services) == [("3.1.2", "Green", "on track")]
    assert len(_acks(services)) == 1
    assert len(dovecot.uids("Processed")) == 2


def test_a_reply_stops_the_chasers_to_that_lead_only(
    services: Services, smtp: SmtpTestServer, dovecot: DovecotServer
) -> None:
    dovecot.append("INBOX", outlook_reply(_request_to(services, HELENE), "3.1.2 Green fine"))
    poll_mailbox(services, REPLY_TIME)
    run_tick(services, datetime(2012, 3, 6, 9, 0, tzinfo=LONDON))
    chased = {
        str(m.message["To"]) for m in smtp.messages if m.message["Subject"].startswith("Reminder")
    }
    assert len(chased) == 4 and not any(HELENE in to for to in chased)


def test_a_valid_token_from_someone_else_is_quarantined_not_recorded(
    services: Services, dovecot: DovecotServer
) -> None:
    dovecot.append(
        "INBOX",
        outlook_reply(
            _request_to(services, HELENE), "3.1.1 Complete", sender="someone.else@example.net"
        ),
    )
    report = poll_mailbox(services, REPLY_TIME)
    assert report.review == 1 and _updates(services) == [] and _acks(services) == []
    assert len(dovecot.uids("Needs review")) == 1


def test_a_delegate_may_reply_for_the_lead(services: Services, dovecot: DovecotServer) -> None:
    dovecot.append(
        "INBOX",
        outlook_reply(
            _request_to(services, HELENE), "3.1.2 Red stalled", sender="gemma.burton@example.org"
        ),
    )
    poll_mailbox(services, REPLY_TIME)
    assert _updates(services) == [("3.1.2", "Red", "stalled")]


def test_an_unmatched_message_goes_to_review(services: Services, dovecot: DovecotServer) -> None:
    stray = EmailMessage()
    stray["From"] = HELENE
    stray["To"] = "csp-updates@lancaster.example.org"
    stray["Subject"] = "Quick question"
    stray["Message-ID"] = "<stray@example.org>"
    stray.set_content("3.1.1 Green")
    dovecot.append("INBOX", stray.as_bytes())
    report = poll_mailbox(services, REPLY_TIME)
    assert report.review == 1 and _updates(services) == []


def test_an_out_of_office_is_recorded_and_never_answered(
    services: Services, dovecot: DovecotServer
) -> None:
    request = _request_to(services, HELENE)
    ooo = EmailMessage()
    ooo["From"] = HELENE
    ooo["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    ooo["Subject"] = f"Automatic reply: {request.subject}"
    ooo["Auto-Submitted"] = "auto-replied"
    ooo["Message-ID"] = "<ooo@example.org>"
    ooo.set_content("I am out of the office until 5 March 2012 with no access to email.")
    dovecot.append("INBOX", ooo.as_bytes())
    report = poll_mailbox(services, REPLY_TIME)
    assert report.processed == 1 and _updates(services) == [] and _acks(services) == []
    with services.uow_factory() as uow:
        away = [(a.address, a.away_until) for a in uow.inbound.away_for_meeting(request.meeting)]  # type: ignore[arg-type]
    assert away == [(HELENE, datetime(2012, 3, 5).date())]


def test_a_reply_with_no_refs_is_kept_as_unstructured_commentary(
    services: Services, dovecot: DovecotServer
) -> None:
    dovecot.append(
        "INBOX", outlook_reply(_request_to(services, HELENE), "All on track, more at the meeting.")
    )
    poll_mailbox(services, REPLY_TIME)
    with services.uow_factory() as uow:
        rows = [(u.ref, u.unstructured, u.text) for u in uow.updates.all()]
    assert rows == [("3.1", True, "All on track, more at the meeting.")]


def test_commentary_with_personal_data_is_held_for_the_coordinator(
    services: Services, dovecot: DovecotServer
) -> None:
    dovecot.append(
        "INBOX",
        outlook_reply(_request_to(services, HELENE), "3.1.4 Amber victim at LA1 4XQ re-referred"),
    )
    poll_mailbox(services, REPLY_TIME)
    with services.uow_factory() as uow:
        held = [(u.ref, u.held_for_review) for u in uow.updates.all()]
    assert held == [("3.1.4", True)]


def test_an_imap_outage_is_reported_and_nothing_is_lost(
    services: Services, dovecot: DovecotServer
) -> None:
    dovecot.append("INBOX", outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"))
    wrong = make_services(
        services.settings.database_url,
        services.settings.config_dir,
        services.settings.data_dir,
        imap={
            "CSP_IMAP_HOST": "127.0.0.1",
            "CSP_IMAP_PORT": "1",
            "CSP_IMAP_SECURITY": "none",
            "CSP_IMAP_USER": "x",
            "CSP_IMAP_PASSWORD": "secret-password",
        },
    )
    report = poll_mailbox(wrong, REPLY_TIME)
    assert report.error and "secret-password" not in report.error
    assert len(dovecot.uids("INBOX")) == 1
    assert poll_mailbox(services, REPLY_TIME).processed == 1


class Crash(BaseException):
    """The process dying at this line: its open transaction rolls back."""


def test_a_crash_after_storing_a_message_processes_it_once_on_the_next_poll(
    services: Services, dovecot: DovecotServer
) -> None:
    raw = outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok")
    dovecot.append("INBOX", raw)
    real = services.uow_factory
    commits = {"n": 0}

    class CrashOnSecondCommit(SqlAlchemyUnitOfWork):
        def commit(self) -> None:
            commits["n"] += 1
            if commits["n"] == 2:  # the first commit stores the raw message
                raise Crash("processing interrupted")
            super().commit()

    services.uow_factory = lambda: CrashOnSecondCommit(real()._sessions)  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        poll_mailbox(services, REPLY_TIME)
    services.uow_factory = real
    with services.uow_factory() as uow:
        assert [r.status for r in uow.inbound.with_status(InboundStatus.NEW)] == ["new"]
    assert len(dovecot.uids("INBOX")) == 1  # not moved before it was safely processed
    poll_mailbox(services, REPLY_TIME + timedelta(minutes=5))
    assert _updates(services) == [("3.1.2", "Green", "ok")]
    assert len(_acks(services)) == 1 and dovecot.uids("INBOX") == []


def test_ingesting_a_file_takes_the_same_path(services: Services) -> None:
    raw = outlook_reply(_request_to(services, HELENE), "3.1.3 Amber materials late")
    first = ingest_raw(services, raw, REPLY_TIME, source="file")
    again = ingest_raw(services, raw, REPLY_TIME, source="file")
    assert (first.status, first.duplicate, first.updates) == (InboundStatus.PROCESSED, False, 1)
    assert again.duplicate and _updates(services) == [("3.1.3", "Amber", "materials late")]
    with services.uow_factory() as uow:
        assert uow.outbox.with_status(OutboxStatus.PENDING)  # the acknowledgement waits to go


@pytest.mark.slow  # the 16 March tick also renders that meeting's agenda pack
def test_complete_stops_the_actions_later_reminders_and_overdue_notices(
    services: Services, smtp: SmtpTestServer
) -> None:
    ingest_raw(
        services,
        outlook_reply(_request_to(services, HELENE), "3.1.2 Complete launched"),
        REPLY_TIME,
    )
    for day in (16, 30):
        run_tick(services, datetime(2012, 3, day, 9, 0, tzinfo=LONDON))
    run_tick(services, datetime(2012, 4, 2, 9, 0, tzinfo=LONDON))
    to_helene = [
        m.message["Subject"]
        for m in smtp.messages
        if HELENE in str(m.message["To"]) and "3.1.2" in m.message["Subject"]
    ]
    assert to_helene == []
    others = [
        m
        for m in smtp.messages
        if "ian.dawson" in str(m.message["To"]) and m.message["Subject"].startswith("Overdue")
    ]
    assert len(others) == 1  # the rule still works for actions not reported complete


def test_thanks_in_reply_to_an_acknowledgement_records_nothing_and_is_not_answered(
    services: Services,
) -> None:
    ingest_raw(
        services, outlook_reply(_request_to(services, HELENE), "3.1.2 Green fine"), REPLY_TIME
    )
    run_tick(services, REPLY_TIME + timedelta(minutes=1))  # the acknowledgement goes out
    ack = _acks(services)[0]
    thanks = outlook_reply(ack, "Thanks!", message_id="<thanks@exchange.example.org>")
    result = ingest_raw(services, thanks, REPLY_TIME + timedelta(hours=1))
    assert result.status == InboundStatus.PROCESSED and result.updates == 0
    assert _updates(services) == [("3.1.2", "Green", "fine")]
    assert len(_acks(services)) == 1


def test_a_different_message_reusing_a_message_id_is_kept_too(services: Services) -> None:
    request = _request_to(services, HELENE)
    first = outlook_reply(request, "3.1.2 Green fine", message_id="<same@example.org>")
    second = outlook_reply(request, "3.1.3 Red stuck", message_id="<same@example.org>")
    ingest_raw(services, first, REPLY_TIME)
    result = ingest_raw(services, second, REPLY_TIME)
    assert not result.duplicate
    assert sorted(_updates(services)) == [("3.1.2", "Green", "fine"), ("3.1.3", "Red", "stuck")]


def test_a_very_long_message_id_is_stored_and_processed(services: Services) -> None:
    long_id = "<" + "x" * 900 + "@example.org>"
    result = ingest_raw(
        services,
        outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok", message_id=long_id),
        REPLY_TIME,
    )
    assert result.status == InboundStatus.PROCESSED and result.updates == 1


def test_a_message_with_a_very_long_message_id_can_go_to_review(services: Services) -> None:
    # Given a stranger's reply whose Message-ID is longer than the audit log's subject column
    long_id = "<" + "x" * 900 + "@example.org>"
    reply = outlook_reply(
        _request_to(services, HELENE),
        "3.1.1 Complete",
        sender="someone.else@example.net",
        message_id=long_id,
    )
    # When it arrives
    result = ingest_raw(services, reply, REPLY_TIME)
    # Then it waits for the coordinator like any other, with its reason
    assert result.needs_review and "someone.else@example.net" in (result.reason or "")
    with services.uow_factory() as uow:
        assert [m.id for m in uow.inbound.with_status(InboundStatus.REVIEW)] == [result.inbound_id]


def test_an_update_held_for_personal_data_is_recorded_whatever_the_message_id_length(
    services: Services,
) -> None:
    long_id = "<" + "x" * 900 + "@example.org>"
    reply = outlook_reply(
        _request_to(services, HELENE), "3.1.4 Amber ring 01524 582000", message_id=long_id
    )
    result = ingest_raw(services, reply, REPLY_TIME)
    assert (result.status, result.updates) == (InboundStatus.PROCESSED, 1)
    with services.uow_factory() as uow:
        assert [(u.ref, u.held) for u in uow.updates.all()] == [("3.1.4", True)]


def test_a_poll_stores_and_processes_its_messages_together_each_once_in_order(
    services: Services,
) -> None:
    request = _request_to(services, HELENE)
    first = outlook_reply(request, "3.1.2 Green ok", message_id="<r1@x>")
    second = outlook_reply(request, "3.1.3 Amber late", message_id="<r2@x>")
    stranger = outlook_reply(request, "3.1.2 Red", sender="x@example.net", message_id="<r3@x>")
    results = ingest_all(services, [first, second, first, stranger], REPLY_TIME)
    assert [(r.status, r.duplicate) for r in results] == [
        (InboundStatus.PROCESSED, False),
        (InboundStatus.PROCESSED, False),
        (InboundStatus.PROCESSED, True),
        (InboundStatus.REVIEW, False),
    ]
    assert results[2].inbound_id == results[0].inbound_id
    assert "x@example.net is not" in (results[3].reason or "")
    assert _updates(services) == [("3.1.2", "Green", "ok"), ("3.1.3", "Amber", "late")]
    assert len(_acks(services)) == 2


def test_one_message_that_cannot_be_processed_holds_up_none_of_the_others(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = _request_to(services, HELENE)
    replies = [
        outlook_reply(request, body, message_id=f"<r{n}@x>")
        for n, body in enumerate(["3.1.2 Green ok", "3.1.3 Amber BOOM", "3.1.4 Red stalled"])
    ]
    understand = reply_recording.understand_read

    def failing_on_boom(message, **kwargs):  # type: ignore[no-untyped-def]
        if "BOOM" in message.text_body:
            raise RuntimeError("a bug met in one message")
        return understand(message, **kwargs)

    monkeypatch.setattr(reply_recording, "understand_read", failing_on_boom)
    results = ingest_all(services, replies, REPLY_TIME)
    assert [r.status for r in results] == [
        InboundStatus.PROCESSED,
        InboundStatus.REVIEW,
        InboundStatus.PROCESSED,
    ]
    assert "a bug met in one message" in (results[1].reason or "")
    assert _updates(services) == [("3.1.2", "Green", "ok"), ("3.1.4", "Red", "stalled")]
    assert len(_acks(services)) == 2


def test_two_pollers_processing_one_stored_message_at_once_record_it_once(
    services: Services, database_url: str
) -> None:
    raw = outlook_reply(_request_to(services, HELENE), "3.1.2 Amber slipping")
    with services.uow_factory() as uow:  # stored by a poller that then died
        arrived = arrived_message(
            read_message(raw), "<reply-1@exchange.example.org>", raw, REPLY_TIME, "imap"
        )
        inbound_id = uow.inbound.add(arrived)
        uow.commit()
    assert inbound_id is not None
    other = make_services(database_url, services.settings.config_dir, services.settings.data_dir)
    start = threading.Barrier(2)
    results: list[IngestResult] = []

    def process(service: Services) -> None:
        start.wait()
        results.append(process_inbound(service, inbound_id, REPLY_TIME))

    threads = [threading.Thread(target=process, args=(s,)) for s in (services, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.duplicate for r in results) == [False, True]
    assert _updates(services) == [("3.1.2", "Amber", "slipping")]
    assert len(_acks(services)) == 1
    with services.uow_factory() as uow:
        assert uow.inbound.get(inbound_id).status == "processed"  # type: ignore[union-attr]


def _pdf_text(payload: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(payload)).pages)


@pytest.mark.slow  # renders the public and the private pack
def test_a_private_update_goes_only_into_the_private_pack_sent_with_the_public_one(
    services: Services, smtp: SmtpTestServer
) -> None:
    ingest_raw(
        services,
        outlook_reply(
            _request_to(services, HELENE),
            "3.1.4 Amber Private: review waits for the case conference\n3.1.2 Green on track",
        ),
        REPLY_TIME,
    )
    run_tick(services, datetime(2012, 3, 13, 9, 0, tzinfo=LONDON))  # the pack goes out
    pack = next(m.message for m in smtp.messages if m.message["Subject"].startswith("Agenda"))
    pdf_texts = {
        part.get_filename(): _pdf_text(part.get_content())
        for part in pack.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }
    public = next(text for name, text in pdf_texts.items() if "private" not in name)
    private = next(text for name, text in pdf_texts.items() if "private" in name)
    assert "case conference" not in public
    assert "case" in private and "conference" in private
    assert "on track" in public


def test_raw_messages_are_purged_after_retention_and_the_updates_stay(services: Services) -> None:
    ingest_raw(services, outlook_reply(_request_to(services, HELENE), "3.1.2 Green ok"), REPLY_TIME)
    assert purge_raw_messages(services, REPLY_TIME + timedelta(days=89)) == 0
    assert purge_raw_messages(services, REPLY_TIME + timedelta(days=91)) == 1
    with services.uow_factory() as uow:
        processed = uow.inbound.with_status(InboundStatus.PROCESSED)
        assert [uow.inbound.raw_of(m.id) for m in processed] == [None]
    assert _updates(services) == [("3.1.2", "Green", "ok")]


def test_a_held_update_is_released_by_the_coordinator(services: Services) -> None:
    ingest_raw(
        services,
        outlook_reply(
            _request_to(services, HELENE), "3.1.4 Amber call 01524 582000 for the details"
        ),
        REPLY_TIME,
    )
    with services.uow_factory() as uow:
        held = [u.id for u in uow.updates.all() if u.held_for_review]
    assert len(held) == 1
    release_update(services, held[0], REPLY_TIME + timedelta(days=1))
    with pytest.raises(UserError, match="not held"):
        release_update(services, held[0], REPLY_TIME + timedelta(days=1))
    with services.uow_factory() as uow:
        assert uow.updates.get(held[0]).released_at is not None  # type: ignore[union-attr]
