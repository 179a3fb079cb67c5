"""A loopback SMTP sink for chaos runs: records every message it takes, and fails on command.

Each delivery attempt that reaches DATA, and each connection it refuses, is written at once to
a SQLite file (one row, committed), so the record survives whatever happens to the senders.
Faults are armed for a number of hits and spent in arrival order:

- `refuse`: reset the next connection before the greeting, as a server that is down would;
- `answer_421`: reply 421 to DATA and close the connection (message not taken);
- `answer_451`: reply 451 to DATA (message not taken, connection kept);
- `drop_after_data`: take the message, then drop the connection before the 250 reply.

    with ChaosSink(folder / "sink.sqlite3", delay=0.02) as sink:
        sink.arm("drop_after_data")
        ...send to (sink.host, sink.port)...
    deliveries = read_deliveries(folder / "sink.sqlite3")
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any, Literal, Self

from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

Fault = Literal["refuse", "answer_421", "answer_451", "drop_after_data"]
FAULTS: tuple[Fault, ...] = ("refuse", "answer_421", "answer_451", "drop_after_data")

# Outcomes in the record; the first two mean the sink took the message.
ACCEPTED = "accepted"
DROPPED_AFTER_DATA = "drop_after_data"
TAKEN = (ACCEPTED, DROPPED_AFTER_DATA)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    outcome TEXT NOT NULL,
    message_id TEXT,
    recipients TEXT
)
"""


@dataclass(frozen=True)
class Delivery:
    """One thing the sink did: took a message, refused it, or refused a connection."""

    at: float  # wall-clock seconds (time.time())
    outcome: str  # ACCEPTED, DROPPED_AFTER_DATA, or the name of the fault that refused it
    message_id: str | None
    recipients: tuple[str, ...]

    @property
    def taken(self) -> bool:
        return self.outcome in TAKEN


def read_deliveries(path: Path) -> list[Delivery]:
    """Everything the sink recorded in `path`, in order."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT at, outcome, message_id, recipients FROM deliveries ORDER BY id"
        ).fetchall()
    return [
        Delivery(at, outcome, message_id, tuple(filter(None, (recipients or "").split(","))))
        for at, outcome, message_id, recipients in rows
    ]


class _Record:
    """The SQLite file, written from the sink's event loop thread only."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def add(self, outcome: str, message_id: str | None, recipients: tuple[str, ...]) -> float:
        at = time.time()
        self._db.execute(
            "INSERT INTO deliveries (at, outcome, message_id, recipients) VALUES (?, ?, ?, ?)",
            (at, outcome, message_id, ",".join(recipients)),
        )
        return at

    def close(self) -> None:
        self._db.close()


class _Faults:
    """Faults armed from any thread, spent by the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: Counter[str] = Counter()
        self.hits: Counter[str] = Counter()

    def arm(self, fault: Fault, count: int) -> None:
        with self._lock:
            self._armed[fault] += count

    def take(self, *candidates: Fault) -> Fault | None:
        """The first of `candidates` still armed, now spent; None when none is."""
        with self._lock:
            for fault in candidates:
                if self._armed[fault] > 0:
                    self._armed[fault] -= 1
                    self.hits[fault] += 1
                    return fault
        return None

    def struck(self) -> dict[str, int]:
        with self._lock:
            return {fault: self.hits[fault] for fault in FAULTS}

    def pending(self) -> int:
        with self._lock:
            return sum(self._armed.values())


class _Handler:
    def __init__(self, record: _Record, faults: _Faults, delay: float) -> None:
        self._record = record
        self._faults = faults
        self._delay = delay

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self._delay:
            await asyncio.sleep(self._delay)  # a real relay takes a moment over each message
        message_id = _message_id(envelope.original_content or b"")
        recipients = tuple(address.lower() for address in envelope.rcpt_tos)
        fault = self._faults.take("answer_421", "answer_451", "drop_after_data")
        if fault == "answer_451":
            self._record.add(fault, message_id, recipients)
            return "451 4.3.0 Try again later"
        if fault == "answer_421":
            self._record.add(fault, message_id, recipients)
            # The reply is written before the close runs, and close() sends it first.
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.3.2 Service shutting down"
        if fault == "drop_after_data":
            self._record.add(DROPPED_AFTER_DATA, message_id, recipients)
            _reset(server.transport)
            return "250 2.0.0 Accepted (never heard: the connection is gone)"
        self._record.add(ACCEPTED, message_id, recipients)
        return "250 2.0.0 Accepted"


def _message_id(raw: bytes) -> str | None:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


def _reset(transport: Any) -> None:
    """Close with a TCP reset (linger 0), as a crashing server or a broken link would."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class _RefusingSMTP(SMTP):
    """Resets the connection before the greeting while a `refuse` fault is armed."""

    def __init__(self, handler: _Handler, record: _Record, faults: _Faults) -> None:
        super().__init__(handler, hostname="localhost")
        self._chaos_record = record
        self._chaos_faults = faults
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._chaos_faults.take("refuse") is not None:
            self._refused = True
            self._chaos_record.add("refuse", None, ())
            _reset(transport)
            return
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._refused:  # a refused connection never had a session to end
            super().connection_lost(exc)


class ChaosSink:
    """The sink on a free loopback port, served by an event loop in its own thread."""

    def __init__(self, record_path: Path, *, delay: float = 0.0) -> None:
        self.record_path = record_path
        self.host = HOST
        self.port = 0
        self._record = _Record(record_path)
        self._faults = _Faults()
        self._handler = _Handler(self._record, self._faults, delay)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _serve(self) -> asyncio.Server:
        return await self._loop.create_server(
            lambda: _RefusingSMTP(self._handler, self._record, self._faults), HOST, 0
        )

    def arm(self, fault: Fault, count: int = 1) -> None:
        """Make the next `count` connections (refuse) or DATA commands (others) fail."""
        self._faults.arm(fault, count)

    @property
    def hits(self) -> dict[str, int]:
        """How many times each fault has struck so far."""
        return self._faults.struck()

    def armed(self) -> int:
        """Faults armed and not yet spent."""
        return self._faults.pending()

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._record.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
