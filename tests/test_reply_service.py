"""What becomes of the mail that comes back, on the in-memory service: each lead's reply is
recorded once per action and acknowledged once; bounces, out-of-office replies and messages
from strangers are kept for what they are and never recorded as updates.

Every test starts from the update requests of 21 February 2012 (for the 20 March meeting)
of the shipped Lancaster configuration; the same paths over a real database, SMTP and IMAP
are in tests/test_inbox_service.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage
from scheduler.services.configuration import ConfigurationSource
from scheduler.services.inbox import ingest_raw
from scheduler.services.preview import status_report
from scheduler.services.reminders import run_tick
from tests.fakes import FakeUnitOfWork
from tests.in_memory_service import InMemoryService, in_memory_service
from tests.service_harness import copy_example_config
from tests.test_inbox_service import (
    HELENE,
    LONDON,
    REPLY_TIME,
    REQUEST_TIME,
    _request_to,
    outlook_reply,
)

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail" / "ours"
MEETING = date(2012, 3, 20)
GEMMA = "gemma.burton@example.org"  # Helene's delegate in people.yaml


@pytest.fixture
def lancaster(shipped_config: ConfigurationSource, tmp_path: Path) -> InMemoryService:
    service = in_memory_service(shipped_config, tmp_path)
    run_tick(service.services, REQUEST_TIME)  # the update requests go out
    return service


def _helenes_request(service: InMemoryService) -> OutboxMessage:
    return _request_to(service.services, HELENE)


def _updates(service: InMemoryService) -> list[tuple[str, Status | None, str]]:
    with service.services.uow_factory() as uow:
        return [(u.ref, u.status, u.text) for u in uow.updates.all()]


def _acknowledgements(service: InMemoryService) -> list[OutboxMessage]:
    with service.services.uow_factory() as uow:
        return [m for m in uow.outbox.all() if m.kind == NotificationKind.ACKNOWLEDGEMENT]


def _out_of_office(request: OutboxMessage, text: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = HELENE
    reply["To"] = f"csp-updates+{request.token}@lancaster.example.org"
    reply["Subject"] = f"Automatic reply: {request.subject}"
    reply["Auto-Submitted"] = "auto-replied"
    reply["Message-ID"] = "<ooo@exchange.example.org>"
    reply.set_content(text)
    return reply.as_bytes()


def _bounce_for(request: OutboxMessage, address: str) -> bytes:
    """Postfix's report that our request to `address` could not be delivered."""
    report = (MAIL / "dsn_bounce.eml").read_bytes()
    report = report.replace(b"p.hartley@probation.example.org", address.encode())
    assert request.token is not None
    return report.replace(b"k3j5q7mzx2wd4pa6tnbv", request.token.encode())


def test_a_reply_to_the_plus_address_records_one_update_per_action_line(
    lancaster: InMemoryService,
) -> None:
    # Given Helene's request, answered by a client that keeps no In-Reply-To header
    request = replace(_helenes_request(lancaster), message_id=None)
    body = "3.1.1 Complete - IDVA bid funded\n3.1.4 Amber: MARAC review slipping to May"
    # When her reply to the request's plus address arrives
    result = ingest_raw(lancaster.services, outlook_reply(request, body), REPLY_TIME)
    # Then one update is recorded for each action line, with its status and commentary
    assert (result.status, result.updates) == (InboundStatus.PROCESSED, 2)
    assert _updates(lancaster) == [
        ("3.1.1", Status.COMPLETE, "IDVA bid funded"),
        ("3.1.4", Status.AMBER, "MARAC review slipping to May"),
    ]


def test_a_reply_is_acknowledged_once_with_what_was_recorded(lancaster: InMemoryService) -> None:
    # Given Helene's reply on two actions, recorded
    reply = outlook_reply(_helenes_request(lancaster), "3.1.2 Green on track\n3.1.3 Red stalled")
    ingest_raw(lancaster.services, reply, REPLY_TIME)
    # When the next ticks run
    run_tick(lancaster.services, REPLY_TIME + timedelta(minutes=1))
    run_tick(lancaster.services, REPLY_TIME + timedelta(minutes=2))
    # Then she has one acknowledgement, listing both actions
    thanks = [e for e in lancaster.transport.sent_to(HELENE) if e.subject.startswith("Thank you")]
    assert len(thanks) == 1
    assert "3.1.2 Green" in thanks[0].text and "3.1.3 Red" in thanks[0].text


