"""Several plans at once and the end of a plan year, through the daemon's own tick
(`run_tick` at the times the test chooses) on the in-memory service; and `status` and
`simulate` telling what the daemon does, from the same rules and the same recorded state."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.domain.schedule.notification import NotificationKind
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.domain.schedule.plan_years import plan_schedules
from scheduler.domain.schedule.simulation import SimulatedReply
from scheduler.events import LOGGER_NAME
from scheduler.services.configuration import ConfigurationSource, read_configuration
from scheduler.services.inbox import ingest_raw
from scheduler.services.preview import simulate_emails, status_report
from scheduler.services.reminders import run_tick
from tests.in_memory_service import InMemoryService, in_memory_service
from tests.service_harness import COORDINATOR, copy_example_config
from tests.test_inbox_service import HELENE, outlook_reply

LONDON = ZoneInfo("Europe/London")
KYRAN = "kyran.ronson@example.org"
SHIPPED_PLAN = "lancaster-2011-12.yaml"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MEETINGS_2012_13 = """\
  - date: 2012-06-19
    time: "10:00"
    place: Lancaster Town Hall, Committee Room 1
    title: Lancaster District Community Safety Partnership
"""


class Events(logging.Handler):
    """The `csp` log's event names, as the daemon writes them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(str(getattr(record, "event", record.getMessage())))


@pytest.fixture
def events() -> Iterator[Events]:
    logger = logging.getLogger(LOGGER_NAME)
    handler, saved = Events(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(saved)


def _at(day: str, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), LONDON).replace(
        hour=hour, minute=minute
    )


def _next_years_plan(config_dir: Path) -> Path:
    """The 2011/12 plan a year on, as 2012/13, with its first meeting."""
    text = (config_dir / "plans" / SHIPPED_PLAN).read_text(encoding="utf-8")
    shifted = re.sub(r"\b(2011|2012)-", lambda m: f"{int(m[1]) + 1}-", text)
    shifted = shifted.replace("2011/12", "2012/13")
    path = config_dir / "plans" / "lancaster-2012-13.yaml"
    path.write_text(shifted, encoding="utf-8")
    meetings = config_dir / "meetings.yaml"
    meetings.write_text(meetings.read_text(encoding="utf-8") + MEETINGS_2012_13, encoding="utf-8")
    return path


def _service(config_dir: Path, tmp_path: Path) -> InMemoryService:
    return in_memory_service(ConfigurationSource(config_dir), tmp_path / "data")


def _sent(service: InMemoryService, kind: NotificationKind) -> list[tuple[str, ...]]:
    with service.services.uow_factory() as uow:
        return [m.to for m in uow.outbox.with_status(OutboxStatus.SENT) if m.kind is kind]


def test_last_years_overdue_notices_go_once_this_years_plan_is_loaded(tmp_path: Path) -> None:
    # Given the 2011/12 plan and the 2012/13 plan both loaded
    config_dir = copy_example_config(tmp_path)
    _next_years_plan(config_dir)
    service = _service(config_dir, tmp_path)

    # When the daemon ticks on 2 April 2012, when 2011/12's last overdue notices fall due
    run_tick(service.services, _at("2012-04-02"))

    # Then they go, to the 2011/12 leads, listing the 2011/12 actions
    overdue = _sent(service, NotificationKind.OVERDUE_NOTICE)
    assert len(overdue) == 5
    assert HELENE in {to[0] for to in overdue}


def test_the_first_update_requests_of_the_new_year_go_to_its_leads(tmp_path: Path) -> None:
    config_dir = copy_example_config(tmp_path)
    _next_years_plan(config_dir)
    service = _service(config_dir, tmp_path)

    run_tick(service.services, _at("2012-05-22"))  # 28 days before 19 June 2012

    with service.services.uow_factory() as uow:
        requests = uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST, date(2012, 6, 19))
    assert len(requests) == 5
    assert {ref[:3] for m in requests for ref in m.refs} <= {"3.1", "3.2", "3.3", "3.4", "3.5"}


