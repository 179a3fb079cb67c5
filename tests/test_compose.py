"""Composing each kind of email: headers, token, both alternatives, escaping, calendar."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain.errors import ConfigError
from scheduler.domain.plan.model import Milestone
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind
from scheduler.services.compose import (
    REPLY_MARKER,
    ActionLine,
    EmailContext,
    MilestoneLine,
    check_templates,
    compose_message,
    new_message_id,
    new_token,
    plus_address,
    subject_line,
    token_from_subject,
)
from scheduler.services.email_parts import Attachment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2011, 5, 24, 8, 0, 5, tzinfo=UTC)
TOKEN = "abcdefghijklmnopqrst"
MESSAGE_ID = "<csp.0123456789abcdef@example.org>"
MEETING = Meeting(date(2011, 6, 21), time(10, 0), "Lancaster Town Hall", "CSP meeting")
MARAC = MilestoneRef("3.1.4", "MARAC Review", date(2011, 6, 7))
ACTIONS = (
    ActionLine(
        ref="3.1.4",
        action="Develop a MARAC for high-risk victims of domestic abuse",
        timescale="Sept 2011",
        milestones=(Milestone("MARAC Review", date(2011, 9, 30)),),
        last_status=Status.AMBER,
        last_commentary="Waiting for <script>alert('x')</script> partners",
        last_update=date(2011, 3, 12),
    ),
    ActionLine(ref="3.1.5", action="Run a awareness campaign", timescale="March 2012"),
)


def at_nine(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=LONDON)


def context(kind: NotificationKind, **changes: object) -> EmailContext:
    cc = ("coordinator@example.org",) if kind is NotificationKind.OVERDUE_NOTICE else ()
    notification = Notification(
        key=f"{kind.value}:jane",
        kind=kind,
        send_at=datetime(2011, 5, 24, 9, 0, tzinfo=LONDON),
        to=("jane.smith@example.org",),
        cc=cc,
        lead_name="Jane Smith",
        meeting=MEETING.date,
        refs=("3.1.4", "3.1.5"),
        milestones=(MARAC,),
    )
    values: dict[str, object] = {
        "notification": notification,
        "lead_name": "Jane Smith",
        "partnership": "Lancaster CSP",
        "timezone": "Europe/London",
        "coordinator_name": "Sam Green",
        "coordinator_email": "coordinator@example.org",
        "actions": ACTIONS,
        "meeting": MEETING,
        "milestones": (MilestoneLine(MARAC, "Develop a MARAC"),),
        "reply_by": date(2011, 6, 14),
        "recorded": (
            ActionUpdate("3.1.4", Status.GREEN, "Mapping finished", NOW, "jane.smith@example.org"),
        ),
        "problems": ("3.9.9 is not one of your actions",),
    }
    values.update(changes)
    return EmailContext(**values)  # type: ignore[arg-type]


def compose(ctx: EmailContext, **changes: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "token": TOKEN,
        "message_id": MESSAGE_ID,
        "from_address": "csp-updates@example.org",
        "reply_to": "csp-updates@example.org",
        "templates_dir": TEMPLATES,
        "now": NOW,
    }
    arguments.update(changes)
    return compose_message(ctx, **arguments)  # type: ignore[arg-type]


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def calendars(msg: EmailMessage) -> list[str]:
    found = []
    for part in msg.iter_attachments():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found.append(payload.decode("utf-8"))
    return found


def reparsed(msg: EmailMessage) -> EmailMessage:
    """The message as the outbox stores it and the transport reads it back."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_has_the_headers_token_and_both_alternatives(kind: NotificationKind) -> None:
    # Given a due notification of this kind
    # When it is composed and read back from bytes
    msg = reparsed(compose(context(kind)))
    # Then the headers say who, what and how to reply, and both alternatives are there
    assert msg["From"] == "Lancaster CSP <csp-updates@example.org>"
    assert msg["To"] == "Jane Smith <jane.smith@example.org>"
    assert msg["Reply-To"].addresses[0].addr_spec == f"csp-updates+{TOKEN}@example.org"
    assert msg["Subject"].endswith(f" [CSP:{TOKEN}]")
    assert token_from_subject(msg["Subject"]) == TOKEN
    assert msg["Message-ID"] == MESSAGE_ID
    assert msg["Date"].datetime == NOW
    expected = "auto-replied" if kind is NotificationKind.ACKNOWLEDGEMENT else "auto-generated"
    assert msg["Auto-Submitted"] == expected
    assert msg["X-Auto-Response-Suppress"] is None, "we want to see out-of-office replies"
    assert text_of(msg).strip() and "Lancaster CSP" in text_of(msg)
    assert html_of(msg).lstrip().startswith("<!DOCTYPE html>")
    alternatives = [p.get_content_type() for p in msg.walk() if p.get_content_maintype() == "text"]
    assert alternatives[:2] == ["text/plain", "text/html"]


