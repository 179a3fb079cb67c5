"""Sending when things go wrong half-way: a reply lost after the message went out, a stop
asked for in the middle of a batch, a database that stops answering while mail goes out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.adapters.mail_transport import AcceptanceUnknown, SmtpSettings, SmtpTransport
from scheduler.adapters.unit_of_work import SqlAlchemyUnitOfWork
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.reminders import run_tick
from scheduler.services.unit_of_work import OutboxStore
from tests.service_harness import copy_example_config, make_services
from tests.smtp_server import SmtpTestServer
from tests.test_sending_exactly_once import NINE, REQUESTS


def _transport(port: int) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none"))


def _services(database_url: str, tmp_path: Path, smtp: SmtpTestServer) -> Services:
    return make_services(
        database_url, copy_example_config(tmp_path), tmp_path / "data", smtp_port=smtp.port
    )


def _copies(smtp: SmtpTestServer) -> Counter[str]:
    return Counter(str(m.message["Message-ID"]) for m in smtp.messages)


def _statuses(services: Services) -> Counter[str]:
    with services.uow_factory() as uow:
        return Counter(m.status for m in uow.outbox.all() if m.status != OutboxStatus.SKIPPED)


def test_a_reply_lost_after_the_message_went_out_is_not_resent_by_the_transport() -> None:
    with SmtpTestServer(drop_after_data=1) as smtp:
        transport = _transport(smtp.port)
        with transport, pytest.raises(AcceptanceUnknown):
            transport.send_raw(
                "a@example.org",
                ["b@example.org"],
                b"Message-ID: <1@example.org>\r\nSubject: x\r\n\r\nbody\r\n",
                "<1@example.org>",
            )
        assert len(smtp.messages) == 1


def test_a_message_whose_acceptance_is_unknown_is_recorded_and_resent_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SmtpTestServer(drop_after_data=1) as smtp:
        services = _services(database_url, tmp_path, smtp)
        first = run_tick(services, NINE)
        assert first.delivery.acceptance_unknown == 1
        with services.uow_factory() as uow:
            unknown = [m for m in uow.outbox.all() if m.acceptance_unknown_at is not None]
        assert [m.status for m in unknown] == [OutboxStatus.PENDING]
        run_tick(services, NINE + timedelta(minutes=5))
    assert sorted(_copies(smtp).values()) == [1] * (REQUESTS - 1) + [2]
    assert _statuses(services) == Counter({OutboxStatus.SENT: REQUESTS})


def test_a_server_that_keeps_dropping_after_data_gets_at_most_two_copies(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SmtpTestServer(drop_after_data=1000) as smtp:
        services = _services(database_url, tmp_path, smtp)
        for minutes in range(0, 120, 5):
            run_tick(services, NINE + timedelta(minutes=minutes))
    assert set(_copies(smtp).values()) == {2}
    assert len(_copies(smtp)) == REQUESTS
    assert _statuses(services) == Counter({OutboxStatus.SENT: REQUESTS})


class _StopAfter:
    """A real transport; after `count` messages someone asks the daemon to stop."""

    def __init__(self, services: Services, port: int, count: int) -> None:
        self.inner, self.services, self.count = _transport(port), services, count

    def __enter__(self) -> _StopAfter:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(None, None, None)

    def send_raw(self, *args: object) -> None:
        self.inner.send_raw(*args)  # type: ignore[arg-type]
        self.count -= 1
        if self.count == 0:
            self.services.sender.stopping.set()


def test_a_stop_in_the_middle_of_a_batch_sends_nothing_more_and_gives_the_rest_back(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SmtpTestServer() as smtp:
        services = _services(database_url, tmp_path, smtp)
        services.open_transport = lambda: _StopAfter(services, smtp.port, 2)  # type: ignore[assignment]
        report = run_tick(services, NINE)
        assert (report.delivery.sent, report.delivery.released) == (2, REQUESTS - 2)
        assert len(smtp.messages) == 2
    assert _statuses(services) == Counter(
        {OutboxStatus.SENT: 2, OutboxStatus.PENDING: REQUESTS - 2}
    )


class _DatabaseGone(Exception):
    """What the database driver raises when the server has gone away."""


class _MarksFail:
    """The database stops answering just as the first message is to be marked sent."""

    def __init__(self, real: OutboxStore) -> None:
        self.real = real

    def mark_sent(self, *args: object) -> bool:
        raise _DatabaseGone("server closed the connection unexpectedly")

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


class _UnitOfWorkLosingTheDatabase(SqlAlchemyUnitOfWork):
    @contextmanager
    def statements_that_commit(self) -> Iterator[OutboxStore]:  # type: ignore[override]
        with super().statements_that_commit() as marks:
            yield _MarksFail(marks)  # type: ignore[misc]


def test_a_database_lost_while_sending_pauses_sending_and_loses_and_repeats_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    with SmtpTestServer() as smtp:
        services = _services(database_url, tmp_path, smtp)
        real = services.uow_factory
        services.uow_factory = lambda: _UnitOfWorkLosingTheDatabase(real()._sessions)  # type: ignore[attr-defined]
        report = run_tick(services, NINE)
        assert report.delivery.sent == 0 and len(smtp.messages) == 1  # it stopped at once
        services.uow_factory = real
        report = run_tick(services, NINE + timedelta(seconds=30))  # same process, database back
    assert report.delivery.sent == REQUESTS
    assert set(_copies(smtp).values()) == {1} and len(smtp.messages) == REQUESTS
    assert _statuses(services) == Counter({OutboxStatus.SENT: REQUESTS})
