"""When an email has lost its purpose: the meeting started, the reply-by date or the deadline
passed. Plain values only: a meeting on Tuesday 21 June 2011 at 10:00 in London."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain.schedule.notification import MilestoneRef, NotificationKind
from scheduler.domain.schedule.policy import Policy
from scheduler.domain.schedule.purpose import purpose_passed, reply_by

LONDON = ZoneInfo("Europe/London")
POLICY = Policy()
Kind = NotificationKind
JUNE = date(2011, 6, 21)
STARTS = {JUNE: datetime(2011, 6, 21, 10, 0, tzinfo=LONDON)}
MAPPING = MilestoneRef("3.1.4", "Mapping", date(2011, 5, 31))
CAMPAIGN = MilestoneRef("3.2.1", "Campaign", date(2011, 6, 10))


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2011, month, day, hour, minute, tzinfo=LONDON)


def passed(
    kind: NotificationKind,
    moment: datetime,
    *,
    meeting: date | None = JUNE,
    milestones: tuple[MilestoneRef, ...] = (),
) -> str | None:
    return purpose_passed(kind, meeting, milestones, moment, POLICY, STARTS)


def test_replies_are_needed_by_the_working_day_before_the_pack_is_compiled() -> None:
    # The pack goes on Tuesday 14 June, seven days before the meeting
    assert reply_by(JUNE, POLICY) == date(2011, 6, 13)


@pytest.mark.parametrize(
    "kind", [Kind.UPDATE_REQUEST, Kind.UPDATE_CHASER, Kind.AGENDA_PACK, Kind.AGENDA_ADDENDUM]
)
def test_an_email_about_a_meeting_is_useful_until_the_meeting_starts(kind: Kind) -> None:
    assert passed(kind, local(6, 13)) is None
    assert passed(kind, local(6, 21, 10)) == "meeting 2011-06-21 has passed"


def test_an_email_about_a_meeting_no_longer_in_the_calendar_has_lost_its_purpose() -> None:
    moved = date(2011, 6, 28)

    assert passed(Kind.AGENDA_PACK, local(6, 14), meeting=moved) == "meeting 2011-06-28 has passed"


def test_a_chaser_is_useful_until_the_end_of_its_reply_by_date() -> None:
    assert passed(Kind.UPDATE_CHASER, local(6, 13, 23, 59)) is None
    assert passed(Kind.UPDATE_CHASER, local(6, 14, 0, 0)) == "reply-by date 2011-06-13 has passed"


def test_the_reply_by_date_ends_at_local_midnight_whatever_the_moments_zone() -> None:
    # 23:30 UTC on 13 June is 00:30 on 14 June in London
    moment = datetime(2011, 6, 13, 23, 30, tzinfo=UTC)

    assert passed(Kind.UPDATE_CHASER, moment) == "reply-by date 2011-06-13 has passed"


def test_an_update_request_after_the_reply_by_date_still_goes_before_the_meeting() -> None:
    assert passed(Kind.UPDATE_REQUEST, local(6, 17)) is None


def test_a_deadline_reminder_is_useful_until_the_end_of_its_last_deadline() -> None:
    def reminder(moment: datetime) -> str | None:
        return passed(Kind.DEADLINE_REMINDER, moment, meeting=None, milestones=(MAPPING, CAMPAIGN))

    assert reminder(local(6, 1)) is None
    assert reminder(local(6, 10, 23, 59)) is None
    assert reminder(local(6, 11, 0, 1)) == "deadline passed on 2011-06-10"


def test_overdue_notices_and_acknowledgements_never_lose_their_purpose_here() -> None:
    much_later = local(6, 1) + timedelta(days=200)

    assert passed(Kind.OVERDUE_NOTICE, much_later, meeting=None, milestones=(MAPPING,)) is None
    assert passed(Kind.ACKNOWLEDGEMENT, much_later) is None


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        passed(Kind.UPDATE_CHASER, datetime(2011, 6, 14, 9, 0))