@pytest.mark.parametrize("kind", [NotificationKind.UPDATE_REQUEST, NotificationKind.UPDATE_CHASER])
def test_update_requests_list_every_action_and_how_to_reply(kind: NotificationKind) -> None:
    # Given a lead with two actions, one with a milestone and an earlier update
    # When the request (or chaser) is composed
    msg = compose(context(kind))
    text, html = text_of(msg), html_of(msg)
    # Then the text opens with the reply marker and lists each action with what we know
    assert text.splitlines()[0] == REPLY_MARKER
    assert REPLY_MARKER in html
    assert html.index(REPLY_MARKER) < html.index("Dear Jane Smith")
    for body in (text, html):
        assert "3.1.4" in body and "3.1.5" in body
        assert "MARAC Review, 30 September 2011" in body
        assert "Amber" in body and "12 March 2011" in body
        assert "3.1.4 Green Mapping finished, review on schedule" in body
        assert "Green, Amber, Red or Complete" in body
        assert "Tuesday 21 June 2011 at 10:00" in body
        assert "Tuesday 14 June 2011" in body
    assert (
        "3.1.5 Run a awareness campaign\n  Timescale: March 2012\n  Last update: none yet" in text
    )


def test_commentary_is_escaped_in_html_and_kept_verbatim_in_text() -> None:
    # Given a last commentary holding markup
    # When the request is composed
    msg = compose(context(NotificationKind.UPDATE_REQUEST))
    # Then the HTML shows it as text, never as a script
    assert "<script>" not in html_of(msg)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html_of(msg)
    assert "Waiting for <script>alert('x')</script> partners" in text_of(msg)


def test_meeting_emails_carry_the_meeting_as_a_calendar_event() -> None:
    for kind in (NotificationKind.UPDATE_REQUEST, NotificationKind.AGENDA_PACK):
        (calendar,) = calendars(compose(context(kind)))
        assert "DTSTART;TZID=Europe/London:20110621T100000\r\n" in calendar
        assert "UID:csp-meeting-2011-06-21@example.org\r\n" in calendar
        assert calendar.count("BEGIN:VEVENT") == 1


def test_deadline_emails_carry_one_all_day_event_per_milestone() -> None:
    # Given a reminder about two milestones
    second = MilestoneRef("3.1.5", "Campaign launch", date(2011, 6, 10))
    lines = (MilestoneLine(MARAC, "Develop a MARAC"), MilestoneLine(second, "Run a campaign"))
    for kind in (NotificationKind.DEADLINE_REMINDER, NotificationKind.OVERDUE_NOTICE):
        # When composed
        msg = compose(context(kind, milestones=lines))
        # Then the calendar holds both, as all-day events, and the subject counts them
        (calendar,) = calendars(msg)
        assert calendar.count("BEGIN:VEVENT") == 2
        assert "DTSTART;VALUE=DATE:20110607\r\n" in calendar
        assert "DTSTART;VALUE=DATE:20110610\r\n" in calendar
        assert "2 milestones" in msg["Subject"]


def test_acknowledgements_and_addenda_carry_no_calendar() -> None:
    for kind in (NotificationKind.ACKNOWLEDGEMENT, NotificationKind.AGENDA_ADDENDUM):
        assert calendars(compose(context(kind))) == []


def test_deadline_reminder_says_when_each_milestone_is_due() -> None:
    msg = compose(context(NotificationKind.DEADLINE_REMINDER))
    assert msg["Subject"] == f"Due 7 June 2011: MARAC Review (3.1.4) [CSP:{TOKEN}]"
    assert "Due Tuesday 7 June 2011 (in 14 days)" in text_of(msg)
    assert "3.1.4 Complete" in text_of(msg)
    assert text_of(msg).splitlines()[0] == REPLY_MARKER


def test_overdue_notice_says_the_coordinator_is_copied_when_they_are() -> None:
    # Given an overdue milestone, a day late, with the coordinator on copy
    late = MilestoneRef("3.1.4", "MARAC Review", date(2011, 5, 23))
    ctx = context(NotificationKind.OVERDUE_NOTICE, milestones=(MilestoneLine(late, "MARAC"),))
    # When composed
    msg = reparsed(compose(ctx))
    # Then the Cc names the coordinator and the text says so
    assert msg["Cc"] == "Sam Green <coordinator@example.org>"
    assert "Sam Green is copied on this email." in text_of(msg)
    assert "Sam Green is copied on this email." in html_of(msg)
    assert "Was due Monday 23 May 2011 (yesterday)" in text_of(msg)