def test_a_reply_from_someone_who_is_neither_lead_nor_delegate_goes_to_review_with_the_reason(
    lancaster: InMemoryService,
) -> None:
    # Given a reply carrying Helene's token but sent by someone else
    reply = outlook_reply(
        _helenes_request(lancaster), "3.1.1 Complete", sender="someone.else@example.net"
    )
    # When it arrives
    result = ingest_raw(lancaster.services, reply, REPLY_TIME)
    # Then it waits for the coordinator, saying why, and nothing is recorded or acknowledged
    reason = "sender someone.else@example.net is not Helene Cooper or a delegate"
    assert result.needs_review and result.reason is not None
    assert result.reason.startswith(reason)
    with lancaster.services.uow_factory() as uow:
        in_review = [m.review_reason for m in uow.inbound.with_status(InboundStatus.REVIEW)]
    assert in_review == [result.reason]
    assert _updates(lancaster) == [] and _acknowledgements(lancaster) == []
    assert [e.event for e in lancaster.database.audit_log()][-1] == "inbound_review"


def test_a_delegate_may_reply_for_the_lead(lancaster: InMemoryService) -> None:
    reply = outlook_reply(_helenes_request(lancaster), "3.1.2 Red stalled", sender=GEMMA)
    result = ingest_raw(lancaster.services, reply, REPLY_TIME)
    assert result.status == InboundStatus.PROCESSED
    assert _updates(lancaster) == [("3.1.2", Status.RED, "stalled")]


def test_a_message_matching_no_email_we_sent_goes_to_review(lancaster: InMemoryService) -> None:
    stray = EmailMessage()
    stray["From"] = HELENE
    stray["To"] = "csp-updates@lancaster.example.org"
    stray["Subject"] = "Quick question"
    stray["Message-ID"] = "<stray@example.org>"
    stray.set_content("3.1.1 Green")
    result = ingest_raw(lancaster.services, stray.as_bytes(), REPLY_TIME)
    assert result.needs_review and "matches no email we sent" in (result.reason or "")
    assert _updates(lancaster) == []


def test_the_same_message_arriving_twice_is_recorded_and_acknowledged_once(
    lancaster: InMemoryService,
) -> None:
    # Given a reply already recorded
    raw = outlook_reply(_helenes_request(lancaster), "3.1.2 Green on track")
    first = ingest_raw(lancaster.services, raw, REPLY_TIME)
    # When the very same message is fetched again
    again = ingest_raw(lancaster.services, raw, REPLY_TIME + timedelta(minutes=5))
    # Then it is known as a duplicate of the first, and nothing more is recorded
    assert again.duplicate and again.inbound_id == first.inbound_id
    assert _updates(lancaster) == [("3.1.2", Status.GREEN, "on track")]
    assert len(_acknowledgements(lancaster)) == 1


def test_a_bounce_marks_the_address_failing_and_records_no_update(
    lancaster: InMemoryService,
) -> None:
    # Given the mail server's report that Helene's request could not be delivered
    bounce = _bounce_for(_helenes_request(lancaster), HELENE)
    # When it arrives
    result = ingest_raw(lancaster.services, bounce, REPLY_TIME)
    # Then her address is listed as failing, and nothing is recorded or answered
    assert (result.status, result.classification) == (InboundStatus.PROCESSED, "bounce")
    with lancaster.services.uow_factory() as uow:
        failing = [f.address for f in uow.inbound.failing_addresses()]
    assert failing == [HELENE]
    assert _updates(lancaster) == [] and _acknowledgements(lancaster) == []


def test_an_out_of_office_reply_is_recorded_as_away_and_never_answered(
    lancaster: InMemoryService,
) -> None:
    # Given Helene's automatic reply to her request
    away = _out_of_office(
        _helenes_request(lancaster),
        "I am out of the office until 5 March 2012 with no access to email.",
    )
    # When it arrives
    result = ingest_raw(lancaster.services, away, REPLY_TIME)
    # Then she is listed as away for the meeting until she is back, and no update is recorded
    assert (result.status, result.classification) == (InboundStatus.PROCESSED, "auto_reply")
    with lancaster.services.uow_factory() as uow:
        notices = [(a.address, a.away_until) for a in uow.inbound.away_for_meeting(MEETING)]
    assert notices == [(HELENE, date(2012, 3, 5))]
    assert _updates(lancaster) == [] and _acknowledgements(lancaster) == []


