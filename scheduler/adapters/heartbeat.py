"""When this daemon last finished a tick, kept in a small file in the data folder.

A file, not a table: `csp health` asks whether *this* daemon is alive (the container's or
the unit's), and two daemons may share one database, where either one's tick would answer
for both. The data folder is the daemon's own (the unit's ReadWritePaths, the container's
volume), needs no migration, and can be read while the database is down, which health
reports apart. The file holds one ISO 8601 time and is replaced whole, never half written.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from scheduler.domain.errors import UserError
from scheduler.events import log_event

HEARTBEAT_FILE = "last-tick"


class TickHeartbeat:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / HEARTBEAT_FILE
        self._failing = False

    def record(self, at: datetime) -> None:
        """Note a finished tick at `at` (aware); a failure is logged once, never raised."""
        partial = self.path.with_name(f".{HEARTBEAT_FILE}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(at.isoformat() + "\n", encoding="ascii")
            os.replace(partial, self.path)
        except OSError as error:
            if not self._failing:
                log_event(
                    "heartbeat_not_written",
                    logging.WARNING,
                    path=str(self.path),
                    error=error.strerror or repr(error),
                )
            self._failing = True
            return
        self._failing = False

    def last(self) -> datetime | None:
        """The last tick recorded, or None if none ever was; a one-line error if the file
        cannot be read or does not hold a time."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            detail = error.strerror if isinstance(error, OSError) else "not a time"
            raise UserError(f"{self.path}: cannot read the last tick ({detail})") from None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise UserError(f"{self.path}: {text[:40]!r} is not a time") from None
        if moment.utcoffset() is None:
            raise UserError(f"{self.path}: {text[:40]!r} has no time zone")
        return moment