def late(kind: NotificationKind, due: date, scheduled: datetime) -> EmailContext:
    """An email about one milestone due on `due`, scheduled for `scheduled`."""
    milestone = MilestoneRef("3.1.4", "Mapping", due)
    ctx = context(kind, milestones=(MilestoneLine(milestone, "Develop a MARAC"),))
    notification = replace(ctx.notification, send_at=scheduled, milestones=(milestone,))
    return replace(ctx, notification=notification)


def test_a_reminder_rendered_a_week_late_names_the_real_distance_to_the_deadline() -> None:
    # Given a reminder for 31 May, scheduled for 17 May, held up by downtime
    ctx = late(NotificationKind.DEADLINE_REMINDER, date(2011, 5, 31), at_nine(2011, 5, 17))
    # When it is composed on 24 May
    msg = compose(ctx, now=at_nine(2011, 5, 24))
    # Then both alternatives count from the day it is sent
    assert "Due Tuesday 31 May 2011 (in 7 days)" in text_of(msg)
    assert "Tuesday 31 May 2011 (in 7 days)" in html_of(msg)
    assert "in 14 days" not in text_of(msg) + html_of(msg)


def test_an_overdue_notice_sent_a_week_after_the_due_date_says_so() -> None:
    # Given an overdue notice for 31 May, scheduled for 1 June
    ctx = late(NotificationKind.OVERDUE_NOTICE, date(2011, 5, 31), at_nine(2011, 6, 1))
    # When it is composed on 7 June
    msg = compose(ctx, now=at_nine(2011, 6, 7))
    # Then it says the milestone was due a week ago, not yesterday
    assert "Was due Tuesday 31 May 2011 (7 days ago)" in text_of(msg)
    assert "Tuesday 31 May 2011 (7 days ago)" in html_of(msg)
    assert "yesterday" not in text_of(msg) + html_of(msg)


def test_relative_dates_count_from_the_partnerships_local_day() -> None:
    # Given a reminder for 25 May composed at 23:30 UTC on 24 May, 00:30 on 25 May in London
    ctx = late(NotificationKind.DEADLINE_REMINDER, date(2011, 5, 25), at_nine(2011, 5, 11))
    msg = compose(ctx, now=datetime(2011, 5, 24, 23, 30, tzinfo=UTC))
    # Then the deadline is today, as the lead reading it in London would say
    assert "Due Wednesday 25 May 2011 (today)" in text_of(msg)


def test_overdue_notice_without_a_coordinator_does_not_claim_one_is_copied() -> None:
    ctx = context(NotificationKind.OVERDUE_NOTICE, coordinator_email=None)
    notification = ctx.notification
    ctx = context(
        NotificationKind.OVERDUE_NOTICE,
        coordinator_email=None,
        notification=Notification(
            key=notification.key,
            kind=notification.kind,
            send_at=notification.send_at,
            to=notification.to,
        ),
    )
    msg = compose(ctx)
    assert msg["Cc"] is None
    assert "copied" not in text_of(msg)


def test_acknowledgement_lists_what_was_recorded_and_what_was_not() -> None:
    # Given a reply that recorded 3.1.4 and named an action that does not exist
    # When the acknowledgement is composed, threaded to the lead's reply
    ctx = context(NotificationKind.ACKNOWLEDGEMENT, thread=("<req@example.org>", "<r@x.org>"))
    msg = compose(ctx)
    text = text_of(msg)
    # Then it says exactly what went in, what did not, and threads under the reply
    assert "3.1.4 Green\n  Mapping finished" in text
    assert "- 3.9.9 is not one of your actions" in text
    assert "3.9.9 is not one of your actions" in html_of(msg)
    assert msg["In-Reply-To"] == "<r@x.org>"
    assert msg["References"] == "<req@example.org> <r@x.org>"
    assert msg["Auto-Submitted"] == "auto-replied"


def test_acknowledgement_of_an_email_with_nothing_in_it_says_so() -> None:
    ctx = context(NotificationKind.ACKNOWLEDGEMENT, recorded=(), problems=())
    assert "could not find any updates" in text_of(compose(ctx))


