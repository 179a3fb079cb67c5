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
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        parts = [
            self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            record.levelname.lower(),
            f"event={record.getMessage()}",
        ]
        parts += [f"{key}={_quote(value)}" for key, value in fields.items()]
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        payload = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **fields,
        }
        return json.dumps(payload, default=str)


def _quote(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if not text or any(ch in text for ch in ' "='):
        return json.dumps(text)
    return text


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else KeyValueFormatter())
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its context, e.g. log_event("sent", kind="update_request", to=...)."""
    logging.getLogger(LOGGER_NAME).log(level, event, extra={"fields": fields})
