"""The dry run: the real rules over a virtual clock, and the JSON each email becomes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain_examples import COORDINATOR, HELENE, IAN, lancaster_meetings, lancaster_plan

from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.simulation import (
    default_subject,
    notification_to_json,
    simulate,
)

LONDON = ZoneInfo("Europe/London")
YEAR_START = datetime(2011, 4, 1, tzinfo=LONDON)
YEAR_END = datetime(2012, 4, 30, 23, 59, tzinfo=LONDON)
Kind = NotificationKind


def simulate_year(
    start: datetime = YEAR_START, end: datetime = YEAR_END, coordinator: str | None = COORDINATOR
) -> tuple[Notification, ...]:
    return simulate(
        lancaster_plan(),
        lancaster_meetings(),
        Policy(),
        start=start,
        end=end,
        coordinator_email=coordinator,
    )


def test_the_lancaster_year_sends_88_emails_in_time_order() -> None:
    emails = simulate_year()

    assert len(emails) == 88
    assert [n.send_at for n in emails] == sorted(n.send_at for n in emails)


def test_no_key_is_sent_twice_across_the_simulated_year() -> None:
    keys = [n.key for n in simulate_year()]

    assert len(keys) == len(set(keys))


def test_assuming_no_replies_every_chaser_goes_and_no_addendum() -> None:
    kinds = [n.kind for n in simulate_year()]

    assert kinds.count(Kind.UPDATE_REQUEST) == 20
    assert kinds.count(Kind.UPDATE_CHASER) == 40
    assert kinds.count(Kind.AGENDA_PACK) == 4
    assert kinds.count(Kind.DEADLINE_REMINDER) == 16
    assert kinds.count(Kind.OVERDUE_NOTICE) == 8
    assert Kind.AGENDA_ADDENDUM not in kinds


def test_the_first_emails_of_the_year_are_helenes_april_reminders() -> None:
    first = simulate_year()[:3]

    assert [(n.kind, n.send_at) for n in first] == [
        (Kind.DEADLINE_REMINDER, datetime(2011, 4, 15, 8, 0, tzinfo=UTC)),
        (Kind.DEADLINE_REMINDER, datetime(2011, 4, 28, 8, 0, tzinfo=UTC)),
        (Kind.OVERDUE_NOTICE, datetime(2011, 5, 3, 8, 0, tzinfo=UTC)),
    ]
    assert {n.to for n in first} == {(HELENE,)}


def test_a_window_shows_only_what_is_scheduled_inside_it() -> None:
    # Given a window opening after the September update requests went (23 August)
    emails = simulate_year(start=datetime(2011, 9, 1, tzinfo=LONDON))

    # Then nothing from before is caught up: the first email is the 14-day chaser
    assert emails[0].key.startswith("update_chaser/2011-09-20/14/")
    assert not [n for n in emails if n.send_at < datetime(2011, 9, 1, tzinfo=LONDON)]


def test_the_end_of_the_window_is_included() -> None:
    emails = simulate_year(end=datetime(2011, 5, 24, 9, 0, tzinfo=LONDON))

    assert emails[-1].key == "update_request/2011-06-21/tracie.ogara@example.org"
    assert len(emails) == 4 + 5


def test_without_a_coordinator_no_packs_are_simulated() -> None:
    emails = simulate_year(coordinator=None)

    assert len(emails) == 84
    assert Kind.AGENDA_PACK not in {n.kind for n in emails}


def test_json_carries_time_with_its_utc_offset_kind_recipients_subject_meeting_refs() -> None:
    request = next(n for n in simulate_year() if n.kind is Kind.UPDATE_REQUEST)

    shape = notification_to_json(request)

    assert shape == {
        "at": "2011-05-24T09:00:00+01:00",
        "kind": "update_request",
        "to": [HELENE],
        "subject": "Update request: CSP meeting 21 June 2011",
        "meeting": "2011-06-21",
        "refs": ["3.1.1", "3.1.2", "3.1.3", "3.1.4"],
    }
    assert json.loads(json.dumps(shape)) == shape


def test_json_of_a_winter_email_shows_offset_zero_and_no_meeting() -> None:
    reminder = next(n for n in simulate_year() if n.key == f"deadline_reminder/2012-03-16/{IAN}")

    shape = notification_to_json(reminder)

    assert shape["at"] == "2012-03-16T09:00:00+00:00"
    assert shape["meeting"] is None
    assert shape["refs"] == ["3.5.1", "3.5.2", "3.5.3"]


def test_json_takes_the_subject_from_the_templates_when_given() -> None:
    pack = next(n for n in simulate_year() if n.kind is Kind.AGENDA_PACK)

    shape = notification_to_json(pack, subject_for=lambda n: f"[CSP] {n.kind.value}")

    assert shape["subject"] == "[CSP] agenda_pack"
    assert shape["to"] == [COORDINATOR]


def test_default_subjects_say_what_each_email_is_about() -> None:
    at = datetime(2011, 6, 7, 9, tzinfo=LONDON)
    june = date(2011, 6, 21)
    due = MilestoneRef("3.1.1", "Deadline", date(2011, 4, 30))
    later = MilestoneRef("3.1.4", "Mapping", date(2011, 5, 31))

    def subject(
        kind: NotificationKind,
        meeting: date | None = None,
        refs: tuple[str, ...] = (),
        milestones: tuple[MilestoneRef, ...] = (),
    ) -> str:
        notification = Notification(
            f"{kind.value}/x",
            kind,
            at,
            ("a@example.org",),
            meeting=meeting,
            refs=refs,
            milestones=milestones,
        )
        return default_subject(notification)

    assert (
        subject(Kind.UPDATE_CHASER, meeting=june)
        == "Reminder, update needed: CSP meeting 21 June 2011"
    )
    assert subject(Kind.AGENDA_PACK, meeting=june) == "Agenda pack: CSP meeting 21 June 2011"
    assert (
        subject(Kind.AGENDA_ADDENDUM, meeting=june)
        == "Agenda addendum, late updates: CSP meeting 21 June 2011"
    )
    assert (
        subject(Kind.DEADLINE_REMINDER, refs=("3.1.1",), milestones=(due,))
        == "Deadline 30 April 2011: 3.1.1"
    )
    assert (
        subject(Kind.DEADLINE_REMINDER, refs=("3.1.1", "3.1.4"), milestones=(due, later))
        == "Deadlines from 30 April 2011: 3.1.1, 3.1.4"
    )
    assert subject(Kind.OVERDUE_NOTICE, refs=("3.1.1",), milestones=(due,)) == "Overdue: 3.1.1"