def test_complete_marks_every_milestone_of_the_action_done(lancaster: InMemoryService) -> None:
    # Given 3.1.4, with its Mapping and MARAC Review milestones
    reply = outlook_reply(_helenes_request(lancaster), "3.1.4 Complete all done")
    # When Helene reports it complete
    ingest_raw(lancaster.services, reply, REPLY_TIME)
    # Then both its milestones count as met, and no other action's
    plan = lancaster.services.config.current().plans[0][1]
    with lancaster.services.uow_factory() as uow:
        completed = uow.plans.completed_milestones(plan.name)
    assert completed == {("3.1.4", "Mapping"), ("3.1.4", "MARAC Review")}


def test_thanks_in_answer_to_an_acknowledgement_records_nothing_and_is_not_answered(
    lancaster: InMemoryService,
) -> None:
    # Given Helene's reply, recorded and acknowledged
    reply = outlook_reply(_helenes_request(lancaster), "3.1.2 Green fine")
    ingest_raw(lancaster.services, reply, REPLY_TIME)
    run_tick(lancaster.services, REPLY_TIME + timedelta(minutes=1))
    # When she answers the acknowledgement with thanks
    thanks = outlook_reply(
        _acknowledgements(lancaster)[0], "Thanks!", message_id="<thanks@exchange.example.org>"
    )
    result = ingest_raw(lancaster.services, thanks, REPLY_TIME + timedelta(hours=1))
    # Then nothing more is recorded or queued
    assert (result.status, result.updates) == (InboundStatus.PROCESSED, 0)
    assert _updates(lancaster) == [("3.1.2", Status.GREEN, "fine")]
    assert len(_acknowledgements(lancaster)) == 1


class Crash(BaseException):
    """The process dying at this line: its open transaction is dropped."""


def test_a_message_stored_before_a_crash_is_processed_once_when_it_comes_again(
    lancaster: InMemoryService,
) -> None:
    # Given a poller that stored Helene's reply and died before processing it
    raw = outlook_reply(_helenes_request(lancaster), "3.1.2 Amber slipping")
    database, commits = lancaster.database, []

    class DiesOnSecondCommit(FakeUnitOfWork):
        def commit(self) -> None:
            commits.append(1)
            if len(commits) == 2:
                raise Crash("processing interrupted")
            super().commit()

    working = lancaster.services.uow_factory
    lancaster.services.uow_factory = lambda: DiesOnSecondCommit(database)
    with pytest.raises(Crash):
        ingest_raw(lancaster.services, raw, REPLY_TIME)
    lancaster.services.uow_factory = working
    # When the same message is fetched again
    result = ingest_raw(lancaster.services, raw, REPLY_TIME + timedelta(minutes=5))
    # Then it is processed once, as if nothing had happened
    assert (result.status, result.updates) == (InboundStatus.PROCESSED, 1)
    assert _updates(lancaster) == [("3.1.2", Status.AMBER, "slipping")]
    assert len(_acknowledgements(lancaster)) == 1


def test_an_unmatched_message_with_a_very_long_message_id_goes_to_review(
    lancaster: InMemoryService,
) -> None:
    stray = EmailMessage()
    stray["From"] = HELENE
    stray["To"] = "csp-updates@lancaster.example.org"
    stray["Subject"] = "Quick question"
    stray["Message-ID"] = "<" + "x" * 600 + "@example.org>"
    stray.set_content("3.1.1 Green")
    result = ingest_raw(lancaster.services, stray.as_bytes(), REPLY_TIME)
    assert result.needs_review


def test_personal_data_holds_only_the_update_whose_commentary_has_it(
    lancaster: InMemoryService,
) -> None:
    # Given a reply on two actions, one of which gives a phone number
    body = "3.1.2 Green on track\n3.1.4 Amber victim now on 01524 582000, re-referred"
    # When it is recorded
    ingest_raw(lancaster.services, outlook_reply(_helenes_request(lancaster), body), REPLY_TIME)
    # Then only that update is held for the coordinator; the other goes into packs as usual
    with lancaster.services.uow_factory() as uow:
        held = [(u.ref, u.held, u.personal_data_kinds) for u in uow.updates.all()]
    assert held == [("3.1.2", False, ()), ("3.1.4", True, ("phone number",))]