def test_agenda_addendum_leaves_out_private_and_held_updates() -> None:
    # Given three late updates, one private and one held for review
    updates = (
        ActionUpdate("3.1.4", Status.GREEN, "Review held", NOW, "jane.smith@example.org"),
        ActionUpdate(
            "3.1.5", Status.RED, "Staff issue", NOW, "jane.smith@example.org", private=True
        ),
        ActionUpdate("3.1.6", None, "Unclear reply", NOW, "x@example.org", held_for_review=True),
    )
    # When the addendum is composed
    msg = compose(context(NotificationKind.AGENDA_ADDENDUM, recorded=updates))
    # Then only the public, reviewed update is shown
    for body in (text_of(msg), html_of(msg)):
        assert "Review held" in body
        assert "Staff issue" not in body and "Unclear reply" not in body


def test_a_syntax_error_in_a_shared_partial_is_found_at_start_up(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES / "email", tmp_path / "email")
    (tmp_path / "email" / "_actions.txt").write_text("{% for a in actions %}\n")
    with pytest.raises(ConfigError) as caught:
        check_templates(tmp_path)
    assert caught.value.source.endswith("_actions.txt")


def test_agenda_pack_attaches_the_pack_and_mentions_it() -> None:
    # Given the pack as a PDF
    pack = Attachment("agenda-pack-2011-06-21.pdf", b"%PDF-1.4 fake")
    # When the agenda pack email is composed with it
    msg = compose(context(NotificationKind.AGENDA_PACK), attachments=[pack])
    # Then the PDF and the meeting calendar are both attached and the text says so
    names = {part.get_filename(): part.get_content_type() for part in msg.iter_attachments()}
    assert names == {
        "agenda-pack-2011-06-21.pdf": "application/pdf",
        "meeting-2011-06-21.ics": "text/calendar",
    }
    assert "is attached (agenda-pack-2011-06-21.pdf)" in text_of(msg)
    assert "3.1.4 Amber" in text_of(msg) and "3.1.5 no update yet" in text_of(msg)


def test_calendar_keeps_crlf_line_ends_through_the_wire_format() -> None:
    msg = reparsed(compose(context(NotificationKind.UPDATE_REQUEST)))
    (calendar,) = calendars(msg)
    assert calendar.startswith("BEGIN:VCALENDAR\r\n") and calendar.endswith("END:VCALENDAR\r\n")
    assert re.search(r"(?<!\r)\n", calendar) is None


def test_new_tokens_are_20_characters_of_lowercase_base32_and_differ() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"[a-z2-7]{20}", token) for token in tokens)


def test_new_message_ids_are_unique_and_in_our_domain() -> None:
    first, second = new_message_id("example.org"), new_message_id("example.org")
    assert first != second
    assert re.fullmatch(r"<csp\.[0-9a-f]{32}@example\.org>", first)


def test_plus_address_inserts_the_token_before_the_domain() -> None:
    assert plus_address("csp-updates@example.org", TOKEN) == f"csp-updates+{TOKEN}@example.org"
    assert plus_address("CSP <csp@example.org>", TOKEN) == f"csp+{TOKEN}@example.org"
    with pytest.raises(ConfigError, match="CSP_REPLY_TO"):
        plus_address("not-an-address", TOKEN)


def test_a_malformed_token_is_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        compose(context(NotificationKind.UPDATE_REQUEST), token="ABC\r\nBcc: x@y")


def test_subject_line_is_one_line_without_the_tag() -> None:
    subject = subject_line(context(NotificationKind.UPDATE_REQUEST), TEMPLATES)
    assert subject == "Update please: Lancaster CSP meeting, 21 June 2011"


def test_shipped_templates_all_load() -> None:
    check_templates(TEMPLATES)


def test_a_template_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    # Given a copy of the templates with a broken tag on line 3 of the chaser's text
    shutil.copytree(TEMPLATES / "email", tmp_path / "email")
    broken = tmp_path / "email" / "update_chaser.txt"
    broken.write_text("{{ marker }}\n\n{% if lead_name %}Dear\n")
    # When the templates are checked
    with pytest.raises(ConfigError) as caught:
        check_templates(tmp_path)
    # Then the error says which file and where
    assert caught.value.source.endswith("update_chaser.txt")
    assert caught.value.line == 3


def test_an_unknown_name_in_a_template_names_the_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES / "email", tmp_path / "email")
    (tmp_path / "email" / "update_request.txt").write_text("{{ marker }}\n{{ lead_nmae }}\n")
    with pytest.raises(ConfigError) as caught:
        compose(context(NotificationKind.UPDATE_REQUEST), templates_dir=tmp_path)
    assert caught.value.source.endswith("update_request.txt")
    assert caught.value.line == 2
    assert "lead_nmae" in caught.value.message
