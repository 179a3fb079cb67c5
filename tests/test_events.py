"""Operator logs: every line the daemon writes, ours or a library's or a Python warning, is
one line in the chosen format, JSON or key=value."""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from scheduler.events import LOGGER_NAME, configure_logging, log_event

TRANSPORT = "scheduler.adapters.mail_transport"
EXECUTOR = "apscheduler.executors.default"


@contextmanager
def logging_configured(log_format: str) -> Iterator[None]:
    """`configure_logging` for the length of one test; the loggers as they were afterwards."""
    root, ours = logging.getLogger(), logging.getLogger(LOGGER_NAME)
    saved = (root.handlers[:], root.level, ours.handlers[:], ours.level, ours.propagate)
    configure_logging(log_format)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.handlers[:], root.level, ours.handlers[:], ours.level, ours.propagate = saved


def log_from_everyone() -> None:
    """What a daemon's stdout sees: our event, the transport, APScheduler, a Python warning,
    and a library's error with its traceback."""
    log_event("sent", kind="update_request", to="helene.cooper@example.org")
    logging.getLogger(TRANSPORT).warning("smtp unavailable: %s", "connection refused")
    logging.getLogger(EXECUTOR).warning("Run time of job %r was missed by %s", "tick", "0:01:02")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("the option is deprecated", UserWarning, stacklevel=1)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger(EXECUTOR).exception("Job %r raised an exception", "tick")


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_in_json_mode_every_line_is_json_whoever_logs_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the daemon's logging in JSON mode
    with logging_configured("json"):
        # When our code, the transport, APScheduler and Python's warnings all log
        log_from_everyone()
        lines = lines_of(capsys)

    # Then each line is one JSON object: our event with its fields, the others as `log`
    records = [json.loads(line) for line in lines]
    assert len(records) == 5
    assert all({"at", "level", "event"} <= record.keys() for record in records)
    sent, transport, executor, warning, failure = records
    assert sent["event"] == "sent" and sent["to"] == "helene.cooper@example.org"
    assert transport == {
        "at": transport["at"],
        "level": "warning",
        "event": "log",
        "logger": TRANSPORT,
        "message": "smtp unavailable: connection refused",
    }
    assert executor["logger"] == EXECUTOR
    assert executor["message"] == "Run time of job 'tick' was missed by 0:01:02"
    assert warning["logger"] == "py.warnings"
    assert "UserWarning: the option is deprecated" in warning["message"]
    assert failure["level"] == "error"
    assert failure["exception"].startswith("Traceback")
    assert "RuntimeError: boom" in failure["exception"]


def test_in_text_mode_every_line_is_key_value_whoever_logs_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with logging_configured("text"):
        log_from_everyone()
        lines = lines_of(capsys)

    assert len(lines) == 5
    assert all(re.match(r"^\S+ (info|warning|error) event=\S+( \w+=\S.*)?$", x) for x in lines)
    assert lines[1].endswith(
        f' warning event=log logger={TRANSPORT} message="smtp unavailable: connection refused"'
    )
    assert " event=log logger=py.warnings message=" in lines[3]
    assert ' exception="Traceback' in lines[4]


def test_libraries_speak_from_warning_while_our_events_start_at_info(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with logging_configured("json"):
        logging.getLogger("apscheduler.scheduler").info("Added job %r", "tick")
        log_event("started", worker="host-1")
        lines = lines_of(capsys)

    assert [json.loads(line)["event"] for line in lines] == ["started"]
