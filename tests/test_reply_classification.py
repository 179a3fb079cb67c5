"""Replies, automatic replies and bounces told apart, and the facts each one carries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scheduler.domain.replies.classification import (
    MessageClass,
    MessageSignals,
    classify,
)
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.return_dates import away_until

MAIL = Path(__file__).resolve().parent / "fixtures" / "mail" / "ours"
TOKEN = "k3j5q7mzx2wd4pa6tnbv"


def _message(*headers: str, body: str = "3.1.1 Green\n") -> bytes:
    default = {
        "From": "Jane Fairclough <jane.fairclough@police.example.org>",
        "To": f"csp-updates+{TOKEN}@lancaster.example.org",
        "Subject": f"RE: Update request [CSP:{TOKEN}]",
    }
    names = {h.split(":", 1)[0].lower() for h in headers}
    lines = [f"{k}: {v}" for k, v in default.items() if k.lower() not in names]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n" + body).encode("utf-8")


def test_a_dsn_with_auto_reply_headers_is_a_bounce() -> None:
    # given a Postfix bounce that also says Auto-Submitted: auto-replied
    message = read_message((MAIL / "dsn_bounce.eml").read_bytes())
    # then it is a bounce naming the failed address, not an automatic reply
    assert message.classification is MessageClass.BOUNCE
    assert message.bounced_recipients == ("p.hartley@probation.example.org",)
    assert message.token == TOKEN


def test_an_exchange_out_of_office_without_rfc3834_headers_is_known_by_its_subject() -> None:
    message = read_message((MAIL / "exchange_out_of_office.eml").read_bytes())
    assert message.classification is MessageClass.AUTO_REPLY
    assert message.classification_reason.startswith("subject 'Automatic reply:")
    assert message.away_until == date(2011, 7, 4)


def test_an_rfc3834_auto_reply_gives_its_return_date() -> None:
    message = read_message((MAIL / "rfc3834_auto_reply.eml").read_bytes())
    assert message.classification is MessageClass.AUTO_REPLY
    assert message.classification_reason == "Auto-Submitted: auto-replied (vacation)"
    assert message.away_until == date(2011, 7, 5)


def test_x_auto_response_suppress_does_not_make_a_reply_automatic() -> None:
    # given Outlook's reply, which asks for no auto-responses to itself
    message = read_message((MAIL / "outlook_desktop_top_posted.eml").read_bytes())
    assert (
        b"X-Auto-Response-Suppress: All" in (MAIL / "outlook_desktop_top_posted.eml").read_bytes()
    )
    # then it is still a person's reply
    assert message.classification is MessageClass.REPLY


def test_auto_submitted_no_is_a_person_writing() -> None:
    message = read_message(_message("Auto-Submitted: no"))
    assert message.classification is MessageClass.REPLY


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-replied; owner-email=jane@police.example.org",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: auto_reply",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: list",
        "X-MS-Exchange-Inbox-Rules-Loop: jane.fairclough@police.example.org",
        "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
        "Subject: Out of Office: Update request",
        "Subject: Abwesenheitsnotiz: Update request",
        "Subject: Autoreply: Update request",
        "Return-Path: <>",
    ],
)
def test_automatic_messages_are_recognised_by_any_one_sign(header: str) -> None:
    message = read_message(_message(header))
    assert message.classification is MessageClass.AUTO_REPLY


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        ("MAILER-DAEMON@mx1.lancaster.example.org", "Undelivered Mail Returned to Sender"),
        ("postmaster@police.example.org", "Undeliverable: Update request"),
        ("Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification"),
    ],
)
def test_bounces_without_a_report_part_are_known_by_sender_and_subject(
    sender: str, subject: str
) -> None:
    body = (
        "Hi. This is the qmail-send program.\n\n<p.hartley@probation.example.org>:\nNo mailbox.\n"
    )
    message = read_message(_message(f"From: {sender}", f"Subject: {subject}", body=body))
    assert message.classification is MessageClass.BOUNCE
    assert message.bounced_recipients == ("p.hartley@probation.example.org",)


def test_a_person_writing_about_a_failed_delivery_is_not_a_bounce() -> None:
    message = read_message(_message("Subject: Undeliverable: my earlier reply, resending"))
    assert message.classification is MessageClass.REPLY


def test_a_read_receipt_report_is_automatic_not_a_bounce() -> None:
    signals = MessageSignals(
        headers=(), content_type="multipart/report", report_type="disposition-notification"
    )
    assert classify(signals).kind is MessageClass.AUTO_REPLY


def test_a_message_answering_nothing_is_unknown() -> None:
    raw = _message("To: csp-updates@lancaster.example.org", "Subject: Funding question")
    assert read_message(raw).classification is MessageClass.UNKNOWN


@pytest.mark.parametrize(
    ("text", "returning"),
    [
        ("I will return on 5 July 2011.", date(2011, 7, 5)),
        ("I am out of the office until Monday 4th July.", date(2011, 7, 4)),
        ("Back on Monday 4th July with limited access to email.", date(2011, 7, 4)),
        ("I'll be back in the office on July 5, 2011", date(2011, 7, 5)),
        ("I am on leave from 20 June to 1 July.", date(2011, 7, 1)),
        ("Returning 04/07/2011.", date(2011, 7, 4)),
        ("I will be back on Monday.", date(2011, 6, 6)),
        ("Back tomorrow.", date(2011, 6, 2)),
        ("I am back on 3 January.", date(2012, 1, 3)),
    ],
)
def test_away_until_reads_the_return_date(text: str, returning: date) -> None:
    # given an out-of-office sent on Wednesday 1 June 2011
    assert away_until(text, sent_on=date(2011, 6, 1)) == returning


@pytest.mark.parametrize(
    "text",
    [
        "I am out of the office from 20 June.",
        "Thank you for your email about the meeting on 21 June 2011.",
        "I am away with no access to email.",
        "I will return on 31 June.",
    ],
)
def test_away_until_gives_nothing_without_a_return_date(text: str) -> None:
    assert away_until(text, sent_on=date(2011, 6, 1)) is None


@pytest.mark.parametrize(
    ("text", "returning"),
    [
        ("Byddaf yn ôl ar 4 Gorffennaf 2011.", date(2011, 7, 4)),
        ("Rydw i allan o'r swyddfa tan ddydd Llun 4 Gorffennaf.", date(2011, 7, 4)),
        ("Byddaf yn dychwelyd ar y 4ydd o Orffennaf.", date(2011, 7, 4)),
        ("Rwyf ar wyliau hyd 1 Gorffennaf.", date(2011, 7, 1)),
        ("Byddaf yn ôl ddydd Llun.", date(2011, 6, 6)),
        ("Byddaf yn ôl yfory.", date(2011, 6, 2)),
        ("Rwy'n dychwelyd 04/07/2011.", date(2011, 7, 4)),
        ("Byddaf yn ôl ar 3 Ionawr.", date(2012, 1, 3)),
    ],
)
def test_away_until_reads_a_welsh_return_date(text: str, returning: date) -> None:
    # given a Welsh out-of-office sent on Wednesday 1 June 2011
    assert away_until(text, sent_on=date(2011, 6, 1)) == returning


def test_a_welsh_tuesday_is_not_taken_for_march() -> None:
    # "dydd Mawrth" is Tuesday; "Mawrth" alone after a day number is March
    assert away_until("Yn ôl ddydd Mawrth.", sent_on=date(2011, 6, 1)) == date(2011, 6, 7)
    assert away_until("Yn ôl ar 7 Mawrth 2012.", sent_on=date(2011, 6, 1)) == date(2012, 3, 7)


def test_away_until_needs_the_message_date_for_a_date_without_a_year() -> None:
    assert away_until("Back on 4 July.", sent_on=None) is None
    assert away_until("Back on 4 July 2011.", sent_on=None) == date(2011, 7, 4)


@pytest.mark.parametrize(
    "subject",
    [
        "Ateb Awtomatig: Update request",
        "Allan o'r swyddfa: Update request",
        "Allan o’r swyddfa",
        "Automatic reply: Update request",
        "[EXTERNAL] Automatic reply: Update request",
        "Jane Fairclough is out of the office.",
        "AUTO: Jane Fairclough is out of the office (returning 04/07/2011)",
        "Réponse automatique : Update request",
        "Abwesenheitsnotiz: Update request",
        "Automatische Antwort: Update request",
        "Automatisch antwoord: Update request",
        "Respuesta automática: Update request",
        "Risposta automatica: Update request",
        "Resposta automática: Update request",
        "Odpowiedź automatyczna: Update request",
        "Automatisk svar: Update request",
        "Autosvar: Update request",
        "Update request (Out of Office)",
    ],
)
def test_an_out_of_office_is_known_by_its_subject_when_headers_say_nothing(subject: str) -> None:
    message = read_message(_message(f"Subject: {subject}", body="Thank you for your email.\n"))
    assert message.classification is MessageClass.AUTO_REPLY


@pytest.mark.parametrize(
    ("body", "returning"),
    [
        ("I am out of the office until Monday 4th July with no access to email.", date(2011, 7, 4)),
        (
            "Hello,\n\nThank you for your email. I am currently out of the office until "
            "4 July 2011. For urgent MARAC matters please call the duty desk.",
            date(2011, 7, 4),
        ),
        ("I'm on annual leave until 4 July, back Monday 4th.", date(2011, 7, 4)),
        (
            "I will be out of the office starting 01/06/2011 and will not return until "
            "04/07/2011.\n\nI will respond to your message when I return.",
            date(2011, 7, 4),
        ),
        ("Out of office until 4 July.", date(2011, 7, 4)),
        ("Rydw i allan o'r swyddfa tan ddydd Llun 4 Gorffennaf.", date(2011, 7, 4)),
        (
            "Diolch am eich e-bost. Rwyf allan o’r swyddfa ar hyn o bryd. "
            "Byddaf yn ôl ar 4 Gorffennaf 2011.\n\nThank you for your email. I am out of "
            "the office and will be back on 4 July 2011.",
            date(2011, 7, 4),
        ),
        ("Ateb awtomatig yw hwn. Rydw i ar wyliau tan 4 Gorffennaf.", date(2011, 7, 4)),
        ("Je suis absente du bureau jusqu'au 04/07/2011.", date(2011, 7, 4)),
        ("Ich bin bis zum 04.07.2011 nicht im Büro.", date(2011, 7, 4)),
        ("Ik ben afwezig tot 04-07-2011.", date(2011, 7, 4)),
        ("Estoy fuera de la oficina hasta el 04/07/2011.", date(2011, 7, 4)),
        ("Sono fuori ufficio fino al 04/07/2011.", date(2011, 7, 4)),
        ("Estou fora do escritório até 04/07/2011.", date(2011, 7, 4)),
        ("Jestem poza biurem do 04.07.2011.", date(2011, 7, 4)),
        ("Jeg er på ferie til 04.07.2011.", date(2011, 7, 4)),
        ("Jag är på semester till 04.07.2011.", date(2011, 7, 4)),
        ("I am away from the office with limited access to email.\n\nSent from my iPhone", None),
    ],
)
def test_an_out_of_office_is_known_by_its_first_lines_when_headers_say_nothing(
    body: str, returning: date | None
) -> None:
    # given an out-of-office that looks like a reply: a reply subject and no automatic headers
    raw = _message("Date: Wed, 1 Jun 2011 09:05:00 +0100", body=body + "\n")
    # when it is read
    message = read_message(raw)
    # then it is an automatic reply with the return date it gives
    assert message.classification is MessageClass.AUTO_REPLY
    assert message.away_until == returning


@pytest.mark.parametrize(
    "body",
    [
        "Sorry for the slow reply, I was out of the office last week.\n\n3.1.1 Green review booked",
        "I am out of the office tomorrow, so here is my update:\n3.1.1 Green review booked",
        "I'm away until Monday but all on track for the review.",
        "Apologies, I've been on leave. 3.1.2 Amber two sessions held",
        "Roeddwn i allan o'r swyddfa wythnos diwethaf.\n3.1.1 Green",
        "The team was out of the office for training on 20 June.\n3.1.2 Amber",
    ],
)
def test_a_reply_that_mentions_being_out_of_the_office_is_still_a_reply(body: str) -> None:
    message = read_message(_message(body=body + "\n"))
    assert message.classification is MessageClass.REPLY
