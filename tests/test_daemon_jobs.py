"""How the daemon's jobs report a failure: one line while the database or mail server is
away, a traceback only for a fault in the job itself; a job still running is not a warning."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy.exc import OperationalError

from scheduler.adapters.database import make_engine, upgrade_schema
from scheduler.clock import SystemClock
from scheduler.daemon import RunningJobs, _logged, build_scheduler
from scheduler.services.app import Services
from tests.service_harness import copy_example_config, make_services

SERVICES = cast(Services, SimpleNamespace(sender=SimpleNamespace(stopping=threading.Event())))


def run_failing(error: Exception) -> list[bool]:
    finished: list[bool] = []

    def job(_services: Services, _clock: Any) -> None:
        raise error

    _logged("tick", job, SERVICES, SystemClock(), RunningJobs(), finished.append)()
    return finished


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "job_failed"]


def test_a_database_away_is_one_line_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    away = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    assert run_failing(away) == [False]
    assert run_failing(ConnectionResetError("mail server hung up")) == [False]

    records = failures(caplog)
    assert [r.levelno for r in records] == [logging.ERROR, logging.ERROR]
    assert not any(r.exc_info for r in records)
    assert "connection refused" in records[0].fields["error"]  # type: ignore[attr-defined]


def test_a_fault_in_the_job_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    assert run_failing(KeyError("3.1.2")) == [False]

    (record,) = failures(caplog)
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "3.1.2" in caplog.text and "Traceback" in caplog.text


def test_a_job_still_running_at_its_next_run_is_not_warned_about(tmp_path: Path) -> None:
    apscheduler_log = logging.getLogger("apscheduler.scheduler")
    apscheduler_log.filters.clear()
    url = f"sqlite:///{tmp_path / 'csp.sqlite3'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    services = make_services(url, copy_example_config(tmp_path), tmp_path / "data")
    build_scheduler(services, SystemClock())

    skipped = logging.LogRecord(
        "apscheduler.scheduler",
        logging.WARNING,
        __file__,
        1,
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
        ("reminder tick", 1),
        None,
    )
    missed = logging.LogRecord(
        "apscheduler.scheduler", logging.WARNING, __file__, 1, "Run time missed", (), None
    )
    assert not apscheduler_log.filter(skipped)
    assert apscheduler_log.filter(missed)
