"""The whole 2011/12 year through the real daemon job, a real database and a real SMTP server:
every email arrives once, to the right person, at 09:00 local time on a working day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from jobs import reminders
from scheduler.adapters.database import make_engine, upgrade_schema
from tests.conftest import BACKENDS, fresh_database
from tests.service_harness import COORDINATOR, SetClock, copy_example_config, make_services
from tests.smtp_server import SmtpTestServer

# A year of ticks, with four agenda packs rendered, on each database: tens of seconds.
pytestmark = pytest.mark.slow

LONDON = ZoneInfo("Europe/London")
HELENE = "helene.cooper@example.org"
LEADS = [
    HELENE,
    "tracie.ogara@example.org",
    "kyran.ronson@example.org",
    "michelle.emery@example.org",
    "ian.dawson@example.org",
]


def _meeting_emails(request: str, chasers: tuple[str, str], pack: str) -> list[tuple]:
    emails = [(request, "update_request", lead) for lead in LEADS]
    for day in chasers:
        emails += [(day, "update_chaser", lead) for lead in LEADS]
    return emails + [(pack, "agenda_pack", COORDINATOR)]


# Worked out by hand from the policy: request 28 days before, chasers 14 and 10 days before,
# pack 7 days before; weekends and bank holidays move to the previous working day.
EXPECTED = sorted(
    _meeting_emails("2011-05-24", ("2011-06-07", "2011-06-10"), "2011-06-14")
    + _meeting_emails("2011-08-23", ("2011-09-06", "2011-09-09"), "2011-09-13")
    + _meeting_emails("2011-11-15", ("2011-11-29", "2011-12-02"), "2011-12-06")
    + _meeting_emails("2012-02-21", ("2012-03-06", "2012-03-09"), "2012-03-13")
    + [
        # 3.1.1 due Sat 30 Apr 2011: 14 days before is Sat 16 Apr -> Fri 15 Apr; on the day
        # -> Fri 29 Apr is the royal wedding holiday -> Thu 28 Apr; overdue Sun 1 May -> the
        # early May bank holiday Mon 2 May -> Tue 3 May.
        ("2011-04-15", "deadline_reminder", HELENE),
        ("2011-04-28", "deadline_reminder", HELENE),
        ("2011-05-03", "overdue_notice", HELENE),
        # 3.1.4 Mapping due Tue 31 May 2011; MARAC Review due Fri 30 Sep 2011.
        ("2011-05-17", "deadline_reminder", HELENE),
        ("2011-05-31", "deadline_reminder", HELENE),
        ("2011-06-01", "overdue_notice", HELENE),
        ("2011-09-16", "deadline_reminder", HELENE),
        ("2011-09-30", "deadline_reminder", HELENE),
        ("2011-10-03", "overdue_notice", HELENE),
    ]
    # Every lead has something due Sat 31 Mar 2012: Fri 16 Mar, Fri 30 Mar, overdue Mon 2 Apr.
    + [
        (day, kind, lead)
        for lead in LEADS
        for day, kind in (
            ("2012-03-16", "deadline_reminder"),
            ("2012-03-30", "deadline_reminder"),
            ("2012-04-02", "overdue_notice"),
        )
    ]
)


def _tick_times(first: date, last: date) -> list[datetime]:
    """Every day at 13:30, and a minute before and at nine on each day the list has mail.

    An email due at any other moment would go at a tick that is not nine or on another day,
    and every tick after a send is a chance to send it twice.
    """
    send_days = {date.fromisoformat(day) for day, _, _ in EXPECTED}
    times = []
    day = first
    while day <= last:
        moments = (time(8, 59), time(9, 0), time(13, 30)) if day in send_days else (time(13, 30),)
        times.extend(datetime.combine(day, moment, tzinfo=LONDON) for moment in moments)
        day += timedelta(days=1)
    return times


@pytest.fixture(scope="module", params=BACKENDS)
def year_of_email(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One year of ticks, run once per database for all the tests below."""
    tmp_path = tmp_path_factory.mktemp("year")
    with fresh_database(request.param, tmp_path) as database_url, SmtpTestServer() as smtp:
        engine = make_engine(database_url)
        upgrade_schema(engine)
        services = make_services(
            database_url, copy_example_config(tmp_path), tmp_path / "data", smtp_port=smtp.port
        )
        # The job reads the time only from the clock it is given (the send batch adds the
        # real milliseconds it takes to each message's sent_at, which nothing here reads).
        ticks = _tick_times(date(2011, 4, 1), date(2012, 4, 10))
        clock = SetClock(ticks[0])
        for moment in ticks:
            clock.set(moment)
            reminders.tick(services, clock)
        yield services, smtp.messages
        engine.dispose()


