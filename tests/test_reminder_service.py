"""Which reminders go, to whom and how often, on the in-memory service: the update requests of
21 February 2012 (for the 20 March meeting) of the shipped Lancaster configuration, the
chasers and deadline reminders after them, and what sending does when the mail server
refuses, is out of reach, or is slower than a claim's lease.

The same rules over a real database and SMTP server are in tests/test_sending_exactly_once.py
and tests/test_daemon_year.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.adapters.mail_transport import PermanentFailure, TemporaryFailure
from scheduler.clock import Clock
from scheduler.domain.schedule.meeting import meeting_starts
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.services.app import Services
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.delivery import LEASE, DeliveryReport, SenderState, deliver_pending
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import run_tick
from tests.fakes import FixedClock, SentEmail, SteppingClock
from tests.in_memory_service import InMemoryService, in_memory_service
from tests.test_inbox_service import HELENE, REPLY_TIME, _request_to, outlook_reply

LONDON = ZoneInfo("Europe/London")
NINE = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)  # the update requests' moment
MEETING = date(2012, 3, 20)
MEETING_STARTS = datetime(2012, 3, 20, 10, 0, tzinfo=LONDON)
IAN = "ian.dawson@example.org"
LEADS = sorted(
    [
        HELENE,
        "tracie.ogara@example.org",
        "kyran.ronson@example.org",
        "michelle.emery@example.org",
        IAN,
    ]
)


@pytest.fixture
def service(shipped_config: ConfigurationSource, tmp_path: Path) -> InMemoryService:
    """The shipped configuration over an empty in-memory database: nothing sent yet."""
    return in_memory_service(shipped_config, tmp_path)


def _recipients(emails: list[SentEmail]) -> list[str]:
    return sorted(address for email in emails for address in email.recipients)


def _deadline_emails_to(service: InMemoryService, address: str) -> list[str]:
    """Subjects of the deadline reminders and overdue notices `address` received."""
    return [
        e.subject
        for e in service.transport.sent_to(address)
        if e.subject.startswith(("Due ", "Overdue:")) or " milestones due soon" in e.subject
    ]


def _requests(service: InMemoryService) -> list[OutboxMessage]:
    with service.services.uow_factory() as uow:
        return uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST, MEETING)


def _deliver(services: Services, clock: Clock) -> DeliveryReport:
    config = services.config.current()
    return deliver_pending(
        services.uow_factory,
        services.open_transport,
        clock,
        services.worker,
        meeting_starts=meeting_starts(config.meetings),
    )


def _queued_while_the_server_is_down(service: InMemoryService, at: datetime) -> None:
    """The tick at `at` with the mail server out of reach: its emails wait in the outbox."""
    service.transport.unreachable = "cannot reach 127.0.0.1:25 (none): ConnectionRefusedError"
    run_tick(service.services, at)
    service.transport.unreachable = None


def test_the_update_request_moment_sends_one_request_to_each_lead(service: InMemoryService) -> None:
    # Given the shipped plan, people and meetings
    # When the tick runs at 09:00 on 21 February 2012, 28 days before the March meeting
    run_tick(service.services, NINE)
    # Then each of the five leads has one update request for that meeting
    assert _recipients(service.sent) == LEADS
    assert {e.subject.split(" [CSP:")[0] for e in service.sent} == {
        "Update please: Lancaster District Community Safety Partnership meeting, 20 March 2012"
    }


def test_a_second_tick_sends_nothing_more(service: InMemoryService) -> None:
    # Given the update requests sent at 09:00
    run_tick(service.services, NINE)
    # When the tick runs again at the same moment, and a minute later
    again = run_tick(service.services, NINE)
    later = run_tick(service.services, NINE + timedelta(minutes=1))
    # Then nothing more is queued or sent
    assert (again.queued, later.queued, again.delivery.sent, later.delivery.sent) == (0, 0, 0, 0)
    assert _recipients(service.sent) == LEADS


def test_the_chaser_is_not_sent_to_a_lead_who_replied(service: InMemoryService) -> None:
    # Given the update requests, and Helene's reply to hers
    run_tick(service.services, NINE)
    reply = outlook_reply(_request_to(service.services, HELENE), "3.1.2 Green on track")
    ingest_raw(service.services, reply, REPLY_TIME)
    # When the chasers are due, 14 days before the meeting
    run_tick(service.services, datetime(2012, 3, 6, 9, 0, tzinfo=LONDON))
    # Then the four leads who have not replied are chased, and Helene is not
    chased = [e for e in service.sent if e.subject.startswith("Reminder: update")]
    assert _recipients(chased) == [lead for lead in LEADS if lead != HELENE]


def test_complete_stops_the_later_deadline_reminders_of_that_action_only(
    service: InMemoryService,
) -> None:
    # Given Helene's 3.1.2 (End Date 31 March 2012) reported complete in February
    run_tick(service.services, NINE)
    reply = outlook_reply(_request_to(service.services, HELENE), "3.1.2 Complete launched")
    ingest_raw(service.services, reply, REPLY_TIME)
    # When the last deadline reminder (30 March) and the overdue notice (2 April) are due
    run_tick(service.services, datetime(2012, 3, 30, 9, 0, tzinfo=LONDON))
    run_tick(service.services, datetime(2012, 4, 2, 9, 0, tzinfo=LONDON))
    # Then Helene has neither, and Ian, whose actions are still open, has both
    assert _deadline_emails_to(service, HELENE) == []
    assert [subject.split(" [CSP:")[0] for subject in _deadline_emails_to(service, IAN)] == [
        "3 milestones due soon",
        "Overdue: 3 milestones",
    ]


def test_a_temporary_refusal_defers_the_email_for_a_minute_then_it_goes_once(
    service: InMemoryService,
) -> None:
    # Given a mail server that refuses Ian's address for now
    service.transport.refuse(IAN, TemporaryFailure("refused: 451 4.2.1 mailbox busy"))
    # When the update requests go out
    report = run_tick(service.services, NINE)
    # Then the other four are sent and Ian's waits, with the server's reason
    assert (report.delivery.sent, report.delivery.retried) == (4, 1)
    waiting = [
        (m.to, m.attempts, m.last_error) for m in _requests(service) if m.status == "pending"
    ]
    assert waiting == [((IAN,), 1, "refused: 451 4.2.1 mailbox busy")]
    # And once the server takes it, it goes after a minute's wait, once
    service.transport.accept(IAN)
    assert _deliver(service.services, FixedClock(NINE + timedelta(seconds=50))).sent == 0
    assert _deliver(service.services, FixedClock(NINE + timedelta(minutes=2))).sent == 1
    assert len(service.transport.sent_to(IAN)) == 1


def test_a_permanent_refusal_marks_the_email_failed_with_an_audit_entry(
    service: InMemoryService,
) -> None:
    # Given a mail server that knows no Ian
    refusal = "recipients refused: ian.dawson@example.org: 550 5.1.1 no such user"
    service.transport.refuse(IAN, PermanentFailure(refusal))
    # When the update requests go out, and the ticks after them run
    run_tick(service.services, NINE)
    run_tick(service.services, NINE + timedelta(hours=2))
    # Then Ian's request is given up at once, with the reason, and the others are sent
    failed = [(m.to, m.last_error) for m in _requests(service) if m.status == "failed"]
    assert failed == [((IAN,), refusal)]
    assert _recipients(service.sent) == [lead for lead in LEADS if lead != IAN]
    # And the audit log says which email failed and why
    audit = [e for e in service.database.audit_log() if e.event == "send_failed"]
    ians = next(m for m in _requests(service) if m.to == (IAN,))
    assert [(e.subject, e.detail["reason"]) for e in audit] == [(ians.key, refusal)]


def test_a_mail_server_out_of_reach_defers_every_email_and_loses_none(
    service: InMemoryService,
) -> None:
    # Given a mail server out of reach at 09:00
    service.transport.unreachable = "cannot reach 127.0.0.1:25 (none): ConnectionRefusedError"
    # When the update requests are due
    report = run_tick(service.services, NINE)
    # Then all five wait in the outbox
    assert (report.delivery.sent, report.delivery.retried) == (0, 5)
    assert {m.status for m in _requests(service)} == {OutboxStatus.PENDING}
    # And go, once each, when it is back
    service.transport.unreachable = None
    run_tick(service.services, NINE + timedelta(minutes=5))
    run_tick(service.services, NINE + timedelta(minutes=10))
    assert _recipients(service.sent) == LEADS


def test_an_email_whose_meeting_started_while_it_waited_is_skipped(
    service: InMemoryService,
) -> None:
    # Given the update requests waiting in the outbox since 21 February
    _queued_while_the_server_is_down(service, NINE)
    # When they could at last be sent, but the meeting has started
    report = _deliver(service.services, FixedClock(MEETING_STARTS))
    # Then none is sent, and each says why
    assert report.sent == 0 and service.sent == []
    assert {(m.status, m.reason) for m in _requests(service)} == {
        (OutboxStatus.SKIPPED, "its meeting has passed")
    }


def test_emails_claimed_by_a_worker_that_died_go_once_its_lease_runs_out(
    service: InMemoryService,
) -> None:
    # Given the update requests claimed at 09:02 by a worker that then died
    _queued_while_the_server_is_down(service, NINE)
    with service.services.uow_factory() as uow:
        claimed = uow.outbox.claim("worker-that-died", NINE + timedelta(minutes=2), LEASE, 100)
        uow.commit()
    assert len(claimed) == 5
    # When another worker looks while the lease holds, and again after it ran out
    during = _deliver(service.services, FixedClock(NINE + timedelta(minutes=2, seconds=30)))
    after = _deliver(service.services, FixedClock(NINE + timedelta(minutes=3, seconds=30)))
    # Then it sends nothing the first time, and each request once the second
    assert (during.sent, after.sent) == (0, 5)
    assert _recipients(service.sent) == LEADS


def test_a_batch_slower_than_its_lease_keeps_its_claim_and_nothing_goes_twice(
    service: InMemoryService,
) -> None:
    # Given five requests waiting, a server taking half a minute a message, and a second
    # worker (another process) that looks at the outbox 90 s into the batch (past the first
    # lease)
    _queued_while_the_server_is_down(service, NINE)
    second_worker = replace(service.services, worker="worker-2", sender=SenderState())
    start = NINE + timedelta(minutes=2)
    seen_by_second: list[DeliveryReport] = []

    def second_worker_looks(email: SentEmail) -> None:
        if len(service.sent) == 3:
            at = FixedClock(start + timedelta(seconds=90))
            seen_by_second.append(_deliver(second_worker, at))

    service.transport.after_send = second_worker_looks
    # When the first worker sends the batch
    report = _deliver(service.services, SteppingClock(start, step=timedelta(seconds=30)))
    # Then it renewed its claim in time: the second worker found nothing to send
    assert [r.sent for r in seen_by_second] == [0]
    assert report.sent == 5 and _recipients(service.sent) == LEADS
