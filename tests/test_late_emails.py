"""After downtime the tick sends what is still useful, telling dates from the day it goes, and
records what lost its purpose, with the reason, instead of sending it late."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus
from scheduler.services.app import Services
from scheduler.services.reminders import run_tick
from tests.service_harness import copy_example_config, make_services

LONDON = ZoneInfo("Europe/London")
HELENE = "helene.cooper@example.org"


def at_nine(month: int, day: int) -> datetime:
    return datetime(2011, month, day, 9, 0, tzinfo=LONDON)


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    # `engine` migrates the database
    return make_services(database_url, copy_example_config(tmp_path), tmp_path / "data")


def outbox(services: Services) -> dict[str, OutboxMessage]:
    with services.uow_factory() as uow:
        return {message.key: message for message in uow.outbox.all()}


def test_a_reminder_sent_a_week_late_names_the_real_distance_to_the_deadline(
    services: Services,
) -> None:
    # Given the service was down over the reminder of 17 May for 3.1.4, due 31 May
    # When it comes back at 09:00 on 24 May
    run_tick(services, at_nine(5, 24))

    # Then the reminder goes, saying the deadline is a week away, not a fortnight
    reminder = outbox(services)[f"deadline_reminder/2011-05-17/{HELENE}"]
    assert reminder.status is OutboxStatus.SENT
    assert "Due Tuesday 31 May 2011 (in 7 days)" in reminder.body_text


def test_an_overdue_notice_sent_a_week_late_says_how_long_ago_the_due_date_was(
    services: Services,
) -> None:
    # Given the service was down over the overdue notice of 1 June for 3.1.4, due 31 May
    # When it comes back at 09:00 on 7 June
    run_tick(services, at_nine(6, 7))

    # Then the notice says the milestone was due a week ago, not yesterday
    notice = outbox(services)[f"overdue_notice/2011-06-01/{HELENE}"]
    assert notice.status is OutboxStatus.SENT
    assert "Was due Tuesday 31 May 2011 (7 days ago)" in notice.body_text


def test_a_chaser_after_its_reply_by_date_is_recorded_as_skipped_with_the_reason(
    services: Services,
) -> None:
    # Given the June update requests went, and the service was down over both chasers
    run_tick(services, at_nine(5, 24))

    # When it comes back on 14 June, the day after updates were needed by
    run_tick(services, at_nine(6, 14))

    # Then no chaser asks for an update "needed by Monday 13 June"; each is skipped, saying why
    chasers = [m for m in outbox(services).values() if m.key.startswith("update_chaser/")]
    assert len(chasers) == 10
    assert {(m.status, m.reason) for m in chasers} == {
        (OutboxStatus.SKIPPED, "reply-by date 2011-06-13 has passed")
    }
