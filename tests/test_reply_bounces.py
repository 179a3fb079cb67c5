"""Bounces and complaints known by their text when nothing else tells, and the addresses that
failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.adapters.database import make_engine, upgrade_schema
from scheduler.domain.replies.bounces import body_bounce, failed_recipients, text_bounce
from scheduler.domain.replies.classification import MessageClass
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.reading import understand_message
from scheduler.domain.replies.records import InboundStatus
from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import run_tick
from tests.service_harness import copy_example_config, make_services

BOUNCES = Path(__file__).resolve().parent / "fixtures" / "mail" / "bounces"
LONDON = ZoneInfo("Europe/London")
# Each fixture and the addresses it reports failing for good; see fixtures/mail/SOURCES.md.
FAILED = {
    "exim.eml": ("s.whittaker@fire.example.org",),
    "postfix.eml": ("p.hartley@probation.example.org",),
    "qmail.eml": ("d.moss@yot.example.org",),
    "sendmail.eml": ("k.ronson@health.example.org",),
    "exchange_2010.eml": ("jane.fairclough@police.example.org",),
    "exchange_2003.eml": ("r.ashworth@council.example.org",),
    "office365.eml": ("m.ibbotson@citycouncil.example.org",),
    "lotus_domino.eml": ("rachel.ashworth@council.example.org",),
    "gmail.eml": ("tracie.ogara@gmail.example.com",),
    "gmail_legacy.eml": ("kevin.marsh@gmail.example.com",),
    "postfix_delayed.eml": (),
    "arf_abuse_report.eml": ("n.bibby@mailservice.example.net",),
    "arf_redacted_recipient.eml": ("helene.cooper@mailservice.example.net",),
    "ses_bounce.eml": ("a.wright@lancashire.example.org",),
    "ses_complaint_sns_json.eml": ("s.gregson@lancashire.example.org",),
    "sendgrid_events.eml": ("l.parkinson@morecambe.example.org",),
    "mailgun_event.eml": ("g.hartley@lancashire.example.org",),
}


def test_every_bounce_fixture_has_an_expectation() -> None:
    assert sorted(FAILED) == sorted(path.name for path in BOUNCES.glob("*.eml"))


@pytest.mark.parametrize(("name", "failed"), sorted(FAILED.items()))
def test_a_bounce_without_a_report_part_is_known_and_names_the_failed_address(
    name: str, failed: tuple[str, ...]
) -> None:
    # given a bounce, complaint or delay notice whose headers we do not rely on
    raw = (BOUNCES / name).read_bytes()
    # when it is read
    message = read_message(raw)
    # then it is a bounce, never a reply or an out-of-office, naming the address that failed
    assert message.classification is MessageClass.BOUNCE, message.classification_reason
    assert message.bounced_recipients == failed
    assert message.away_until is None


@pytest.mark.parametrize("name", sorted(name for name in FAILED if not name.startswith("arf_")))
def test_the_notice_alone_tells_a_bounce_and_its_failed_address(name: str) -> None:
    # given only the text of the notice: no headers, no report part
    body = read_message((BOUNCES / name).read_bytes()).text_body
    # then its wording is enough
    found = body_bounce(body, excluded={"csp-updates@lancaster.example.org"})
    assert found is not None
    assert found.recipients == FAILED[name]


def test_a_bounce_with_every_out_of_office_sign_is_still_a_bounce() -> None:
    # given a notice with an out-of-office's subject and headers and a return date in its copy
    raw = (
        b"Return-Path: <>\r\nAuto-Submitted: auto-replied\r\n"
        b"From: Mail Delivery System <mailgw@relay.example.org>\r\n"
        b"To: csp-updates+k3j5q7mzx2wd4pa6tnbv@lancaster.example.org\r\n"
        b"Subject: Automatic reply: Update request [CSP:k3j5q7mzx2wd4pa6tnbv]\r\n\r\n"
        b"This is the mail system at host relay.example.org.\r\n\r\n"
        b"<jane.fairclough@police.example.org>: mailbox unavailable\r\n\r\n"
        b"I am out of the office until 4 July 2011.\r\n"
    )
    # when it is read
    message = read_message(raw)
    # then it marks the address failing and no one away
    assert message.classification is MessageClass.BOUNCE
    assert message.bounced_recipients == ("jane.fairclough@police.example.org",)
    assert message.away_until is None


@pytest.mark.parametrize("name", sorted(FAILED))
def test_a_bounce_yields_no_update_and_no_reply_text(name: str) -> None:
    reading = understand_message((BOUNCES / name).read_bytes(), known_refs={"3.1.1", "3.4.1"})
    assert reading.content.updates == ()
    assert reading.content.unstructured_text is None
    assert reading.reply_text == ""


@pytest.mark.parametrize(
    "body",
    [
        "3.1.1 Green. The invite could not be delivered to the old panel address, so I resent it.",
        "Your message wasn't delivered to the board in time, so 3.1.2 is Amber.",
        "This is the mail system we use for referrals; 3.1.3 Red until it is replaced.",
        '{"status": "green", "note": "3.1.1 done"}',
    ],
)
def test_a_reply_that_talks_about_delivery_is_not_a_bounce(body: str) -> None:
    raw = (
        "From: Jane Fairclough <jane.fairclough@police.example.org>\r\n"
        "To: csp-updates+k3j5q7mzx2wd4pa6tnbv@lancaster.example.org\r\n"
        "Subject: RE: Update request [CSP:k3j5q7mzx2wd4pa6tnbv]\r\n\r\n" + body + "\r\n"
    ).encode()
    assert read_message(raw).classification is MessageClass.REPLY


def test_a_lead_forwarding_a_bounce_with_words_of_their_own_is_a_reply() -> None:
    bounce = (BOUNCES / "qmail.eml").read_text(encoding="utf-8")
    raw = (
        "From: Jane Fairclough <jane.fairclough@police.example.org>\r\n"
        "To: csp-updates+k3j5q7mzx2wd4pa6tnbv@lancaster.example.org\r\n"
        "Subject: FW: failure notice\r\n\r\n"
        "3.1.1 Green. Dawn has left the YOT; please send hers to Mark.\r\n\r\n"
        "---------- Forwarded message ---------\r\n" + bounce
    ).encode()
    assert read_message(raw).classification is MessageClass.REPLY


def test_our_own_and_daemon_addresses_are_never_taken_for_the_failed_one() -> None:
    # given a notice that names only the sender's own and the postmaster's addresses
    text = (
        "This is the mail system at host relay.example.org.\n\n"
        "<csp-updates+k3j5q7mzx2wd4pa6tnbv@lancaster.example.org>: mailbox full\n"
        "<postmaster@relay.example.org>: see above\n"
    )
    found = text_bounce(text, excluded={"csp-updates@lancaster.example.org"})
    # then it is a bounce that names no failed recipient
    assert found is not None
    assert found.recipients == ()


def test_failed_recipients_skips_delayed_and_delivered_ones() -> None:
    report = (
        "Reporting-MTA: dns; mx1.example.org\n\n"
        "Final-Recipient: rfc822; a@example.org\nAction: delayed\nStatus: 4.4.1\n\n"
        "Final-Recipient: rfc822; B@Example.org\nAction: failed\nStatus: 5.1.1\n\n"
        "Original-Recipient: rfc822;c@example.org\nStatus: 5.2.2\n\n"
        "Final-Recipient: rfc822; d@example.org\nAction: delivered\nStatus: 2.0.0\n"
    )
    assert failed_recipients(report) == ("b@example.org", "c@example.org")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    folder = tmp_path_factory.mktemp("bounces")
    url = f"sqlite:///{folder / 'csp.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    services = make_services(url, copy_example_config(folder), folder / "data")
    run_tick(services, datetime(2012, 2, 21, 9, 0, tzinfo=LONDON))
    yield services
    engine.dispose()


@pytest.mark.parametrize("name", ["exim.eml", "qmail.eml", "office365.eml", "ses_bounce.eml"])
def test_the_service_marks_the_address_failing_and_neither_records_nor_answers(
    services: Services, name: str
) -> None:
    # given the update requests already sent, and a bounce answering one of them
    now = datetime(2012, 2, 21, 9, 30, tzinfo=LONDON)
    with services.uow_factory() as uow:
        sent_before = len(uow.outbox.all())
    # when the bounce is ingested
    result = ingest_raw(services, (BOUNCES / name).read_bytes(), now, source="test")
    # then the address is failing, nothing is recorded and nothing is sent in answer
    assert result.status == InboundStatus.PROCESSED
    with services.uow_factory() as uow:
        failing = {f.address for f in uow.inbound.failing_addresses()}
        assert set(FAILED[name]) <= failing
        assert len(uow.outbox.all()) == sent_before
        assert uow.updates.for_inbound(result.inbound_id) == []
