"""The sd_notify protocol against a real unix datagram socket, as systemd listens on one: what
is sent, when nothing is, and `csp run` as a real process telling it READY=1, feeding the
watchdog from its ticks and saying STOPPING=1 on SIGTERM."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.adapters.service_manager import ServiceManager
from tests.test_cli_daemon import (  # noqa: F401  (fixtures)
    DEADLINE_SECONDS,
    Start,
    _csp_logger_restored,
    env,
    start,
    upgraded,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="unix datagram sockets")


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A notify socket bound where systemd would put one; (socket, NOTIFY_SOCKET value)."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(DEADLINE_SECONDS)
    yield sock, str(path)
    sock.close()


def received(sock: socket.socket) -> str:
    return sock.recv(4096).decode("utf-8")


def test_ready_watchdog_and_stopping_arrive_as_systemd_reads_them(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    manager = ServiceManager({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert manager.watchdog_interval is not None
    assert manager.watchdog_interval.total_seconds() == 30
    assert manager.ready("running") and received(sock) == "READY=1\nSTATUS=running"
    assert manager.watchdog() and received(sock) == "WATCHDOG=1"
    assert manager.stopping() and received(sock) == "STOPPING=1"


def test_an_abstract_socket_name_is_reached_too() -> None:
    name = f"csp-test-{secrets.token_hex(6)}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(DEADLINE_SECONDS)
        assert ServiceManager({"NOTIFY_SOCKET": f"@{name}"}).ready()
        assert received(sock) == "READY=1"


def test_the_watchdog_is_fed_only_when_systemd_asked_this_process_for_it(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    assert not ServiceManager({"NOTIFY_SOCKET": path}).watchdog()
    other = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}
    assert not ServiceManager(other, pid=os.getpid()).watchdog()
    sock.settimeout(0.01)
    with pytest.raises(TimeoutError):
        sock.recv(4096)


def test_outside_systemd_nothing_is_sent_and_nothing_fails() -> None:
    manager = ServiceManager({})
    assert not manager.present
    assert not manager.ready() and not manager.watchdog() and not manager.stopping()


def test_a_socket_gone_is_logged_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    manager = ServiceManager({"NOTIFY_SOCKET": str(tmp_path / "gone"), "WATCHDOG_USEC": "1000"})
    assert not manager.ready() and not manager.watchdog()
    assert [r.getMessage() for r in caplog.records].count("service_manager_unreachable") == 1


@pytest.mark.usefixtures("upgraded")
def test_csp_run_is_ready_feeds_the_watchdog_each_tick_and_says_it_is_stopping(
    start: Start,  # noqa: F811
    env: dict[str, str],  # noqa: F811
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    env.update(NOTIFY_SOCKET=path, WATCHDOG_USEC="60000000")
    daemon = start()
    assert received(sock).startswith("READY=1\nSTATUS=running as ")
    assert received(sock) == "WATCHDOG=1"  # the first tick, at start
    assert received(sock) == "WATCHDOG=1"  # the next, a second later (CSP_TICK_SECONDS=1)
    daemon.wait_for("event=started .*watchdog_seconds=60")
    daemon.process.send_signal(signal.SIGTERM)
    messages = [received(sock)]
    while messages[-1] == "WATCHDOG=1":  # a tick may finish just before the signal
        messages.append(received(sock))
    assert messages[-1].startswith("STOPPING=1")
    assert daemon.finish() == 0
    assert (Path(env["CSP_DATA_DIR"]) / "last-tick").exists()