def test_every_email_of_the_year_arrives_once_to_the_right_person_on_the_right_day(
    year_of_email,  # type: ignore[no-untyped-def]
) -> None:
    services, messages = year_of_email
    with services.uow_factory() as uow:
        kind_by_message_id = {row.message_id: row.kind for row in uow.outbox.all()}
    received = sorted(
        (
            datetime.strptime(m.message["Date"], "%a, %d %b %Y %H:%M:%S %z")
            .astimezone(LONDON)
            .date()
            .isoformat(),
            kind_by_message_id[m.message["Message-ID"]],
            m.message["To"].addresses[0].addr_spec,
        )
        for m in messages
    )
    assert received == EXPECTED


def test_nothing_is_sent_twice(year_of_email) -> None:  # type: ignore[no-untyped-def]
    _, messages = year_of_email
    message_ids = Counter(m.message["Message-ID"] for m in messages)
    assert len(messages) == len(EXPECTED) == 88
    assert max(message_ids.values()) == 1


def test_every_email_goes_at_nine_local_time_across_both_clock_changes(
    year_of_email,  # type: ignore[no-untyped-def]
) -> None:
    _, messages = year_of_email
    sent = [datetime.strptime(m.message["Date"], "%a, %d %b %Y %H:%M:%S %z") for m in messages]
    assert {s.astimezone(LONDON).time() for s in sent} == {time(9, 0)}
    utc_hours = {s.astimezone(LONDON).date(): s.astimezone(UTC).hour for s in sent}
    assert utc_hours[date(2011, 9, 30)] == 8  # British Summer Time
    assert utc_hours[date(2011, 11, 15)] == 9  # after 30 October 2011: GMT
    assert utc_hours[date(2012, 3, 16)] == 9  # GMT
    assert utc_hours[date(2012, 3, 30)] == 8  # after 25 March 2012: BST again


def test_no_email_goes_on_a_weekend_or_bank_holiday(year_of_email) -> None:  # type: ignore[no-untyped-def]
    _, messages = year_of_email
    days = {
        datetime.strptime(m.message["Date"], "%a, %d %b %Y %H:%M:%S %z").astimezone(LONDON).date()
        for m in messages
    }
    assert all(day.weekday() < 5 for day in days)
    for holiday in (
        date(2011, 4, 22),
        date(2011, 4, 25),
        date(2011, 4, 29),
        date(2011, 5, 2),
        date(2011, 5, 30),
        date(2011, 8, 29),
    ):
        assert holiday not in days


def test_overdue_notices_copy_the_coordinator_and_update_requests_list_the_leads_actions(
    year_of_email,  # type: ignore[no-untyped-def]
) -> None:
    _, messages = year_of_email
    overdue = [m.message for m in messages if m.message["Subject"].startswith("Overdue")]
    assert overdue and all(COORDINATOR in str(m["Cc"]) for m in overdue)
    request = next(
        m.message
        for m in messages
        if m.message["Subject"].startswith("Update please") and HELENE in str(m.message["To"])
    )
    text = request.get_body(preferencelist=("plain",)).get_content()
    for ref in ("3.1.1", "3.1.2", "3.1.3", "3.1.4"):
        assert ref in text
    assert "3.2.1" not in text
    assert request["Auto-Submitted"] == "auto-generated"
