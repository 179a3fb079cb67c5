"""`csp run` as a real process: it starts, sends what is due into the outbox folder, picks up
configuration changes, stops cleanly on a signal, and refuses to start when it cannot work.

Each daemon runs from its own tmp folder with its own SQLite database and no SMTP, so the
embedded transport writes .eml files into CSP_DATA_DIR/outbox. The first tick runs at start,
and a meeting 20 days ahead makes its 28-day update request already due (caught up at once).
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import IO

import pytest

from scheduler.cli.main import main
from scheduler.events import LOGGER_NAME
from tests.service_harness import copy_example_config

LEAD_ADDRESSES = {
    "helene.cooper@example.org",
    "tracie.ogara@example.org",
    "kyran.ronson@example.org",
    "michelle.emery@example.org",
    "ian.dawson@example.org",
}
DEADLINE_SECONDS = 20.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(autouse=True)
def _csp_logger_restored() -> Iterator[None]:
    """The CLI points the `csp` logger at this test's stderr; give later tests theirs back."""
    logger = logging.getLogger(LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved


class Daemon:
    """A `csp run` process whose output is read line by line as it arrives."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli.main", "run"],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._changed = threading.Condition()
        self._open_streams = 2
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], into: list[str]) -> None:
        for line in stream:
            with self._changed:
                into.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._open_streams -= 1
            self._changed.notify_all()

    def transcript(self) -> str:
        return "stdout:\n" + "\n".join(self.out) + "\nstderr:\n" + "\n".join(self.err)

    def wait_for(self, pattern: str, count: int = 1) -> list[str]:
        """Block until `count` log lines match `pattern`; fail at the deadline or on exit."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + DEADLINE_SECONDS
        with self._changed:
            while True:
                found = [line for line in self.out if regex.search(line)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if self._open_streams == 0 or remaining <= 0:
                    why = "exited" if self._open_streams == 0 else "timed out"
                    raise AssertionError(
                        f"{why} waiting for {count} x {pattern!r}\n{self.transcript()}"
                    )
                self._changed.wait(remaining)

    def finish(self) -> int:
        """Wait for the process to end by itself; its exit code."""
        code = self.process.wait(timeout=DEADLINE_SECONDS)
        for reader in self._readers:
            reader.join(timeout=DEADLINE_SECONDS)
        return code

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.finish()


Start = Callable[[], Daemon]


def _meetings_yaml(*days_ahead: int) -> str:
    lines = ["timezone: Europe/London", "meetings:"]
    for days in days_ahead:
        lines += [
            f"  - date: {(date.today() + timedelta(days=days)).isoformat()}",
            '    time: "10:00"',
            "    place: Lancaster Town Hall, Committee Room 1",
            "    title: Lancaster District Community Safety Partnership",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh data folder, a copy of the shipped config with one meeting 20 days ahead, no SMTP."""
    config = copy_example_config(tmp_path)
    (config / "meetings.yaml").write_text(_meetings_yaml(20), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CSP_")}
    return {
        **clean,
        "CSP_DATA_DIR": str(tmp_path / "data"),
        "CSP_CONFIG_DIR": str(config),
        "CSP_TICK_SECONDS": "1",
    }


@pytest.fixture
def upgraded(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`csp db upgrade` on the test's own database (in this process, to keep the suite fast)."""
    for key in list(os.environ):
        if key.startswith("CSP_"):
            monkeypatch.delenv(key)
    for key in ("CSP_DATA_DIR", "CSP_CONFIG_DIR"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade"]) == 0


@pytest.fixture
def start(env: dict[str, str], tmp_path: Path) -> Iterator[Start]:
    """Start `csp run` daemons; any still running at the end of the test are killed."""
    started: list[Daemon] = []

    def launch() -> Daemon:
        daemon = Daemon(tmp_path, env)
        started.append(daemon)
        return daemon

    yield launch
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait(timeout=DEADLINE_SECONDS)


def _sent_requests(daemon: Daemon, count: int) -> list[str]:
    return daemon.wait_for(r"event=sent kind=update_request ", count)


def _outbox(env: dict[str, str]) -> list[tuple[str, str]]:
    """(recipient, subject) of every .eml file the embedded transport wrote."""
    folder = Path(env["CSP_DATA_DIR"]) / "outbox"
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append((message["To"].addresses[0].addr_spec, str(message["Subject"])))
    return found


def _long_date(days_ahead: int) -> str:
    day = date.today() + timedelta(days=days_ahead)
    return f"{day.day} {day:%B %Y}"


@pytest.mark.usefixtures("upgraded")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_sends_the_due_update_requests_and_stops_cleanly_on_a_signal(
    start: Start, env: dict[str, str], signum: int
) -> None:
    daemon = start()
    daemon.wait_for(r" event=started ")
    sent = _sent_requests(daemon, 5)

    code = daemon.stop(signum)

    assert code == 0, daemon.transcript()
    assert daemon.out[-1].endswith("event=stopped"), daemon.transcript()
    assert any(
        f"event=stopping signal={signal.Signals(signum).name}" in line for line in daemon.out
    )
    assert "Traceback" not in "\n".join(daemon.err)
    started = next(line for line in daemon.out if " event=started " in line)
    assert "transport=folder:" in started
    outbox = _outbox(env)
    assert {to for to, _ in outbox} == LEAD_ADDRESSES
    assert len(outbox) == len(sent) == 5
    assert all(_long_date(20) in subject for _, subject in outbox)


@pytest.mark.slow  # two daemon processes, one after the other
@pytest.mark.usefixtures("upgraded")
def test_a_restarted_daemon_sends_nothing_twice(start: Start, env: dict[str, str]) -> None:
    first = start()
    _sent_requests(first, 5)
    assert first.stop(signal.SIGTERM) == 0
    config = Path(env["CSP_CONFIG_DIR"])
    (config / "meetings.yaml").write_text(_meetings_yaml(20, 21), encoding="utf-8")

    second = start()
    resent = _sent_requests(second, 5)  # the new meeting's requests: proof its tick has run
    assert second.stop(signal.SIGTERM) == 0

    earlier_meeting = (date.today() + timedelta(days=20)).isoformat()
    assert not any(f"/{earlier_meeting}/" in line for line in resent)
    outbox = _outbox(env)
    assert len(outbox) == 10
    for days in (20, 21):
        recipients = [to for to, subject in outbox if _long_date(days) in subject]
        assert sorted(recipients) == sorted(LEAD_ADDRESSES)


@pytest.mark.usefixtures("upgraded")
def test_an_edited_meetings_file_is_picked_up_without_a_restart(
    start: Start, env: dict[str, str]
) -> None:
    daemon = start()
    _sent_requests(daemon, 5)

    config = Path(env["CSP_CONFIG_DIR"])
    (config / "meetings.yaml").write_text(_meetings_yaml(20, 21), encoding="utf-8")

    daemon.wait_for(r" event=config_reloaded ")
    sent = _sent_requests(daemon, 10)
    assert daemon.stop(signal.SIGTERM) == 0
    later_meeting = (date.today() + timedelta(days=21)).isoformat()
    assert sum(f"/{later_meeting}/" in line for line in sent) == 5


@pytest.mark.usefixtures("upgraded")
def test_sighup_rereads_the_configuration(start: Start) -> None:
    daemon = start()
    _sent_requests(daemon, 5)

    daemon.process.send_signal(signal.SIGHUP)

    daemon.wait_for(r" event=reload_requested")
    reloaded = daemon.wait_for(r" event=config_reloaded ")
    assert "version=2" in reloaded[0]
    assert daemon.stop(signal.SIGTERM) == 0


@pytest.mark.usefixtures("upgraded")
def test_a_broken_edit_keeps_the_last_good_configuration(start: Start, env: dict[str, str]) -> None:
    daemon = start()
    _sent_requests(daemon, 5)
    meetings = Path(env["CSP_CONFIG_DIR"]) / "meetings.yaml"

    meetings.write_text(meetings.read_text(encoding="utf-8") + "  - date: [\n", encoding="utf-8")

    invalid = daemon.wait_for(r" event=config_invalid ")
    assert "meetings.yaml:" in invalid[0]
    assert daemon.process.poll() is None
    assert daemon.stop(signal.SIGTERM) == 0


@pytest.mark.usefixtures("upgraded")
def test_in_json_mode_every_line_the_daemon_writes_is_json(
    start: Start, env: dict[str, str]
) -> None:
    # Given JSON logs and a configuration with a warning (no meetings)
    env["CSP_LOG_FORMAT"] = "json"
    meetings = Path(env["CSP_CONFIG_DIR"]) / "meetings.yaml"
    meetings.write_text("timezone: Europe/London\nmeetings: []\n", encoding="utf-8")

    # When the daemon starts, ticks and stops
    daemon = start()
    daemon.wait_for(r'"event": "plan_year_over"')  # the 2011/12 plan's year is long over
    assert daemon.stop(signal.SIGTERM) == 0, daemon.transcript()

    # Then stdout is JSON, line by line, the warning among it, and stderr is empty
    events = [json.loads(line)["event"] for line in daemon.out]
    started = events.index("started")
    assert started > 0 and set(events[:started]) == {"config_warning"}
    assert "stopped" in events
    assert [line for line in daemon.err if line.strip()] == []


def _refusal(daemon: Daemon) -> str:
    code = daemon.finish()
    assert code == 1, daemon.transcript()
    assert not any("event=started" in line for line in daemon.out)
    errors = [line for line in daemon.err if line.strip()]
    assert "Traceback" not in "\n".join(errors)
    assert len(errors) == 1, daemon.transcript()
    assert errors[0].startswith("csp: ")
    return errors[0]


@pytest.mark.usefixtures("upgraded")
def test_run_refuses_to_start_on_a_yaml_error(start: Start, env: dict[str, str]) -> None:
    meetings = Path(env["CSP_CONFIG_DIR"]) / "meetings.yaml"
    text = meetings.read_text(encoding="utf-8")
    meetings.write_text(text + "  - date: 2011-06-21: 10:00\n", encoding="utf-8")
    broken_line = len(text.splitlines()) + 1

    line = _refusal(start())

    assert f"meetings.yaml:{broken_line}:" in line
    assert not list((Path(env["CSP_DATA_DIR"]) / "outbox").glob("*.eml"))


def test_run_refuses_an_unupgraded_database(start: Start, env: dict[str, str]) -> None:
    line = _refusal(start())

    assert "csp db upgrade" in line
    assert not (Path(env["CSP_DATA_DIR"]) / "outbox").exists()


@pytest.mark.usefixtures("upgraded")
def test_a_lead_without_an_address_is_one_warning_and_the_others_are_emailed(
    start: Start, env: dict[str, str]
) -> None:
    # Given Ian Dawson's address removed from people.yaml
    people = Path(env["CSP_CONFIG_DIR"]) / "people.yaml"
    text = people.read_text(encoding="utf-8")
    people.write_text(text.replace("    email: ian.dawson@example.org\n", ""), encoding="utf-8")

    # When the daemon starts
    daemon = start()
    daemon.wait_for(r" event=started ")
    _sent_requests(daemon, 4)
    assert daemon.stop(signal.SIGTERM) == 0, daemon.transcript()

    # Then one warning names him, and the four other leads get their update requests
    (warning,) = [line for line in daemon.out if "Ian Dawson" in line]
    assert "event=config_warning" in warning and "has no email" in warning
    assert {to for to, _ in _outbox(env)} == LEAD_ADDRESSES - {"ian.dawson@example.org"}