def test_emails_two_plans_would_share_keep_apart_by_the_older_plans_key(tmp_path: Path) -> None:
    # Given a 2012/13 plan with a milestone due the same day as one of 2011/12's, same lead
    config_dir = copy_example_config(tmp_path)
    path = _next_years_plan(config_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("due: 2013-03-31", "due: 2012-03-31", 1), encoding="utf-8")
    config = read_configuration(config_dir)

    # When both are scheduled
    older, newer = plan_schedules(
        [plan for _, plan in config.plans],
        config.meetings,
        config.policy,
        coordinator_email=COORDINATOR,
    )

    # Then the shared keys carry the older plan, and only those
    assert older.tagged_keys and not newer.tagged_keys
    overdue = [key for key in older.tagged_keys if key.startswith("overdue_notice/2012-04-02/")]
    assert len(overdue) == 1
    lead = overdue[0].rsplit("/", 1)[1]
    assert {key.rsplit("/", 1)[1] for key in older.tagged_keys} == {lead}
    # and the daemon's rules send both plans' notices that day
    emails = simulate_emails(
        config, TEMPLATES, _at("2012-04-02", 0), _at("2012-04-02", 23), COORDINATOR
    )
    assert [e["kind"] for e in emails if e["to"] == [lead]] == ["overdue_notice"] * 2


def test_the_daemon_says_once_a_day_that_the_plan_year_is_over(
    tmp_path: Path, events: Events
) -> None:
    # Given last year's plan only
    service = _service(copy_example_config(tmp_path), tmp_path)

    # When the daemon ticks through two days of the next year
    for moment in (_at("2013-06-03"), _at("2013-06-03", 9, 1), _at("2013-06-04")):
        run_tick(service.services, moment)

    # Then it says so once each day, and does not list each email it no longer sends
    assert events.names.count("plan_year_over") == 2
    assert events.names.count("not_sent") == 0


def _request_for(service: InMemoryService, meeting: date, address: str):  # type: ignore[no-untyped-def]
    with service.services.uow_factory() as uow:
        (request,) = [
            m
            for m in uow.outbox.for_meeting(NotificationKind.UPDATE_REQUEST, meeting)
            if m.to == (address,)
        ]
    return request


def test_status_does_not_list_chasers_to_a_lead_who_has_replied(tmp_path: Path) -> None:
    # Given the update requests for 20 March 2012, and Helene's reply to hers
    service = _service(copy_example_config(tmp_path), tmp_path)
    run_tick(service.services, _at("2012-02-21"))
    request = _request_for(service, date(2012, 3, 20), HELENE)
    ingest_raw(service.services, outlook_reply(request, "3.1.2 Green on track"), _at("2012-02-23"))

    # When the coordinator asks where things stand a week before the chasers
    config = service.services.config.current()
    with service.services.uow_factory() as uow:
        report = status_report(config, uow, _at("2012-02-28"), COORDINATOR)

    # Then the chasers listed are the daemon's: to the four leads who have not replied
    chasers = [item for item in report.due_soon if item.kind == "update_chaser"]
    assert len(chasers) == 8
    assert HELENE not in {address for item in chasers for address in item.to}


@pytest.mark.slow
def test_a_year_with_replies_through_the_daemon_is_what_simulate_says(tmp_path: Path) -> None:
    # Given the shipped year and two replies: Helene's to the June request before any
    # chaser, Kyran's to the September request between its two chasers
    service = _service(copy_example_config(tmp_path), tmp_path)
    config = service.services.config.current()
    replies = [
        (date(2011, 6, 21), HELENE, "3.1.2 Green on track", _at("2011-05-25", 11)),
        (date(2011, 9, 20), KYRAN, "3.3.1 Amber slipping", _at("2011-09-07", 11)),
    ]
    ticks = sorted(
        {datetime.fromisoformat(str(e["at"])) for e in _simulated(config, [])}
        | {at for *_, at in replies}
    )

    # When the daemon's tick runs at each of those moments, the replies coming in as they do
    for now in ticks:
        for number, (meeting, lead, body, at) in enumerate(replies):
            if at == now:
                request = _request_for(service, meeting, lead)
                raw = outlook_reply(
                    request, body, sender=lead, message_id=f"<reply-{number}@example.org>"
                )
                ingest_raw(service.services, raw, now)
        run_tick(service.services, now)

    # Then what it sent is what simulate says, given those replies
    with service.services.uow_factory() as uow:
        sent = sorted(
            (m.scheduled_for, m.kind.value, m.to)
            for m in uow.outbox.with_status(OutboxStatus.SENT)
            if m.kind is not NotificationKind.ACKNOWLEDGEMENT
        )
    given = [SimulatedReply(at, meeting, lead) for meeting, lead, _, at in replies]
    simulated = sorted(
        (datetime.fromisoformat(str(e["at"])), e["kind"], tuple(e["to"]))
        for e in _simulated(config, given)
    )
    assert sent == simulated
    assert len(simulated) == 83 - 2 - 1  # Helene's two June chasers, Kyran's last September one


def _simulated(config, replies):  # type: ignore[no-untyped-def]
    return simulate_emails(
        config,
        TEMPLATES,
        _at("2011-04-01", 0),
        _at("2012-03-31", 23),
        COORDINATOR,
        replies=replies,
    )
