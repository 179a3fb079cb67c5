"""Telling systemd how the daemon is (the sd_notify protocol), written out here.

systemd gives a `Type=notify` service the path of a unix datagram socket in NOTIFY_SOCKET
(a leading `@` means Linux's abstract namespace) and, with `WatchdogSec=`, the watchdog
interval in WATCHDOG_USEC (for the process WATCHDOG_PID names, when set). Each datagram is
newline-separated `KEY=value` lines: `READY=1` once started, `WATCHDOG=1` to show the daemon
still turns over, `STOPPING=1` when it begins to stop, `STATUS=...` for `systemctl status`.
The protocol is this small, so no library is needed. Outside systemd there is no socket and
every call does nothing; a failed send is logged once and never stops the daemon.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from datetime import timedelta

from scheduler.events import log_event


class ServiceManager:
    """The notify socket of the service manager that started this process, if any."""

    def __init__(self, environ: Mapping[str, str] | None = None, pid: int | None = None) -> None:
        environ = os.environ if environ is None else environ
        self._address = _socket_address(environ.get("NOTIFY_SOCKET", ""))
        self.watchdog_interval = _watchdog_interval(environ, os.getpid() if pid is None else pid)
        self._failed = False

    @property
    def present(self) -> bool:
        return self._address is not None

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        """Feed the watchdog; only when systemd asked for one (WatchdogSec=)."""
        if self.watchdog_interval is None:
            return False
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str = "") -> bool:
        return self.notify("STOPPING=1", *([f"STATUS={status}"] if status else []))

    def notify(self, *assignments: str) -> bool:
        """Send `KEY=value` lines as one datagram; whether it was sent."""
        if self._address is None or not assignments:
            return False
        datagram = "\n".join(assignments).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(datagram, self._address)
        except OSError as error:
            if not self._failed:  # once: a missing socket would otherwise log every tick
                log_event(
                    "service_manager_unreachable",
                    logging.WARNING,
                    socket=os.fsdecode(self._address),
                    error=error.strerror or repr(error),
                )
            self._failed = True
            return False
        self._failed = False
        return True


def _socket_address(value: str) -> bytes | None:
    if not value or value[0] not in "/@":  # vsock and other addresses are not for us
        return None
    if value.startswith("@"):
        return b"\0" + os.fsencode(value[1:])
    return os.fsencode(value)


def _watchdog_interval(environ: Mapping[str, str], pid: int) -> timedelta | None:
    usec = environ.get("WATCHDOG_USEC", "")
    meant_for = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if meant_for and (not meant_for.isdigit() or int(meant_for) != pid):
        return None
    return timedelta(microseconds=int(usec))
