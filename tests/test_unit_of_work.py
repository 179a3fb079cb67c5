"""A unit of work is one transaction on every database: leaving it without commit keeps
nothing, even rows added through the insert-unless-exists savepoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, queued_message
from scheduler.services.unit_of_work import UnitOfWork

NOW = datetime(2011, 5, 24, 8, 0, tzinfo=UTC)


def _row(key: str) -> OutboxMessage:
    notification = Notification(key, NotificationKind.UPDATE_REQUEST, NOW, ("x@example.org",))
    return queued_message(notification, NOW)


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


def test_the_latest_status_of_a_ref_belongs_to_its_own_years_plan(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    from dataclasses import replace
    from datetime import date

    from tests.domain_examples import lancaster_plan

    this_year = lancaster_plan()
    next_year = replace(
        this_year,
        name="Lancaster District Community Safety Plan 2012/13",
        period_start=date(2012, 4, 1),
        period_end=date(2013, 3, 31),
    )
    with uow_factory() as uow:
        uow.plans.save(this_year, "a.yaml", NOW)
        uow.plans.save(next_year, "b.yaml", NOW)
        uow.updates.add_all(
            [
                RecordedUpdate(
                    ref="3.1.1",
                    status=Status.GREEN,
                    text="done",
                    received_at=NOW,
                    sender="x@y",
                    lead_name=None,
                    meeting=None,
                    plan_id=uow.plans.id_of(this_year.name),
                )
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        assert list(uow.updates.latest_by_ref(this_year.name, ["3.1.1"])) == ["3.1.1"]
        assert uow.updates.latest_by_ref(next_year.name, ["3.1.1"]) == {}


def test_reloading_a_plan_updates_in_place_and_archives_what_was_removed(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    from dataclasses import replace

    from tests.domain_examples import lancaster_plan

    plan = lancaster_plan()
    first = plan.priorities[0]
    shorter = replace(
        plan, priorities=(replace(first, actions=first.actions[:-1]), *plan.priorities[1:])
    )
    with uow_factory() as uow:
        uow.plans.save(plan, "plan.yaml", NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.plans.get(plan.name) == plan
        summary = uow.plans.save(shorter, "plan.yaml", NOW)
        uow.commit()
    assert summary.actions_archived == (first.actions[-1].ref,)
    with uow_factory() as uow:
        assert uow.plans.get(plan.name) == shorter
