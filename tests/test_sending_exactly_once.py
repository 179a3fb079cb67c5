"""Exactly once, whatever happens: crashes at each step of sending, an SMTP outage, a second
run of the same tick, two daemons at once. Each test uses the 21 February 2012 update requests
(five leads, 09:00; nothing else is due that day, and everything earlier is past catching up)
of the Lancaster example, with a real SMTP server on loopback."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import Engine

from bench.large_plan import lead_address, write_large_config
from scheduler.adapters.mail_transport import SmtpSettings, SmtpTransport
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.delivery import SenderState
from scheduler.services.reminders import run_tick
from tests.fakes import RecordingTransport
from tests.service_harness import (
    FREEZE_IGNORE,
    copy_example_config,
    make_services,
    switch_transport,
)
from tests.smtp_server import SmtpTestServer, closed_port

LONDON = ZoneInfo("Europe/London")
NINE = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)
REQUESTS = 5  # one update request per lead


class Crash(BaseException):
    """The process dying at this line: nothing after it runs, open transactions roll back."""


def _transport(port: int) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none"))


class CrashingTransport:
    """A real SMTP transport that dies at a chosen point of the batch."""

    def __init__(
        self,
        port: int,
        *,
        on_open: bool = False,
        after_accept: int | None = None,
        before_send: int | None = None,
    ) -> None:
        self.inner = _transport(port)
        self.on_open, self.after_accept, self.before_send = on_open, after_accept, before_send
        self.sent = 0

    def __enter__(self) -> CrashingTransport:
        if self.on_open:
            raise Crash("after the outbox write, before any send")
        self.inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.inner.__exit__(exc_type, exc, tb)

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        if self.before_send is not None and self.sent == self.before_send:
            raise Crash("after the previous message was marked sent")
        self.inner.send_raw(sender, recipients, raw, message_id)
        self.sent += 1
        if self.after_accept is not None and self.sent == self.after_accept:
            raise Crash("after SMTP accepted the message, before it was marked sent")


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture
def services(engine: Engine, database_url: str, tmp_path: Path, smtp: SmtpTestServer) -> Services:
    return make_services(
        database_url, copy_example_config(tmp_path), tmp_path / "data", smtp_port=smtp.port
    )


def _restart(services: Services) -> None:
    """The daemon died with the crash: what runs next is a new process, a new worker."""
    services.worker = f"restarted-{services.worker}"
    services.sender = SenderState()


def _received_once_each(smtp: SmtpTestServer) -> Counter[str]:
    return Counter(str(m.message["To"]) for m in smtp.messages)


def _statuses(services: Services) -> Counter[str]:
    with services.uow_factory() as uow:
        return Counter(row.status for row in uow.outbox.all() if row.status != OutboxStatus.SKIPPED)


def test_a_second_run_of_the_same_tick_sends_nothing_more(
    services: Services, smtp: SmtpTestServer
) -> None:
    run_tick(services, NINE)
    run_tick(services, NINE)
    run_tick(services, NINE + timedelta(minutes=1))
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


def test_a_crash_before_the_outbox_write_loses_nothing(
    services: Services, smtp: SmtpTestServer
) -> None:
    real_factory = services.uow_factory

    class CrashOnCommit(SqlAlchemyUnitOfWork):
        def commit(self) -> None:
            raise Crash("before the outbox write is committed")

    services.uow_factory = lambda: CrashOnCommit(real_factory()._sessions)  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        run_tick(services, NINE)
    services.uow_factory = real_factory
    assert _statuses(services) == Counter()
    run_tick(services, NINE + timedelta(minutes=1))
    assert len(smtp.messages) == REQUESTS


def test_a_crash_after_the_outbox_write_sends_each_once_when_the_lease_expires(
    services: Services, smtp: SmtpTestServer
) -> None:
    services.open_transport = lambda: CrashingTransport(smtp.port, on_open=True)  # type: ignore[assignment]
    with pytest.raises(Crash):
        run_tick(services, NINE)
    assert _statuses(services) == Counter({OutboxStatus.SENDING: REQUESTS})
    _restart(services)
    services.open_transport = lambda: _transport(smtp.port)
    run_tick(services, NINE + timedelta(seconds=30))  # the dead claimer's lease still holds
    assert smtp.messages == []
    run_tick(services, NINE + timedelta(minutes=2))  # and has run out a minute later
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


def test_a_live_worker_whose_batch_broke_off_takes_its_claims_back_at_once(
    services: Services, smtp: SmtpTestServer
) -> None:
    services.open_transport = lambda: CrashingTransport(smtp.port, on_open=True)  # type: ignore[assignment]
    with pytest.raises(Crash):
        run_tick(services, NINE)
    services.open_transport = lambda: _transport(smtp.port)
    run_tick(services, NINE + timedelta(seconds=30))  # same process: no need to wait for the lease
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


def test_a_crash_after_smtp_accepted_resends_only_that_message_with_its_message_id(
    services: Services, smtp: SmtpTestServer
) -> None:
    services.open_transport = lambda: CrashingTransport(smtp.port, after_accept=1)  # type: ignore[assignment]
    with pytest.raises(Crash):
        run_tick(services, NINE)
    _restart(services)
    services.open_transport = lambda: _transport(smtp.port)
    run_tick(services, NINE + timedelta(minutes=2))
    message_ids = Counter(m.message["Message-ID"] for m in smtp.messages)
    # The documented window: the one message in flight goes twice, as the same message.
    assert len(message_ids) == REQUESTS
    assert sorted(message_ids.values()) == [1, 1, 1, 1, 2]
    assert _statuses(services) == Counter({OutboxStatus.SENT: REQUESTS})


def test_a_crash_after_a_message_is_marked_sent_never_sends_it_again(
    services: Services, smtp: SmtpTestServer
) -> None:
    services.open_transport = lambda: CrashingTransport(smtp.port, before_send=2)  # type: ignore[assignment]
    with pytest.raises(Crash):
        run_tick(services, NINE)
    assert len(smtp.messages) == 2
    _restart(services)
    services.open_transport = lambda: _transport(smtp.port)
    run_tick(services, NINE + timedelta(minutes=2))
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


def test_smtp_down_for_a_day_delivers_everything_once_after_recovery(
    services: Services, smtp: SmtpTestServer
) -> None:
    down = closed_port()
    services.open_transport = lambda: _transport(down)
    at = NINE
    while at < NINE + timedelta(days=1):
        run_tick(services, at)
        at += timedelta(minutes=15)  # retries soon back off to one an hour
    assert smtp.messages == []
    assert _statuses(services) == Counter({OutboxStatus.PENDING: REQUESTS})
    services.open_transport = lambda: _transport(smtp.port)
    for minutes in range(0, 121, 5):
        run_tick(services, at + timedelta(minutes=minutes))
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}
    with services.uow_factory() as uow:
        assert all(row.attempts > 1 for row in uow.outbox.with_status(OutboxStatus.SENT))


def test_a_permanent_refusal_marks_the_message_failed_and_sends_the_rest(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SmtpTestServer(refuse={"ian.dawson@example.org": "550 5.1.1 no such user"}) as smtp:
        services = make_services(
            database_url, copy_example_config(tmp_path), tmp_path / "d", smtp_port=smtp.port
        )
        run_tick(services, NINE)
        run_tick(services, NINE + timedelta(hours=2))
        assert len(smtp.messages) == REQUESTS - 1
    with services.uow_factory() as uow:
        failed = [
            (row.to, row.last_error or "") for row in uow.outbox.with_status(OutboxStatus.FAILED)
        ]
    assert [to for to, _ in failed] == [("ian.dawson@example.org",)]
    assert "550" in failed[0][1]


def test_two_daemons_on_one_database_send_each_email_once(
    engine: Engine, database_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    config = copy_example_config(tmp_path)
    daemons = [
        make_services(
            database_url, config, tmp_path / "data", smtp_port=smtp.port, worker=f"daemon-{n}"
        )
        for n in (1, 2)
    ]
    errors: list[BaseException] = []
    for minute in range(3):
        start = threading.Barrier(len(daemons))

        def run(daemon: Services, at: datetime, start: threading.Barrier) -> None:
            try:
                start.wait()
                run_tick(daemon, at)
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        at = NINE + timedelta(minutes=minute)
        threads = [threading.Thread(target=run, args=(d, at, start)) for d in daemons]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


class SlowTransport:
    """A real SMTP transport on a slow line: each message takes half a minute of frozen time,
    and after the third one another daemon runs its tick."""

    def __init__(self, port: int, frozen: Any, other_daemon: Services) -> None:
        self.inner, self.frozen, self.other = _transport(port), frozen, other_daemon
        self.sent = 0

    def __enter__(self) -> SlowTransport:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(None, None, None)

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        self.inner.send_raw(sender, recipients, raw, message_id)
        self.frozen.tick(timedelta(seconds=30))
        self.sent += 1
        if self.sent == 3:  # 90 s in: past the first lease, so it must have been renewed
            run_tick(self.other, NINE + timedelta(seconds=90))


def test_a_batch_slower_than_its_lease_keeps_its_claim_and_nothing_goes_twice(
    engine: Engine, database_url: str, tmp_path: Path, smtp: SmtpTestServer
) -> None:
    config = copy_example_config(tmp_path)
    slow, fast = (
        make_services(database_url, config, tmp_path / "data", smtp_port=smtp.port, worker=name)
        for name in ("slow", "fast")
    )
    with freeze_time(NINE, ignore=FREEZE_IGNORE) as frozen:
        slow.open_transport = lambda: SlowTransport(smtp.port, frozen, fast)  # type: ignore[assignment]
        run_tick(slow, NINE)
    assert len(smtp.messages) == REQUESTS
    assert set(_received_once_each(smtp).values()) == {1}


@pytest.mark.slow  # saving a plan of 1,200 actions takes most of ten seconds
def test_a_busy_moment_queues_and_sends_each_of_its_hundreds_of_emails_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # Given a plan of 60 leads: with their deadline reminders, more emails at once than a
    # tick writes in one statement
    config_dir = write_large_config(tmp_path, actions=1200)
    services = make_services(database_url, config_dir, tmp_path / "data")
    transport = RecordingTransport()
    switch_transport(services, lambda: transport)
    # When the update request moment's tick runs, and runs again
    first = run_tick(services, NINE)
    second = run_tick(services, NINE)
    # Then every lead has one update request, and each email queued went once
    requests = [e for e in transport.sent if e.subject.startswith("Update please:")]
    assert sorted(a for e in requests for a in e.recipients) == [
        lead_address(n) for n in range(1, 61)
    ]
    assert first.queued == first.delivery.sent == len(transport.sent) > 200
    assert len({e.message_id for e in transport.sent}) == len(transport.sent)
    assert second.queued == second.delivery.sent == 0
