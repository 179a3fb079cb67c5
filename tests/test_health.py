"""`csp health`: healthy only while the daemon's last finished tick is recent and its database
answers at the schema this version needs; the tick's heartbeat as the daemon leaves it."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.adapters.heartbeat import TickHeartbeat
from scheduler.adapters.service_manager import ServiceManager
from scheduler.cli.main import main
from scheduler.clock import SystemClock
from scheduler.daemon import TickWitness
from scheduler.services.health import health_report
from scheduler.settings import Settings, settings_from_env
from tests.fakes import FixedClock
from tests.test_cli_daemon import _csp_logger_restored  # noqa: F401  (autouse)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = settings_from_env({"CSP_DATA_DIR": str(tmp_path / "data")})
    assert main_with(settings, "db", "upgrade") == 0
    return settings


def main_with(settings: Settings, *args: str) -> int:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CSP_DATA_DIR", str(settings.data_dir))
        patch.setenv("CSP_DATABASE_URL", settings.database_url)
        return main(list(args))


def test_a_recent_tick_and_an_answering_database_are_healthy(settings: Settings) -> None:
    TickHeartbeat(settings.data_dir).record(NOW - timedelta(seconds=70))
    report = health_report(settings, NOW, FIVE_MINUTES)
    assert report.healthy and report.problems == []
    assert report.as_json()["last_tick_age_seconds"] == 70


def test_a_tick_older_than_the_bound_is_unhealthy(settings: Settings) -> None:
    TickHeartbeat(settings.data_dir).record(NOW - timedelta(minutes=6))
    (problem,) = health_report(settings, NOW, FIVE_MINUTES).problems
    assert "360 s ago (more than 300 s): the daemon is stopped or stuck" in problem


def test_no_tick_ever_is_unhealthy(settings: Settings) -> None:
    (problem,) = health_report(settings, NOW, FIVE_MINUTES).problems
    assert problem.startswith("no tick recorded yet") and "last-tick" in problem


def test_a_garbled_heartbeat_is_one_line_not_a_traceback(settings: Settings) -> None:
    (settings.data_dir / "last-tick").write_text("yesterday\n", encoding="ascii")
    (problem,) = health_report(settings, NOW, FIVE_MINUTES).problems
    assert problem.endswith("last-tick: 'yesterday' is not a time")


def test_a_database_that_does_not_answer_is_unhealthy(settings: Settings) -> None:
    TickHeartbeat(settings.data_dir).record(NOW)
    gone = settings_from_env(
        {
            "CSP_DATA_DIR": str(settings.data_dir),
            "CSP_DATABASE_URL": "postgresql+psycopg://csp@127.0.0.1:9/csp?connect_timeout=2",
        }
    )
    (problem,) = health_report(gone, NOW, FIVE_MINUTES).problems
    assert problem.startswith("database (CSP_DATABASE_URL) unreachable: ")


def test_a_database_behind_the_code_is_unhealthy(tmp_path: Path) -> None:
    settings = settings_from_env({"CSP_DATA_DIR": str(tmp_path / "data")})
    TickHeartbeat(settings.data_dir).record(NOW)
    (problem,) = health_report(settings, NOW, FIVE_MINUTES).problems
    assert "run `csp db upgrade`" in problem


def test_csp_health_exits_0_when_healthy_and_1_with_a_line_when_not(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    heartbeat = TickHeartbeat(settings.data_dir)
    heartbeat.record(SystemClock().now())
    assert main_with(settings, "health") == 0
    assert capsys.readouterr().out.startswith("ok: last tick ")
    heartbeat.record(SystemClock().now() - timedelta(minutes=20))
    assert main_with(settings, "health") == 1
    assert capsys.readouterr().err.startswith("unhealthy: last tick ")
    assert main_with(settings, "health", "--max-age", "3600", "--json") == 0
    assert json.loads(capsys.readouterr().out)["healthy"] is True


def test_a_finished_tick_is_recorded_and_feeds_the_watchdog_a_failed_one_only_feeds_it(
    tmp_path: Path,
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "notify"))
        sock.settimeout(10)
        manager = ServiceManager({"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "1"})
        heartbeat = TickHeartbeat(tmp_path / "data")
        witness = TickWitness(heartbeat, manager, FixedClock(NOW))
        witness.tick_finished(False)  # the database was down: alive, but no tick completed
        assert sock.recv(64) == b"WATCHDOG=1" and heartbeat.last() is None
        witness.tick_finished(True)
        assert sock.recv(64) == b"WATCHDOG=1" and heartbeat.last() == NOW
