"""A quiet tick reads what its rules need, not the history: the rows its queries return are
the same however many emails were sent before (counted, not timed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, func, select

from scheduler.adapters.orm import OutboxRow
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import OutboxStatus, Rendering, queued_message
from scheduler.services.app import Services
from scheduler.services.reminders import run_tick
from tests.service_harness import copy_example_config, make_services

LONDON = ZoneInfo("Europe/London")
# The update requests for 13 December go at 09:00; every earlier email is due by then.
FIRST_TICK = datetime(2011, 11, 15, 9, 0, tzinfo=LONDON)
QUIET = FIRST_TICK + timedelta(hours=1)


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path) -> Services:
    # `engine` migrates the database
    return make_services(database_url, copy_example_config(tmp_path), tmp_path / "data")


def add_history(services: Services, first: int, count: int) -> None:
    """Sent emails of years gone by: acknowledgements, and an agenda pack in every tenth."""
    messages = []
    for n in range(first, first + count):
        pack = n % 10 == 0
        kind = NotificationKind.AGENDA_PACK if pack else NotificationKind.ACKNOWLEDGEMENT
        sent_at = datetime(2005, 1, 1, tzinfo=UTC) + timedelta(hours=n)
        notification = Notification(
            f"{kind.value}/history/{n}",
            kind,
            sent_at,
            ("lead@example.org",),
            meeting=date(2005, 1, 1) + timedelta(days=n),
        )
        rendering = Rendering(f"Email {n}", "Body " * 200, b"raw " * (2000 if pack else 200))
        messages.append(
            queued_message(notification, sent_at, status=OutboxStatus.SENT, rendering=rendering)
        )
    with services.uow_factory() as uow:
        uow.outbox.add_new(*messages)
        uow.commit()


@contextmanager
def selects_run() -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT any engine runs meanwhile, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(Engine, "after_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "after_cursor_execute", record)


def rows_read_by_quiet_tick(services: Services, engine: Engine) -> list[tuple[str, int]]:
    """Each SELECT of a quiet tick with the number of rows it returns (run again to count)."""
    with selects_run() as statements:
        report = run_tick(services, QUIET)
    assert report.queued == report.skipped == report.delivery.sent == 0  # quiet indeed
    counted = []
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            counted.append((statement, len(cursor.fetchall())))
        connection.rollback()
    finally:
        connection.close()
    return counted


def outbox_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def test_a_quiet_tick_reads_as_many_rows_with_ten_times_the_history(
    services: Services, engine: Engine
) -> None:
    # Given a service that has sent everything due by 09:00, and 200 old emails besides
    run_tick(services, FIRST_TICK)
    add_history(services, 0, 200)
    with_some_history = rows_read_by_quiet_tick(services, engine)
    size = outbox_size(engine)

    # When ten times as many old emails are recorded
    add_history(services, 200, 1800)
    assert outbox_size(engine) == size + 1800
    with_ten_times_the_history = rows_read_by_quiet_tick(services, engine)

    # Then the next quiet tick asks the same questions and reads as many rows
    assert with_some_history, "the tick's queries were not seen"
    assert with_ten_times_the_history == with_some_history
