"""`csp backup` and `csp restore` (SQLite): a backup taken while the database is in use holds
every row of every table, and restoring it over a database that has moved on brings back
exactly what was backed up; bad requests are one line."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.adapters.heartbeat import TickHeartbeat
from scheduler.adapters.orm import Base
from scheduler.cli.main import main
from scheduler.clock import SystemClock
from scheduler.domain.replies.records import ReceivedAttachment
from scheduler.services.app import Services
from scheduler.services.inbox import ingest_raw
from scheduler.services.reminders import run_tick
from tests.service_harness import copy_example_config, make_services
from tests.test_cli_daemon import _csp_logger_restored  # noqa: F401  (autouse)
from tests.test_inbox_service import HELENE, _request_to, outlook_reply

LONDON = ZoneInfo("Europe/London")
NINE = datetime(2012, 2, 21, 9, 0, tzinfo=LONDON)
REPLY = datetime(2012, 2, 22, 14, 0, tzinfo=LONDON)
Snapshot = dict[str, list[tuple[object, ...]]]
ONE_HOUR = timedelta(hours=1)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "data" / "csp.sqlite3"


@pytest.fixture
def csp(tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CSP_DATA_DIR", str(database.parent))
    monkeypatch.setenv("CSP_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("CSP_CONFIG_DIR", str(tmp_path / "config"))
    return lambda *args: main(list(args))


@pytest.fixture
def services(tmp_path: Path, database: Path, csp) -> Services:  # type: ignore[no-untyped-def]
    config = copy_example_config(tmp_path)  # commands refuse to run without a configuration
    assert csp("db", "upgrade") == 0
    return make_services(f"sqlite:///{database}", config, database.parent)


def a_year_so_far(services: Services) -> None:
    """Rows in every table: the plan loaded, requests sent, a reply with personal data, its
    attachment, a bounce, an out-of-office, an audit entry and a sign-in link."""
    run_tick(services, NINE)
    reply = outlook_reply(_request_to(services, HELENE), "3.1.4 Amber victim at LA1 4XQ")
    ingest_raw(services, reply, REPLY)
    with services.uow_factory() as uow:
        first = uow.updates.all()[0]
        assert first.inbound_id is not None
        uow.inbound.add_attachment(
            ReceivedAttachment(
                first.inbound_id,
                "report.pdf",
                "application/pdf",
                b"%PDF-1.4",
                "Helene Cooper",
                first.meeting,
            )
        )
        uow.inbound.mark_address_failing("ian.dawson@example.org", REPLY, "550 no such user")
        uow.inbound.record_away("kyran.ronson@example.org", first.meeting, REPLY, None)
        uow.audit.record(REPLY, "backup_test", "every table")
        uow.sign_in_links.add("0" * 64, "community.safety@example.org", REPLY, REPLY + ONE_HOUR)
        uow.commit()


def snapshot(database: Path) -> Snapshot:
    with closing(sqlite3.connect(database)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }


def test_a_backup_restored_brings_back_every_row_of_every_table(
    services: Services,
    csp,
    database: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    a_year_so_far(services)
    before = snapshot(database)
    assert set(before) == {*Base.metadata.tables, "alembic_version"}
    assert [table for table, rows in before.items() if not rows] == []
    assert csp("backup", str(tmp_path / "backups" / "csp.sqlite3")) == 0
    # the database moves on after the backup
    run_tick(services, NINE + timedelta(days=14))
    with services.uow_factory() as uow:
        uow.audit.record(REPLY, "after_backup")
        uow.commit()
    assert snapshot(database) != before
    assert csp("restore", str(tmp_path / "backups" / "csp.sqlite3")) == 0
    assert snapshot(database) == before


def test_a_backup_never_overwrites_without_force(
    services: Services,
    csp,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "copy.sqlite3"
    assert csp("backup", str(target)) == 0
    assert csp("backup", str(target)) == 1
    assert "already exists; choose a new name or give --force" in capsys.readouterr().err
    assert csp("backup", "--force", str(target)) == 0


def test_restore_refuses_while_the_daemon_ticks_and_anything_not_a_backup(
    services: Services,
    csp,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    target = tmp_path / "copy.sqlite3"
    assert csp("backup", str(target)) == 0
    TickHeartbeat(services.settings.data_dir).record(SystemClock().now())
    assert csp("restore", str(target)) == 1
    assert "stop it first (systemctl stop csp), or give --force" in capsys.readouterr().err
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("hello\n" * 200, encoding="utf-8")
    assert csp("restore", "--force", str(not_a_database)) == 1
    assert "notes.txt: not a SQLite database" in capsys.readouterr().err


def test_postgresql_is_told_to_use_pg_dump(
    csp,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("CSP_DATABASE_URL", "postgresql+psycopg://csp@127.0.0.1:9/csp")
    assert csp("backup", "out.sqlite3") == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "use pg_dump and pg_restore" in line
