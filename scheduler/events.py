"""Operator logs: one line per thing that happened, as `event=... key=value`, or JSON.

Never pass email bodies or secrets as fields.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

LOGGER_NAME = "csp"


class KeyValueFormatter(logging.Formatter):
    """`<time> <level> event=<event> key=value...`, one line per record."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), record.levelname.lower()]
        parts += [f"{key}={_quote(value)}" for key, value in _fields_of(record, self).items()]
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `at`, `level`, `event` and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            **_fields_of(record, self),
        }
        return json.dumps(payload, default=str)


def _fields_of(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    """An event of ours as its name and fields; any other record (a library's, a Python
    warning) as the event `log` with its logger and message, so it fits the same line."""
    if record.name == LOGGER_NAME:
        fields: dict[str, Any] = {"event": record.getMessage(), **getattr(record, "fields", {})}
    else:
        fields = {"event": "log", "logger": record.name, "message": record.getMessage().rstrip()}
    if record.exc_info:
        fields["exception"] = formatter.formatException(record.exc_info)
    if record.stack_info:
        fields["stack"] = formatter.formatStack(record.stack_info)
    return fields


def _quote(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if not text or any(ch in text for ch in ' "=') or not text.isprintable():
        return json.dumps(text)
    return text


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send every log record of the process to stdout in one format (`text` or `json`): our
    events from `level`, other libraries' records and Python warnings from WARNING."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers[:] = []
    logger.setLevel(level)
    logger.propagate = True
    logging.captureWarnings(True)


def log_event(
    event: str, level: int = logging.INFO, *, exc_info: bool = False, **fields: Any
) -> None:
    """Log one event with its context, e.g. log_event("sent", kind="update_request", to=...);
    `exc_info` adds the traceback of the exception being handled."""
    logging.getLogger(LOGGER_NAME).log(level, event, exc_info=exc_info, extra={"fields": fields})
