"""A unit of work is one transaction on every database: leaving it without commit keeps
nothing, even rows added through the insert-unless-exists savepoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from scheduler.adapters.orm import OutboxRow
from scheduler.adapters.unit_of_work import UnitOfWork

NOW = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)


def _row(key: str) -> OutboxRow:
    return OutboxRow(key=key, kind="update_request", status="pending", created_at=NOW,
                     scheduled_for=NOW, send_after=NOW, attempts=0)


def test_rows_added_without_commit_are_gone(uow_factory: Callable[[], UnitOfWork]) -> None:
    with uow_factory() as uow:
        assert uow.outbox.add(_row("a"))
    with uow_factory() as uow:
        assert uow.outbox.keys() == frozenset()


def test_a_second_row_with_the_same_key_is_refused_and_the_first_kept(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    with uow_factory() as uow:
        assert uow.outbox.add(_row("a"))
        assert not uow.outbox.add(_row("a"))
        assert uow.outbox.add(_row("b"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.keys() == frozenset({"a", "b"})