def test_csp_status_lists_each_held_update_with_the_id_that_releases_it(
    lancaster: InMemoryService,
) -> None:
    # Given Helene's reply, one line of which gives a postcode
    body = "3.1.2 Green on track\n3.1.4 Amber family moved to LA1 4XQ"
    ingest_raw(lancaster.services, outlook_reply(_helenes_request(lancaster), body), REPLY_TIME)
    # When the coordinator asks where things stand
    config = lancaster.services.config.current()
    with lancaster.services.uow_factory() as uow:
        report = status_report(config, uow, REPLY_TIME, None)
        held_id = next(u.id for u in uow.updates.all() if u.held)
    # Then the held update is listed, by the id `csp updates release` takes
    assert [(h.id, h.ref, h.lead_name, h.personal_data_kinds) for h in report.held] == [
        (held_id, "3.1.4", "Helene Cooper", ("postcode",))
    ]


def test_the_agenda_pack_email_says_how_many_updates_are_held_and_how_to_release_them(
    lancaster: InMemoryService,
) -> None:
    # Given a held update on 3.1.4 and a publishable one on 3.1.2
    body = "3.1.2 Green on track\n3.1.4 Amber victim now on 01524 582000"
    ingest_raw(lancaster.services, outlook_reply(_helenes_request(lancaster), body), REPLY_TIME)
    with lancaster.services.uow_factory() as uow:
        held_id = next(u.id for u in uow.updates.all() if u.held)
    # When the agenda pack goes to the coordinator, a week before the meeting
    run_tick(lancaster.services, datetime(2012, 3, 13, 9, 0, tzinfo=LONDON))
    # Then its email names the held update and the command that releases it
    pack = next(e for e in lancaster.sent if e.subject.startswith("Agenda"))
    assert "The commentary of one update is held out of the pack" in pack.text
    assert f"- 3.1.4, update {held_id} (phone number)" in pack.text
    assert f"csp updates release {held_id}" in pack.text
    assert "01524" not in pack.text


def _reply_from(sender: str, request: OutboxMessage, body: str) -> bytes:
    """`outlook_reply`, sent by `sender` as written in its From header."""
    reply = message_from_bytes(outlook_reply(request, body), policy=policy.default)
    reply.replace_header("From", sender)
    return reply.as_bytes()


@pytest.mark.parametrize(
    ("sender", "addressed_to"),
    [
        ("Gemma Burton <gemma.burton@example.org>", "Gemma Burton <gemma.burton@example.org>"),
        ('"Burton, Gemma" <gemma.burton@example.org>', "Gemma Burton <gemma.burton@example.org>"),
        ("gemma.burton@example.org", "gemma.burton@example.org"),
    ],
)
def test_a_delegates_acknowledgement_is_addressed_to_the_delegate_not_the_lead(
    lancaster: InMemoryService, sender: str, addressed_to: str
) -> None:
    # Given Gemma's reply for Helene, whose delegate she is
    reply = _reply_from(sender, _helenes_request(lancaster), "3.1.2 Red stalled")
    # When it is recorded and acknowledged
    ingest_raw(lancaster.services, reply, REPLY_TIME)
    run_tick(lancaster.services, REPLY_TIME + timedelta(minutes=1))
    # Then the acknowledgement goes to her under her own name (or none), never Helene's
    (thanks,) = lancaster.transport.sent_to(GEMMA)
    assert str(thanks.message["To"]) == addressed_to
    greeting = addressed_to.partition(" <")[0] if "<" in addressed_to else "colleague"
    assert thanks.text.splitlines()[0] == f"Dear {greeting},"
    assert "Helene Cooper" in thanks.text  # whom she replied for


def test_a_leads_acknowledgement_greets_the_lead_by_the_name_in_people_yaml(
    lancaster: InMemoryService,
) -> None:
    reply = _reply_from(
        "Cooper, Helene <helene.cooper@example.org>", _helenes_request(lancaster), "3.1.2 Green"
    )
    ingest_raw(lancaster.services, reply, REPLY_TIME)
    run_tick(lancaster.services, REPLY_TIME + timedelta(minutes=1))
    (thanks,) = [e for e in lancaster.transport.sent_to(HELENE) if e.subject.startswith("Thank")]
    assert str(thanks.message["To"]) == "Helene Cooper <helene.cooper@example.org>"
    assert thanks.text.splitlines()[0] == "Dear Helene Cooper,"


