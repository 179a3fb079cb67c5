"""The unit of work's contract, held by the in-memory fake and by SQLAlchemy on SQLite and on
PostgreSQL alike: the same behaviours run against all three, so the fake the fast service
tests run on cannot drift from the database the service runs on.

Each behaviour is one the services rely on: what a transaction keeps, what a unique key
refuses, how the outbox claims and marks messages, how a reply is taken and recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from scheduler.adapters.database import make_engine, session_factory, upgrade_schema
from scheduler.adapters.orm import Base
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.domain.errors import WriteConflict
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.records import (
    ArrivedMessage,
    InboundStatus,
    Outcome,
    ReceivedAttachment,
    RecordedUpdate,
)
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.domain.schedule.outbox import OutboxMessage, OutboxStatus, Rendering, queued_message
from scheduler.services.unit_of_work import UnitOfWork
from tests.conftest import fresh_database
from tests.domain_examples import lancaster_plan
from tests.fakes import InMemoryDatabase, fake_uow_factory

NOW = datetime(2012, 2, 21, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
MEETING = date(2012, 3, 20)

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture(scope="module", params=["in_memory", "sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine | None]]:
    """One migrated database per kind for the module, or none for the fake."""
    if request.param == "in_memory":
        yield request.param, None
        return
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        engine = make_engine(url)
        upgrade_schema(engine)
        yield request.param, engine
        engine.dispose()


@pytest.fixture
def uow_factory(backend: tuple[str, Engine | None]) -> UowFactory:
    """Units of work on an empty database of the kind under test."""
    _, engine = backend
    if engine is None:
        return fake_uow_factory(InMemoryDatabase())
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    sessions = session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)


@pytest.fixture
def sqlite_commits_only_mark_sent(
    request: pytest.FixtureRequest, backend: tuple[str, Engine | None]
) -> None:
    """On SQLite, `statements_that_commit` is the unit of work's own session, committed after
    `mark_sent` alone; on PostgreSQL (and in the protocol) every change commits by itself."""
    if backend[0] == "sqlite":
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="statements_that_commit differs on SQLite")
        )


@pytest.fixture
def second_transaction_may_run(backend: tuple[str, Engine | None]) -> None:
    """SQLite begins every transaction IMMEDIATE: a second one waits until the first ends."""
    if backend[0] == "sqlite":
        pytest.skip("on SQLite a second open transaction waits for the first")


def _message(
    key: str,
    *,
    at: datetime = NOW,
    rendered: bool = True,
    kind: NotificationKind = NotificationKind.UPDATE_REQUEST,
    token: str | None = None,
    message_id: str | None = None,
) -> OutboxMessage:
    notification = Notification(key, kind, at, ("lead@example.org",), meeting=MEETING)
    rendering = Rendering(f"Subject {key}", f"Body {key}", f"raw {key}".encode())
    return queued_message(
        notification,
        NOW,
        token=token,
        message_id=message_id,
        rendering=rendering if rendered else None,
    )


def _add(uow_factory: UowFactory, *messages: OutboxMessage) -> dict[str, int]:
    """Commit the messages; their ids by key."""
    with uow_factory() as uow:
        for message in messages:
            assert uow.outbox.add(message)
        uow.commit()
        return {m.key: m.id for m in uow.outbox.all() if m.id is not None}


def _claim(uow_factory: UowFactory, worker: str, at: datetime, limit: int = 100) -> list[str]:
    with uow_factory() as uow:
        claimed = uow.outbox.claim(worker, at, LEASE, limit)
        uow.commit()
    return [m.key for m in claimed]


def _get(uow_factory: UowFactory, message_id: int) -> OutboxMessage:
    with uow_factory() as uow:
        message = uow.outbox.get(message_id)
    assert message is not None
    return message


def _arrived(key: str, received_at: datetime = NOW) -> ArrivedMessage:
    return ArrivedMessage(
        dedupe_key=key,
        message_id=key,
        raw=f"raw {key}".encode(),
        received_at=received_at,
        source="imap",
        from_address="lead@example.org",
        subject="RE: Update please",
        problems=(),
        authentication_results=None,
    )


def _update(ref: str, *, inbound_id: int | None, plan_id: int | None) -> RecordedUpdate:
    return RecordedUpdate(
        ref=ref,
        status=Status.GREEN,
        text=f"on track {ref}",
        received_at=NOW,
        sender="lead@example.org",
        lead_name="Helene Cooper",
        meeting=MEETING,
        inbound_id=inbound_id,
        plan_id=plan_id,
    )


# What a transaction keeps


def test_writes_left_without_commit_are_gone(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.outbox.add(_message("a"))
        assert uow.outbox.keys() == {"a"}
    with uow_factory() as uow:
        assert uow.outbox.keys() == frozenset()


@pytest.mark.usefixtures("second_transaction_may_run")
def test_another_unit_of_work_sees_writes_only_once_they_are_committed(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as writer:
        writer.outbox.add(_message("a"))
        with uow_factory() as reader:
            assert reader.outbox.keys() == frozenset()
        writer.commit()
        with uow_factory() as reader:
            assert reader.outbox.keys() == {"a"}


def test_a_unit_of_work_goes_on_in_a_new_transaction_after_a_commit(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.outbox.add(_message("kept"))
        uow.commit()
        uow.outbox.add(_message("dropped"))
    with uow_factory() as uow:
        assert uow.outbox.keys() == {"kept"}


def test_a_write_that_would_repeat_a_unique_key_is_a_write_conflict(
    uow_factory: UowFactory,
) -> None:
    _add(uow_factory, _message("a"))
    with uow_factory() as uow:
        with pytest.raises(WriteConflict):  # at once, or at commit
            uow.outbox.add_new(_message("a"))
            uow.commit()
        uow.rollback()
        assert uow.outbox.keys() == {"a"}


def test_an_update_for_a_message_never_stored_is_a_write_conflict(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow, pytest.raises(WriteConflict):  # at once, or at commit
        uow.updates.add_all([_update("3.1.1", inbound_id=999_999, plan_id=None)])
        uow.commit()


def test_times_come_back_in_utc(uow_factory: UowFactory) -> None:
    local = datetime(2012, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    ids = _add(uow_factory, _message("a", at=local))
    stored = _get(uow_factory, ids["a"]).scheduled_for
    assert (stored, stored.utcoffset()) == (local, timedelta(0))


# The outbox


def test_add_refuses_a_repeated_key_or_token_and_keeps_the_first(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.outbox.add(_message("a", token="t1"))
        assert not uow.outbox.add(_message("a", token="t2"))
        assert not uow.outbox.add(_message("b", token="t1"))
        uow.commit()
    with uow_factory() as uow:
        assert [(m.key, m.token) for m in uow.outbox.all()] == [("a", "t1")]


def test_many_are_added_at_once_each_key_and_token_once_keeping_the_first(
    uow_factory: UowFactory,
) -> None:
    _add(uow_factory, _message("a", token="t1"))
    with uow_factory() as uow:
        added = uow.outbox.add_all(
            [
                _message("a", token="t2"),  # key taken before
                _message("b", token="t1"),  # token taken before
                _message("c", token="t3"),
                _message("c", token="t4"),  # key taken earlier in the same call
                _message("d", token="t3"),  # token taken earlier in the same call
                _message("e"),
            ]
        )
        assert uow.outbox.add_all([]) == frozenset()
        uow.commit()
    assert added == {"c", "e"}
    with uow_factory() as uow:
        assert [(m.key, m.token) for m in uow.outbox.all()] == [
            ("a", "t1"),
            ("c", "t3"),
            ("e", None),
        ]


def test_claim_takes_due_rendered_messages_in_the_order_they_were_meant_to_go(
    uow_factory: UowFactory,
) -> None:
    _add(
        uow_factory,
        _message("late", at=NOW + timedelta(hours=1)),
        _message("early", at=NOW - timedelta(hours=1)),
        _message("unrendered", rendered=False),
        replace(_message("not yet"), send_after=NOW + timedelta(minutes=1)),
        replace(_message("sent before"), status=OutboxStatus.SENT),
    )
    assert _claim(uow_factory, "w1", NOW) == ["early", "late"]
    assert _claim(uow_factory, "w2", NOW) == []


def test_a_worker_takes_back_its_own_unfinished_claims_at_once(uow_factory: UowFactory) -> None:
    _add(uow_factory, _message("a"))
    assert _claim(uow_factory, "w1", NOW) == ["a"]
    assert _claim(uow_factory, "w1", NOW) == ["a"]  # one batch at a time: it is not in flight


def test_claim_takes_no_more_than_its_limit(uow_factory: UowFactory) -> None:
    _add(uow_factory, *(_message(f"m{n}", at=NOW + timedelta(minutes=n)) for n in range(3)))
    assert _claim(uow_factory, "w1", NOW, limit=2) == ["m0", "m1"]


def test_a_claimed_message_is_claimed_again_only_once_its_lease_has_run_out(
    uow_factory: UowFactory,
) -> None:
    _add(uow_factory, _message("a"))
    assert _claim(uow_factory, "w1", NOW) == ["a"]
    assert _claim(uow_factory, "w2", NOW + LEASE) == []
    assert _claim(uow_factory, "w2", NOW + LEASE + timedelta(seconds=1)) == ["a"]


@pytest.mark.usefixtures("second_transaction_may_run")
def test_a_claim_skips_messages_another_open_transaction_is_claiming(
    uow_factory: UowFactory,
) -> None:
    _add(uow_factory, _message("a"), _message("b", at=NOW + timedelta(minutes=1)))
    with uow_factory() as first:
        assert [m.key for m in first.outbox.claim("w1", NOW, LEASE, 1)] == ["a"]
        assert _claim(uow_factory, "w2", NOW) == ["b"]
        first.commit()


def test_only_the_worker_holding_the_claim_marks_it_sent_counting_one_attempt(
    uow_factory: UowFactory,
) -> None:
    ids = _add(uow_factory, _message("a"))
    _claim(uow_factory, "w1", NOW)
    with uow_factory() as uow:
        assert not uow.outbox.mark_sent(ids["a"], "w2", NOW)
        assert uow.outbox.mark_sent(ids["a"], "w1", NOW)
        assert not uow.outbox.mark_sent(ids["a"], "w1", NOW)  # the claim ended with it
        uow.commit()
    sent = _get(uow_factory, ids["a"])
    assert (sent.status, sent.attempts, sent.sent_at) == (OutboxStatus.SENT, 1, NOW)


def test_a_message_marked_for_retry_waits_pending_until_its_time(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("a"))
    _claim(uow_factory, "w1", NOW)
    later = NOW + timedelta(minutes=1)
    with uow_factory() as uow:
        assert uow.outbox.mark_for_retry(ids["a"], "w1", "451 try later", later)
        uow.commit()
    waiting = _get(uow_factory, ids["a"])
    assert (waiting.status, waiting.attempts, waiting.last_error, waiting.send_after) == (
        OutboxStatus.PENDING,
        1,
        "451 try later",
        later,
    )
    assert _claim(uow_factory, "w2", later - timedelta(seconds=1)) == []
    assert _claim(uow_factory, "w2", later) == ["a"]


def test_failed_and_skipped_messages_keep_the_reason(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("refused"), _message("too late"))
    _claim(uow_factory, "w1", NOW)
    with uow_factory() as uow:
        assert uow.outbox.mark_failed(ids["refused"], "w1", "550 no such user")
        assert uow.outbox.mark_skipped(ids["too late"], "w1", "its meeting has passed")
        uow.commit()
    failed, skipped = _get(uow_factory, ids["refused"]), _get(uow_factory, ids["too late"])
    assert (failed.status, failed.last_error, failed.attempts) == (
        OutboxStatus.FAILED,
        "550 no such user",
        1,
    )
    assert (skipped.status, skipped.reason) == (OutboxStatus.SKIPPED, "its meeting has passed")


def test_only_a_failed_message_is_sent_again_and_then_as_if_new(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("refused"), _message("taken"))
    _claim(uow_factory, "w1", NOW)
    later = NOW + timedelta(days=2)
    with uow_factory() as uow:
        assert uow.outbox.mark_failed(ids["refused"], "w1", "550 no such user")
        assert uow.outbox.mark_sent(ids["taken"], "w1", NOW)
        assert uow.outbox.retry_failed(ids["refused"], later)
        assert not uow.outbox.retry_failed(ids["taken"], later)
        uow.commit()
    again = _get(uow_factory, ids["refused"])
    assert (again.status, again.send_after, again.attempts) == (OutboxStatus.PENDING, later, 0)
    assert _get(uow_factory, ids["taken"]).status is OutboxStatus.SENT


def test_a_worker_renews_only_the_claims_it_holds(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("mine"), _message("theirs", at=NOW + timedelta(hours=1)))
    _claim(uow_factory, "w1", NOW, limit=1)
    _claim(uow_factory, "w2", NOW, limit=1)
    with uow_factory() as uow:
        held = uow.outbox.renew_lease(list(ids.values()), "w1", NOW + 2 * LEASE)
        uow.commit()
    assert held == {ids["mine"]}
    assert _claim(uow_factory, "w3", NOW + LEASE + timedelta(seconds=1)) == ["theirs"]


def test_a_message_marked_sent_through_statements_that_commit_stays_sent(
    uow_factory: UowFactory,
) -> None:
    ids = _add(uow_factory, _message("a"))
    _claim(uow_factory, "w1", NOW)
    with uow_factory() as uow, uow.statements_that_commit() as marks:
        assert marks.mark_sent(ids["a"], "w1", NOW)
    assert _get(uow_factory, ids["a"]).status == OutboxStatus.SENT


@pytest.mark.usefixtures("sqlite_commits_only_mark_sent")
def test_every_change_through_statements_that_commit_stays(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("a"))
    _claim(uow_factory, "w1", NOW)
    with uow_factory() as uow, uow.statements_that_commit() as marks:
        assert marks.mark_failed(ids["a"], "w1", "550 no such user")
    assert _get(uow_factory, ids["a"]).status == OutboxStatus.FAILED


@pytest.mark.usefixtures("sqlite_commits_only_mark_sent")
def test_statements_that_commit_commit_nothing_else_of_the_unit_of_work(
    uow_factory: UowFactory,
) -> None:
    ids = _add(uow_factory, _message("a"))
    _claim(uow_factory, "w1", NOW)
    with uow_factory() as uow:
        uow.outbox.add(_message("never committed"))
        with uow.statements_that_commit() as marks:
            marks.mark_sent(ids["a"], "w1", NOW)
    with uow_factory() as uow:
        assert uow.outbox.keys() == {"a"}


def test_a_message_queued_as_intent_is_rendered_once(uow_factory: UowFactory) -> None:
    ids = _add(uow_factory, _message("ack", rendered=False), _message("request"))
    first = Rendering("Thank you", "We have recorded", b"raw 1")
    with uow_factory() as uow:
        assert uow.outbox.awaiting_render() == [ids["ack"]]
        assert uow.outbox.store_rendering(ids["ack"], first)
        assert not uow.outbox.store_rendering(ids["ack"], Rendering("Again", "", b"raw 2"))
        assert uow.outbox.awaiting_render() == []
        uow.commit()
    assert _get(uow_factory, ids["ack"]).rendering == first


def test_our_emails_are_found_by_token_and_by_the_newest_of_their_message_ids(
    uow_factory: UowFactory,
) -> None:
    _add(
        uow_factory,
        _message("request", token="tok1", message_id="<1@csp>"),
        _message("chaser", token="tok2", message_id="<2@csp>"),
    )
    with uow_factory() as uow:
        assert [m.key for m in [uow.outbox.by_token("tok1")] if m] == ["request"]
        found = uow.outbox.by_message_ids(["<1@csp>", "<2@csp>", "<other@x>"])
        assert found is not None and found.key == "chaser"
        assert uow.outbox.by_token("nope") is None and uow.outbox.by_message_ids([]) is None
        by_token = uow.outbox.with_tokens(["tok1", "tok2", "nope"])
        by_id = uow.outbox.with_message_ids(["<1@csp>", "<other@x>"])
        assert {t: m.key for t, m in by_token.items()} == {"tok1": "request", "tok2": "chaser"}
        assert {i: m.key for i, m in by_id.items()} == {"<1@csp>": "request"}
        assert uow.outbox.with_tokens([]) == {} == uow.outbox.with_message_ids([])


def test_the_meetings_an_email_kind_was_sent_for(uow_factory: UowFactory) -> None:
    pack = NotificationKind.AGENDA_PACK
    ids = _add(uow_factory, _message("sent", kind=pack), _message("waiting", kind=pack))
    _claim(uow_factory, "w1", NOW, limit=1)
    with uow_factory() as uow:
        uow.outbox.mark_sent(ids["sent"], "w1", NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.meetings_sent(pack) == {MEETING}
        assert uow.outbox.meetings_sent(NotificationKind.UPDATE_REQUEST) == frozenset()
        assert uow.outbox.meetings_sent(pack, among=[MEETING, date(2012, 6, 19)]) == {MEETING}
        assert uow.outbox.meetings_sent(pack, among=[date(2012, 6, 19)]) == frozenset()
        assert uow.outbox.count_with_status(OutboxStatus.SENT, OutboxStatus.PENDING) == 2


def test_the_latest_sent_emails_come_newest_first_and_only_as_many_as_asked(
    uow_factory: UowFactory,
) -> None:
    ids = _add(
        uow_factory,
        *(_message(key, at=NOW + timedelta(minutes=n)) for n, key in enumerate("abcd")),
    )
    _claim(uow_factory, "w1", NOW + timedelta(hours=1))
    with uow_factory() as uow:  # sent out of order: c first, then a, then b; d waits
        for minutes, key in ((1, "c"), (2, "a"), (3, "b")):
            uow.outbox.mark_sent(ids[key], "w1", NOW + timedelta(hours=1, minutes=minutes))
        uow.commit()
    with uow_factory() as uow:
        assert [m.key for m in uow.outbox.latest_sent(2)] == ["b", "a"]
        assert [m.key for m in uow.outbox.latest_sent(10)] == ["b", "a", "c"]
        assert uow.outbox.latest_sent(0) == []


def test_the_outbox_says_which_of_some_keys_it_holds(uow_factory: UowFactory) -> None:
    skipped = replace(_message("skipped", rendered=False), status=OutboxStatus.SKIPPED)
    _add(uow_factory, _message("a"), _message("b"), skipped)
    many = [f"never/{n}" for n in range(2500)]  # more than one statement's worth
    with uow_factory() as uow:
        assert uow.outbox.recorded_keys(["a", "skipped", "c"]) == {"a", "skipped"}
        assert uow.outbox.recorded_keys(["a", "b"]) == {"a", "b"}
        assert uow.outbox.recorded_keys([*many, "b", "a"]) == {"a", "b"}
        assert uow.outbox.recorded_keys(many) == frozenset()
        assert uow.outbox.recorded_keys([]) == frozenset()


def test_the_message_id_of_an_email_by_its_key(uow_factory: UowFactory) -> None:
    _add(uow_factory, _message("request", message_id="<1@csp>"), _message("intent"))
    with uow_factory() as uow:
        assert uow.outbox.message_id_of("request") == "<1@csp>"
        assert uow.outbox.message_id_of("intent") is None
        assert uow.outbox.message_id_of("never") is None


def test_when_the_first_rendered_email_of_a_kind_for_a_meeting_was_queued(
    uow_factory: UowFactory,
) -> None:
    pack = NotificationKind.AGENDA_PACK
    later = NOW + timedelta(hours=2)
    _add(
        uow_factory,
        _message("intent only", kind=pack, rendered=False),
        replace(_message("rendered", kind=pack), created_at=later),
        replace(_message("rendered again", kind=pack), created_at=later + timedelta(days=1)),
    )
    with uow_factory() as uow:
        assert uow.outbox.first_rendered_at(pack, MEETING) == later
        assert uow.outbox.first_rendered_at(pack, date(2012, 6, 19)) is None
        assert uow.outbox.first_rendered_at(NotificationKind.AGENDA_ADDENDUM, MEETING) is None


# Replies


def test_a_message_is_stored_once_under_its_dedupe_key(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        first = uow.inbound.add(_arrived("<reply@x>"))
        again = uow.inbound.add(_arrived("<reply@x>"))
        uow.commit()
    assert first is not None and again is None
    with uow_factory() as uow:
        stored = uow.inbound.by_dedupe_key("<reply@x>")
        assert stored is not None and (stored.id, stored.status) == (first, InboundStatus.NEW)


def test_many_messages_are_stored_in_one_go_each_key_once(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        earlier = uow.inbound.add(_arrived("<b@x>"))
        uow.commit()
    with uow_factory() as uow:
        ids = uow.inbound.add_all([_arrived("<a@x>"), _arrived("<b@x>"), _arrived("<a@x>")])
        assert uow.inbound.add_all([]) == []
        uow.commit()
    assert ids[0] is not None and ids[1:] == [None, None]
    with uow_factory() as uow:
        stored = {m.dedupe_key: m.id for m in uow.inbound.with_status(InboundStatus.NEW)}
    assert stored == {"<a@x>": ids[0], "<b@x>": earlier}


def test_messages_are_taken_together_once_and_their_outcomes_written_together(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        a, b, c = uow.inbound.add_all([_arrived("<a@x>"), _arrived("<b@x>"), _arrived("<c@x>")])
        assert a is not None and b is not None and c is not None
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound.take_new(c)
        taken = uow.inbound.take_new_all([b, a, c, 999])
        assert [(m.id, m.dedupe_key, m.status) for m in taken] == [
            (a, "<a@x>", InboundStatus.PROCESSING),
            (b, "<b@x>", InboundStatus.PROCESSING),
        ]
        assert taken[0].received_at == NOW and uow.inbound.take_new_all([a, b]) == []
        uow.inbound.record_outcomes(
            [
                (a, Outcome(InboundStatus.PROCESSED, "reply")),
                (c, Outcome(InboundStatus.PROCESSED, "bounce")),
            ],
            NOW,
        )
        assert uow.inbound.send_to_review(b, "matches no email we sent", NOW)  # taken here
        uow.commit()
    with uow_factory() as uow:
        done = {m.id: (m.status, m.classification) for m in uow.inbound.with_status(*InboundStatus)}
        assert not uow.inbound.send_to_review(a, "too late", NOW)
    assert done == {
        a: (InboundStatus.PROCESSED, "reply"),
        b: (InboundStatus.REVIEW, None),
        c: (InboundStatus.PROCESSED, "bounce"),
    }


def test_a_new_message_is_taken_once_and_given_back_when_not_committed(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        inbound_id = uow.inbound.add(_arrived("<reply@x>"))
        uow.commit()
    assert inbound_id is not None
    with uow_factory() as uow:
        assert uow.inbound.take_new(inbound_id)
        assert not uow.inbound.take_new(inbound_id)
    with uow_factory() as uow:
        assert uow.inbound.take_new(inbound_id)
        uow.inbound.record_outcome(inbound_id, Outcome(InboundStatus.PROCESSED, "reply"), NOW)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.inbound.get(inbound_id)
        assert stored is not None and (stored.status, stored.classification) == (
            InboundStatus.PROCESSED,
            "reply",
        )


def test_only_a_new_message_goes_to_review(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        waiting = uow.inbound.add(_arrived("<a@x>"))
        done = uow.inbound.add(_arrived("<b@x>"))
        assert waiting is not None and done is not None
        uow.inbound.record_outcome(done, Outcome(InboundStatus.PROCESSED, "reply"), NOW)
        assert uow.inbound.send_to_review(waiting, "matches no email we sent", NOW)
        assert not uow.inbound.send_to_review(done, "matches no email we sent", NOW)
        uow.commit()
    with uow_factory() as uow:
        in_review = uow.inbound.with_status(InboundStatus.REVIEW)
        assert uow.inbound.count_with_status(InboundStatus.REVIEW) == 1
        assert uow.inbound.count_with_status(InboundStatus.REVIEW, InboundStatus.PROCESSED) == 2
    assert [(m.id, m.review_reason) for m in in_review] == [(waiting, "matches no email we sent")]


def test_raw_bytes_of_processed_messages_are_purged_after_the_cutoff(
    uow_factory: UowFactory,
) -> None:
    long_ago = NOW - timedelta(days=100)
    with uow_factory() as uow:
        ids = [
            uow.inbound.add(_arrived(key, at))
            for key, at in (("<old@x>", long_ago), ("<unprocessed@x>", long_ago), ("<new@x>", NOW))
        ]
        old, unprocessed, recent = (i for i in ids if i is not None)
        for processed in (old, recent):
            uow.inbound.record_outcome(processed, Outcome(InboundStatus.PROCESSED, "reply"), NOW)
        assert uow.inbound.purge_raw_before(NOW - timedelta(days=90), NOW) == 1
        uow.commit()
    with uow_factory() as uow:
        kept = [uow.inbound.raw_of(i) is not None for i in (old, unprocessed, recent)]
    assert kept == [False, True, True]


def test_attachments_come_back_with_the_time_their_message_arrived(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        inbound_id = uow.inbound.add(_arrived("<with-pdf@x>"))
        assert inbound_id is not None
        pdf = ReceivedAttachment(
            inbound_id, "report.pdf", "application/pdf", b"%PDF", None, MEETING
        )
        uow.inbound.add_attachment(pdf)
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbound.attachments_for_meeting(MEETING) == [replace(pdf, received_at=NOW)]


def test_away_notices_and_failing_addresses_are_kept_once_per_address(
    uow_factory: UowFactory,
) -> None:
    later = NOW + timedelta(days=1)
    with uow_factory() as uow:
        uow.inbound.record_away("lead@example.org", MEETING, NOW, date(2012, 3, 1))
        uow.inbound.record_away("lead@example.org", MEETING, later, date(2012, 3, 5))
        uow.inbound.record_away("lead@example.org", MEETING, later, None)
        uow.inbound.mark_address_failing("gone@example.org", NOW, "550 user unknown")
        uow.inbound.mark_address_failing("gone@example.org", later, "550 mailbox disabled")
        uow.commit()
    with uow_factory() as uow:
        away = [
            (a.address, a.received_at, a.away_until) for a in uow.inbound.away_for_meeting(MEETING)
        ]
        failing = [(f.address, f.failing_since, f.detail) for f in uow.inbound.failing_addresses()]
    assert away == [("lead@example.org", NOW, date(2012, 3, 5))]
    assert failing == [("gone@example.org", NOW, "550 mailbox disabled")]


def test_the_latest_update_of_an_action_is_looked_up_within_its_own_plan(
    uow_factory: UowFactory,
) -> None:
    this_year = lancaster_plan()
    next_year = replace(this_year, name="Lancaster District Community Safety Plan 2012/13")
    with uow_factory() as uow:
        uow.plans.save(this_year, "a.yaml", NOW)
        uow.plans.save(next_year, "b.yaml", NOW)
        plan_id = uow.plans.id_of(this_year.name)
        first, second = (uow.inbound.add(_arrived(f"<{n}@x>")) for n in (1, 2))
        uow.updates.add_all([_update("3.1.1", inbound_id=first, plan_id=plan_id)])
        uow.updates.add_all(
            [replace(_update("3.1.1", inbound_id=second, plan_id=plan_id), text="newer")]
        )
        uow.commit()
    with uow_factory() as uow:
        latest = uow.updates.latest_by_ref(this_year.name, ["3.1.1", "3.1.2"])
        assert {ref: u.text for ref, u in latest.items()} == {"3.1.1": "newer"}
        assert uow.updates.latest_by_ref(next_year.name) == {}
        assert uow.updates.latest_by_ref(this_year.name, []) == {}


def test_the_latest_status_of_each_action_counts_a_text_only_update_as_none(
    uow_factory: UowFactory,
) -> None:
    this_year = lancaster_plan()
    next_year = replace(this_year, name="Lancaster District Community Safety Plan 2012/13")
    with uow_factory() as uow:
        uow.plans.save(this_year, "a.yaml", NOW)
        uow.plans.save(next_year, "b.yaml", NOW)
        plan_id, other_id = uow.plans.id_of(this_year.name), uow.plans.id_of(next_year.name)
        first, second = (uow.inbound.add(_arrived(f"<{n}@x>")) for n in (1, 2))
        uow.updates.add_all(
            [
                _update("3.1.1", inbound_id=first, plan_id=plan_id),
                _update("3.1.2", inbound_id=first, plan_id=plan_id),
                replace(_update("3.1.3", inbound_id=first, plan_id=other_id), status=Status.RED),
            ]
        )
        uow.updates.add_all(
            [
                replace(_update("3.1.1", inbound_id=second, plan_id=plan_id), status=Status.AMBER),
                replace(_update("3.1.2", inbound_id=second, plan_id=plan_id), status=None),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.updates.latest_statuses(this_year.name) == {"3.1.1": Status.AMBER, "3.1.2": None}
        assert uow.updates.latest_statuses(next_year.name) == {"3.1.3": Status.RED}
        assert uow.updates.latest_statuses("no such plan") == {}


def test_each_update_is_read_oldest_first_as_all_reads_them(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        inbound_ids = [uow.inbound.add(_arrived(f"<{n}@x>")) for n in range(3)]
        for inbound_id in inbound_ids:
            uow.updates.add_all([_update("3.1.1", inbound_id=inbound_id, plan_id=None)])
        held = replace(
            _update("3.1.2", inbound_id=inbound_ids[0], plan_id=None),
            held_for_review=True,
            personal_data_kinds=("phone number",),
        )
        uow.updates.add(held)
        uow.commit()
    with uow_factory() as uow:
        every = list(uow.updates.each())
        assert every == uow.updates.all()
        assert [u.inbound_id for u in every] == [*inbound_ids, inbound_ids[0]]
        assert every[-1].personal_data_kinds == ("phone number",) and every[-1].held


def test_updates_held_for_personal_data_are_listed_and_counted_until_released(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        inbound_id = uow.inbound.add(_arrived("<held@x>"))
        held = replace(_update("3.1.1", inbound_id=inbound_id, plan_id=None), held_for_review=True)
        ids = [
            uow.updates.add(held),
            uow.updates.add(replace(held, ref="3.1.2")),
            uow.updates.add(_update("3.1.3", inbound_id=inbound_id, plan_id=None)),
        ]
        uow.updates.mark_released(ids[0], NOW)
        uow.commit()
    with uow_factory() as uow:
        assert [u.id for u in uow.updates.held()] == [ids[1]]
        assert uow.updates.count_held() == 1


def test_one_update_per_action_and_message(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        inbound_id = uow.inbound.add(_arrived("<reply@x>"))
        with pytest.raises(WriteConflict):  # at once, or at commit
            uow.updates.add_all([_update("3.1.1", inbound_id=inbound_id, plan_id=None)] * 2)
            uow.commit()


def test_a_leads_reply_is_recorded_once_per_meeting(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.updates.record_reply(MEETING, "lead@example.org", NOW)
        uow.updates.record_reply(MEETING, "lead@example.org", NOW + timedelta(hours=1))
        uow.commit()
    later = MEETING + timedelta(days=90)
    with uow_factory() as uow:
        uow.updates.record_replies(
            [(MEETING, "lead@example.org"), (later, "lead@example.org"), (MEETING, "b@x.org")] * 2,
            NOW,
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.updates.replied() == {
            (MEETING.isoformat(), "lead@example.org"),
            (later.isoformat(), "lead@example.org"),
            (MEETING.isoformat(), "b@x.org"),
        }
        assert uow.updates.replied([later, date(2013, 1, 1)]) == {
            (later.isoformat(), "lead@example.org")
        }
        assert uow.updates.replied([]) == frozenset()


def test_the_updates_for_a_meeting_recorded_after_a_moment(uow_factory: UowFactory) -> None:
    other = date(2011, 12, 13)
    with uow_factory() as uow:
        uow.updates.add_all(
            [
                replace(_update("3.1.1", inbound_id=None, plan_id=None), received_at=NOW),
                replace(_update("3.1.2", inbound_id=None, plan_id=None), received_at=NOW),
                replace(
                    _update("3.1.3", inbound_id=None, plan_id=None),
                    received_at=NOW + timedelta(hours=1),
                    meeting=other,
                ),
                replace(
                    _update("3.1.4", inbound_id=None, plan_id=None),
                    received_at=NOW - timedelta(hours=1),
                ),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        after = uow.updates.for_meeting_after(MEETING, NOW - timedelta(minutes=1))
        assert [u.ref for u in after] == ["3.1.1", "3.1.2"]
        assert uow.updates.for_meeting_after(MEETING, NOW) == []
        assert [u.ref for u in uow.updates.for_meeting_after(other, NOW)] == ["3.1.3"]


# Plans


def test_a_saved_plan_reads_back_the_same(uow_factory: UowFactory) -> None:
    plan = lancaster_plan()
    with uow_factory() as uow:
        summary = uow.plans.save(plan, "plan.yaml", NOW)
        uow.commit()
    assert summary.created and len(summary.actions_added) == 15
    with uow_factory() as uow:
        assert uow.plans.get(plan.name) == plan
        assert uow.plans.get("no such plan") is None


def test_reloading_a_plan_reports_what_changed_and_archives_what_was_removed(
    uow_factory: UowFactory,
) -> None:
    plan = lancaster_plan()
    first = plan.priorities[0]
    retimed = replace(first.actions[0], timescale="May 2011")
    edited = replace(
        plan,
        priorities=(replace(first, actions=(retimed, *first.actions[1:-1])), *plan.priorities[1:]),
    )
    with uow_factory() as uow:
        uow.plans.save(plan, "plan.yaml", NOW)
        uow.commit()
    with uow_factory() as uow:
        summary = uow.plans.save(edited, "plan.yaml", NOW)
        uow.commit()
    assert (summary.created, summary.actions_added) == (False, ())
    assert (summary.actions_updated, summary.actions_archived) == (("3.1.1",), ("3.1.4",))
    with uow_factory() as uow:
        assert uow.plans.get(plan.name) == edited


def test_completing_an_action_meets_its_milestones_in_its_own_plan_only(
    uow_factory: UowFactory,
) -> None:
    this_year = lancaster_plan()
    next_year = replace(this_year, name="Lancaster District Community Safety Plan 2012/13")
    with uow_factory() as uow:
        uow.plans.save(this_year, "a.yaml", NOW)
        uow.plans.save(next_year, "b.yaml", NOW)
        plan_id = uow.plans.id_of(this_year.name)
        done = uow.plans.complete_milestones(plan_id, ["3.1.4", "9.9.9"], NOW)
        again = uow.plans.complete_milestones(plan_id, ["3.1.4"], NOW)
        uow.commit()
    assert (sorted(done), again) == ([("3.1.4", "MARAC Review"), ("3.1.4", "Mapping")], [])
    with uow_factory() as uow:
        assert uow.plans.completed_milestones(this_year.name) == {
            ("3.1.4", "Mapping"),
            ("3.1.4", "MARAC Review"),
        }
        assert uow.plans.completed_milestones(next_year.name) == frozenset()
