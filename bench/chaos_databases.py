"""The databases a chaos run puts its daemons on, and the outages it inflicts on them.

`sqlite_database(folder)` and `postgres_database(base_url)` each yield a `ChaosDatabase`:
the URL the daemons use (migrated), a read of the outbox as it stands, and `outage(kind,
seconds)`, which blocks for `seconds` while the daemons cannot use the database:

- SQLite `lock`: another connection holds the write lock (every daemon transaction begins
  IMMEDIATE, so all of them wait; past the 30 s busy timeout they fail);
- PostgreSQL `lock`: another connection holds ACCESS EXCLUSIVE on the outbox table;
- PostgreSQL `terminate`: every backend of the daemons is ended, again and again, so each
  reconnection dies too.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from scheduler.adapters.database import make_engine, upgrade_schema
from scheduler.adapters.orm import OutboxRow
from tests.databases import private_postgres_schema

_OUTBOX = OutboxRow.__table__.c  # type: ignore[attr-defined]
# Statuses a message ends in; anything else is still to be sent.
SETTLED = frozenset({"sent", "failed", "skipped"})


@dataclass(frozen=True)
class OutboxState:
    """One outbox row as the harness needs it."""

    key: str
    status: str
    message_id: str | None
    claimed_by: str | None
    lease_until: datetime | None
    send_after: datetime | None


class ChaosDatabase(Protocol):
    label: str
    daemon_url: str
    outage_kinds: tuple[str, ...]

    def outbox(self) -> list[OutboxState] | None:
        """Every outbox row; None when the database cannot be read just now."""
        ...

    def outage(self, kind: str, seconds: float) -> None:
        """Keep the daemons from the database for `seconds` (blocks meanwhile)."""
        ...


def _read_outbox(engine: Engine) -> list[OutboxState] | None:
    columns = (
        _OUTBOX.key,
        _OUTBOX.status,
        _OUTBOX.message_id,
        _OUTBOX.claimed_by,
        _OUTBOX.lease_until,
        _OUTBOX.send_after,
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(*columns)).all()
    except DBAPIError:
        return None
    return [OutboxState(*row) for row in rows]


class SqliteDatabase:
    label = "sqlite"
    outage_kinds = ("lock",)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.daemon_url = f"sqlite:///{path}"
        # A plain engine: its reads begin no write transaction, so they pass a held lock.
        self._reader = create_engine(self.daemon_url, connect_args={"timeout": 1})

    def outbox(self) -> list[OutboxState] | None:
        return _read_outbox(self._reader)

    def outage(self, kind: str, seconds: float) -> None:
        holder = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            time.sleep(seconds)
            holder.execute("COMMIT")
        finally:
            holder.close()

    def dispose(self) -> None:
        self._reader.dispose()


class PostgresDatabase:
    label = "postgresql"
    outage_kinds = ("terminate", "lock")

    def __init__(self, schema_url: str, admin_url: str) -> None:
        self.application = f"csp_chaos_{uuid.uuid4().hex[:8]}"
        url = make_url(schema_url)
        self.daemon_url = url.update_query_dict(
            {"application_name": self.application}
        ).render_as_string(hide_password=False)
        # The harness's own reads give up quickly while the outbox table is locked.
        options = f"{url.query.get('options', '')} -clock_timeout=500"
        self._reader = make_engine(
            url.update_query_dict({"options": options.strip()}).render_as_string(
                hide_password=False
            )
        )
        self._schema_url = schema_url
        self._admin = make_engine(admin_url)

    def outbox(self) -> list[OutboxState] | None:
        return _read_outbox(self._reader)

    def outage(self, kind: str, seconds: float) -> None:
        if kind == "lock":
            self._lock_outbox(seconds)
        else:
            self._terminate_daemons(seconds)

    def _lock_outbox(self, seconds: float) -> None:
        engine = make_engine(self._schema_url)
        try:
            with engine.begin() as connection:
                connection.execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
                time.sleep(seconds)
        finally:
            engine.dispose()

    def _terminate_daemons(self, seconds: float) -> None:
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            with self._admin.begin() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = :application"
                    ),
                    {"application": self.application},
                )
            time.sleep(0.05)

    def dispose(self) -> None:
        self._reader.dispose()
        self._admin.dispose()


@contextmanager
def sqlite_database(folder: Path) -> Iterator[SqliteDatabase]:
    """A migrated SQLite file in `folder`."""
    path = folder / "csp.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    database = SqliteDatabase(path)
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def postgres_database(base_url: str) -> Iterator[PostgresDatabase]:
    """A migrated private schema on the server at `base_url`, dropped afterwards."""
    with private_postgres_schema(base_url, prefix="chaos") as schema_url:
        engine = make_engine(schema_url)
        upgrade_schema(engine)
        engine.dispose()
        database = PostgresDatabase(schema_url, base_url)
        try:
            yield database
        finally:
            database.dispose()