def test_a_reply_after_the_next_meeting_has_started_goes_to_review_as_late(
    shipped_config: ConfigurationSource, tmp_path: Path
) -> None:
    # Given Helene's update request for the December meeting
    service = in_memory_service(shipped_config, tmp_path)
    run_tick(service.services, datetime(2011, 11, 15, 9, 0, tzinfo=LONDON))
    request = _helenes_request(service)
    assert request.meeting == date(2011, 12, 13)
    # When her reply comes after the March meeting has started
    reply = outlook_reply(request, "3.1.2 Green on track")
    result = ingest_raw(service.services, reply, datetime(2012, 3, 20, 10, 30, tzinfo=LONDON))
    # Then it waits for the coordinator as late, and nothing is recorded or acknowledged
    assert (result.status, result.reason) == (
        InboundStatus.REVIEW,
        "late, for meeting 13 December 2011",
    )
    assert _updates(service) == [] and _acknowledgements(service) == []


@pytest.mark.parametrize(
    ("arrives", "recorded"),
    [
        (datetime(2012, 4, 3, 9, 59, tzinfo=LONDON), True),
        (datetime(2012, 4, 3, 10, 0, tzinfo=LONDON), False),
    ],
)
def test_replies_close_the_set_number_of_days_after_the_meeting_starts(
    tmp_path: Path, arrives: datetime, recorded: bool
) -> None:
    # Given a policy that records replies for 14 days after the meeting of 20 March, 10:00
    config_dir = copy_example_config(tmp_path)
    policy_file = config_dir / "policy.yaml"
    policy = policy_file.read_text(encoding="utf-8")
    policy_file.write_text(
        policy.replace("replies_close_days_after: next meeting", "replies_close_days_after: 14"),
        encoding="utf-8",
    )
    service = in_memory_service(ConfigurationSource(config_dir), tmp_path)
    assert service.services.config.current().policy.replies_close_days_after == 14
    run_tick(service.services, REQUEST_TIME)
    # When Helene's reply arrives on 3 April, just before or at 10:00
    reply = outlook_reply(_helenes_request(service), "3.1.2 Green on track")
    result = ingest_raw(service.services, reply, arrives)
    # Then it is recorded until replies close, and goes to review as late from then on
    if recorded:
        assert (result.status, result.updates) == (InboundStatus.PROCESSED, 1)
    else:
        assert (result.status, result.reason) == (
            InboundStatus.REVIEW,
            "late, for meeting 20 March 2012",
        )


COUNCIL_MX = "mx.lancaster.example.org"  # the council's own receiving server
SPOOFED = "dmarc=fail (p=QUARANTINE) header.from=example.org; spf=fail smtp.mailfrom=example.org"


def _received_with(verdict: str, raw: bytes) -> bytes:
    """`raw` as the receiving server hands it on, its Authentication-Results on top."""
    return f"Authentication-Results: {verdict}\n".encode() + raw


def test_a_reply_the_trusted_server_failed_on_dmarc_goes_to_review_not_to_the_record(
    lancaster: InMemoryService,
) -> None:
    # Given a service that believes the council's mail server, which failed the reply's DMARC
    lancaster.services.settings = replace(
        lancaster.services.settings, trusted_authserv_id=COUNCIL_MX
    )
    reply = outlook_reply(_helenes_request(lancaster), "3.1.1 Complete - IDVA bid funded")
    # When it arrives
    result = ingest_raw(
        lancaster.services, _received_with(f"{COUNCIL_MX}; {SPOOFED}", reply), REPLY_TIME
    )
    # Then it waits for the coordinator with the server's verdict; nothing is recorded
    assert (result.status, result.reason) == (
        InboundStatus.REVIEW,
        f"sender authentication failed at {COUNCIL_MX}: dmarc=fail (From domain example.org)",
    )
    assert _updates(lancaster) == [] and _acknowledgements(lancaster) == []


@pytest.mark.parametrize(
    ("trusted", "verdict"),
    [
        (COUNCIL_MX, f"mx.elsewhere.example.net; {SPOOFED}"),  # another server's word
        (None, f"{COUNCIL_MX}; {SPOOFED}"),  # no server trusted: as before
        (COUNCIL_MX, f"{COUNCIL_MX}; dkim=pass header.d=example.org; spf=pass; dmarc=pass"),
    ],
)
def test_a_reply_is_recorded_unless_the_trusted_server_failed_it(
    lancaster: InMemoryService, trusted: str | None, verdict: str
) -> None:
    lancaster.services.settings = replace(lancaster.services.settings, trusted_authserv_id=trusted)
    reply = outlook_reply(_helenes_request(lancaster), "3.1.2 Green on track")
    result = ingest_raw(lancaster.services, _received_with(verdict, reply), REPLY_TIME)
    assert (result.status, result.updates) == (InboundStatus.PROCESSED, 1)
