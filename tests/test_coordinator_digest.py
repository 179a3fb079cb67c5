"""What the coordinator's digest lists, from plain records: each kind of item, told once for
what happened (the working day after it happened) and every day for what still stands; due on
working days from the send time; nothing sent on a day with nothing to tell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import (
    AwayNotice,
    FailingAddress,
    InboundStatus,
    RecordedUpdate,
    StoredMessage,
)
from scheduler.domain.schedule.coordinator_digest import (
    AttentionKind,
    DigestDay,
    NeedsAttention,
    coordinator_digest,
    digest_day,
    digest_items,
    digest_key,
)
from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.domain.schedule.policy import Policy

LONDON = ZoneInfo("Europe/London")
POLICY = Policy()
TUESDAY = date(2012, 2, 21)
TUESDAY_NINE = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)
MONDAY_NOON = datetime(2012, 2, 20, 12, 0, tzinfo=LONDON)
TUESDAY_EARLY = datetime(2012, 2, 21, 8, 0, tzinfo=LONDON)  # today: tomorrow's digest tells it
LAST_WEEK = datetime(2012, 2, 14, 12, 0, tzinfo=LONDON)  # told in an earlier digest
MEETING = date(2012, 3, 20)
HELENE = "helene.cooper@example.org"
TUESDAY_DIGEST = DigestDay(TUESDAY, TUESDAY_NINE, since=date(2012, 2, 20))


def failed_email(
    at: datetime, kind: NotificationKind = NotificationKind.UPDATE_REQUEST
) -> OutboxMessage:
    return OutboxMessage(
        key=f"{kind.value}:{at.isoformat()}",
        kind=kind,
        status=OutboxStatus.FAILED,
        to=(HELENE,),
        cc=(),
        lead_name="Helene Cooper",
        meeting=MEETING,
        refs=(),
        milestones=(),
        created_at=at,
        scheduled_for=at,
        send_after=at,
        last_error="550 5.1.1 mailbox unavailable",
    )


def review_message(at: datetime) -> StoredMessage:
    return StoredMessage(
        id=7,
        dedupe_key="k7",
        message_id="<m7@example.org>",
        received_at=at,
        status=InboundStatus.REVIEW,
        classification="reply",
        from_address="stranger@example.com",
        subject="RE: update",
        review_reason="sender is not the lead or a delegate",
    )


def held_update(*, released: datetime | None = None) -> RecordedUpdate:
    return RecordedUpdate(
        ref="3.1.4",
        status=Status.AMBER,
        text="call 01524 582000",
        received_at=LAST_WEEK,
        sender=HELENE,
        lead_name="Helene Cooper",
        meeting=MEETING,
        held_for_review=True,
        personal_data_kinds=("phone number",),
        released_at=released,
        id=12,
    )


def items_of(attention: NeedsAttention, digest: DigestDay = TUESDAY_DIGEST) -> list[str]:
    return [f"{item.kind.value}: {item.what}" for item in digest_items(attention, digest, POLICY)]


# --- each kind of item ------------------------------------------------------------------------


def test_a_failed_email_is_told_the_working_day_after_it_failed() -> None:
    attention = NeedsAttention(failed=[failed_email(MONDAY_NOON)], names={HELENE: "Helene Cooper"})
    (item,) = digest_items(attention, TUESDAY_DIGEST, POLICY)
    assert item.kind is AttentionKind.FAILED_EMAIL
    assert "update request to Helene Cooper <helene.cooper@example.org>" in item.what
    assert "550 5.1.1 mailbox unavailable" in item.what
    assert "people.yaml" in item.to_do


def test_a_failure_is_told_once_not_again_the_days_after() -> None:
    assert items_of(NeedsAttention(failed=[failed_email(LAST_WEEK)])) == []
    assert items_of(NeedsAttention(failed=[failed_email(TUESDAY_EARLY)])) == []


def test_a_failed_digest_is_not_told_in_the_next_digest() -> None:
    failed = failed_email(MONDAY_NOON, NotificationKind.COORDINATOR_DIGEST)
    assert items_of(NeedsAttention(failed=[failed])) == []


def test_a_bouncing_address_is_told_with_what_the_bounce_said() -> None:
    bouncing = FailingAddress(HELENE, MONDAY_NOON.astimezone(UTC), "550 no such user")
    assert items_of(NeedsAttention(failing_addresses=[bouncing])) == [
        "failing_address: Mail to helene.cooper@example.org bounces since 20 February 2012 "
        "(550 no such user)"
    ]


def test_a_message_for_review_is_told_with_its_id_and_reason() -> None:
    (item,) = digest_items(
        NeedsAttention(for_review=[review_message(MONDAY_NOON)]), TUESDAY_DIGEST, POLICY
    )
    assert item.kind is AttentionKind.NEEDS_REVIEW
    assert item.what.startswith("Message 7 from stranger@example.com")
    assert "sender is not the lead or a delegate" in item.what
    assert "Needs review" in item.to_do


def test_a_held_update_is_listed_every_day_until_released() -> None:
    (item,) = digest_items(NeedsAttention(held=[held_update()]), TUESDAY_DIGEST, POLICY)
    assert item.kind is AttentionKind.HELD_UPDATE
    assert "Update 12 on 3.1.4 from Helene Cooper" in item.what and "phone number" in item.what
    assert "csp updates release 12" in item.to_do
    assert items_of(NeedsAttention(held=[held_update(released=MONDAY_NOON)])) == []


def test_a_lead_away_past_the_reply_by_date_is_told() -> None:
    away = AwayNotice(HELENE, MEETING, MONDAY_NOON, away_until=date(2012, 3, 19))
    (item,) = digest_items(NeedsAttention(away=[away]), TUESDAY_DIGEST, POLICY)
    assert item.kind is AttentionKind.AWAY_NEAR_MEETING
    assert "is away until 19 March 2012" in item.what
    assert "20 March 2012 meeting are needed by 12 March 2012" in item.what
    assert "deputy" in item.to_do


def test_a_lead_back_before_the_reply_by_date_or_away_for_a_past_meeting_is_not_told() -> None:
    back_in_time = AwayNotice(HELENE, MEETING, MONDAY_NOON, away_until=date(2012, 2, 24))
    past_meeting = AwayNotice(HELENE, date(2012, 2, 1), MONDAY_NOON, away_until=None)
    assert items_of(NeedsAttention(away=[back_in_time, past_meeting])) == []


def test_a_lead_away_with_no_return_date_is_told() -> None:
    away = AwayNotice(HELENE, MEETING, MONDAY_NOON, away_until=None)
    assert [i.kind for i in digest_items(NeedsAttention(away=[away]), TUESDAY_DIGEST, POLICY)] == [
        AttentionKind.AWAY_NEAR_MEETING
    ]


def test_configuration_warnings_are_listed_while_they_stand() -> None:
    warning = "config/people.yaml: lead Ian Dawson has no email address"
    assert items_of(NeedsAttention(config_warnings=[warning])) == [
        f"config_warning: Configuration: {warning}"
    ]


def test_a_mail_sign_in_failure_comes_first_with_what_to_do() -> None:
    problem = "token endpoint https://login.example/token unreachable (ConnectionError)"
    attention = NeedsAttention(
        sign_in_problem=problem, failed=[failed_email(MONDAY_NOON)], held=[held_update()]
    )
    items = digest_items(attention, TUESDAY_DIGEST, POLICY)
    assert [i.kind for i in items] == [
        AttentionKind.MAIL_SIGN_IN,
        AttentionKind.FAILED_EMAIL,
        AttentionKind.HELD_UPDATE,
    ]
    assert problem in items[0].what and "csp mail check" in items[0].to_do


# --- when it is due, and to whom --------------------------------------------------------------


def test_monday_s_digest_tells_what_happened_since_friday() -> None:
    digest = digest_day(datetime(2012, 2, 27, 9, 0, tzinfo=LONDON), POLICY)
    assert digest is not None and digest.since == date(2012, 2, 24)
    saturday = datetime(2012, 2, 25, 11, 0, tzinfo=LONDON)
    assert len(items_of(NeedsAttention(failed=[failed_email(saturday)]), digest)) == 1


def test_no_digest_before_the_send_time_or_on_a_weekend_or_bank_holiday() -> None:
    assert digest_day(TUESDAY_EARLY, POLICY) is None
    assert digest_day(datetime(2012, 2, 25, 10, 0, tzinfo=LONDON), POLICY) is None
    assert digest_day(datetime(2012, 4, 9, 10, 0, tzinfo=LONDON), POLICY) is None  # Easter Monday
    after_easter = digest_day(datetime(2012, 4, 10, 15, 0, tzinfo=LONDON), POLICY)
    assert after_easter == DigestDay(
        date(2012, 4, 10), datetime(2012, 4, 10, 9, 0, tzinfo=LONDON), since=date(2012, 4, 5)
    )


def test_the_digest_is_keyed_by_its_day_and_goes_to_the_coordinator() -> None:
    items = digest_items(NeedsAttention(held=[held_update()]), TUESDAY_DIGEST, POLICY)
    notification = coordinator_digest(TUESDAY_DIGEST, items, "coordinator@example.org", "Sam")
    assert notification is not None
    assert notification.key == digest_key(TUESDAY) == "coordinator_digest:2012-02-21"
    assert notification.to == ("coordinator@example.org",)
    assert notification.send_at == TUESDAY_NINE and notification.lead_name == "Sam"


@pytest.mark.parametrize("coordinator", [None, " "])
def test_nothing_to_tell_or_no_one_to_tell_sends_nothing(coordinator: str | None) -> None:
    items = digest_items(NeedsAttention(held=[held_update()]), TUESDAY_DIGEST, POLICY)
    assert coordinator_digest(TUESDAY_DIGEST, items, coordinator) is None
    assert coordinator_digest(TUESDAY_DIGEST, (), "coordinator@example.org") is None
