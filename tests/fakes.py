"""Fakes for what a fast test cannot run: the database, the clock and the mail server.

`FakeUnitOfWork` works on an `InMemoryDatabase` shared by every unit of work made on it, so
`lambda: FakeUnitOfWork(database)` behaves like a database: a unit of work sees what others
committed and its own writes; its writes reach the others on `commit()` and are dropped on
leaving it without one. `tests/test_unit_of_work_contract.py` runs the same repository
behaviours against it and against SQLAlchemy on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from types import TracebackType
from typing import Self

from scheduler.adapters.mail_transport import TemporaryFailure
from tests.in_memory_outbox import InMemoryOutbox
from tests.in_memory_plans import InMemoryPlanStore
from tests.in_memory_replies import InMemoryAuditLog, InMemoryInbound, InMemoryUpdates
from tests.in_memory_tables import AuditEntry, InMemoryDatabase, RowLocked, Transaction

__all__ = [
    "AuditEntry",
    "FakeUnitOfWork",
    "FixedClock",
    "InMemoryDatabase",
    "RecordingTransport",
    "RowLocked",
    "SentEmail",
    "SteppingClock",
    "fake_uow_factory",
]


@dataclass
class _Open:
    transaction: Transaction
    plans: InMemoryPlanStore
    outbox: InMemoryOutbox
    inbound: InMemoryInbound
    updates: InMemoryUpdates
    audit: InMemoryAuditLog


class FakeUnitOfWork:
    """`with uow:` opens a transaction on the shared database; leaving without `commit()` drops
    its writes. After a commit the same unit of work goes on in a new transaction."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self.database = database
        self._open: _Open | None = None

    def _current(self) -> _Open:
        assert self._open is not None, "the unit of work is not open"
        return self._open

    @property
    def plans(self) -> InMemoryPlanStore:
        return self._current().plans

    @property
    def outbox(self) -> InMemoryOutbox:
        return self._current().outbox

    @property
    def inbound(self) -> InMemoryInbound:
        return self._current().inbound

    @property
    def updates(self) -> InMemoryUpdates:
        return self._current().updates

    @property
    def audit(self) -> InMemoryAuditLog:
        return self._current().audit

    def __enter__(self) -> Self:
        tx = Transaction(self.database)
        self._open = _Open(
            tx,
            InMemoryPlanStore(tx),
            InMemoryOutbox(tx),
            InMemoryInbound(tx),
            InMemoryUpdates(tx),
            InMemoryAuditLog(tx),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._current().transaction.rollback()
        self._open = None

    def commit(self) -> None:
        self._current().transaction.commit()

    def rollback(self) -> None:
        self._current().transaction.rollback()

    @contextmanager
    def statements_that_commit(self) -> Iterator[InMemoryOutbox]:
        """An outbox of its own whose every change is committed at once, whatever this unit
        of work holds uncommitted (as on PostgreSQL's autocommit connection)."""
        self._current()
        yield InMemoryOutbox(Transaction(self.database, autocommit=True))


def fake_uow_factory(database: InMemoryDatabase) -> Callable[[], FakeUnitOfWork]:
    """Units of work on `database`, as `Services.uow_factory` wants them."""
    return lambda: FakeUnitOfWork(database)


class FixedClock:
    """Always the same moment, until the test moves it on."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


class SteppingClock:
    """Moves on by `step` each time it is read: a batch of work that takes time."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self._next = start
        self.step = step

    def now(self) -> datetime:
        moment, self._next = self._next, self._next + self.step
        return moment


@dataclass(frozen=True)
class SentEmail:
    """One email as the mail server took it."""

    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    message_id: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if isinstance(body, EmailMessage) else ""


@dataclass
class RecordingTransport:
    """A `MailTransport` that keeps what it is given; a test may make the server refuse an
    address (`refuse`) or be out of reach (`unreachable`), as SmtpTransport reports them."""

    sent: list[SentEmail] = field(default_factory=list)
    refusals: dict[str, Exception] = field(default_factory=dict)
    unreachable: str | None = None
    batches: int = 0
    after_send: Callable[[SentEmail], None] | None = None  # what happens meanwhile elsewhere

    def refuse(self, address: str, failure: Exception) -> None:
        self.refusals[address.lower()] = failure

    def accept(self, address: str) -> None:
        self.refusals.pop(address.lower(), None)

    def __enter__(self) -> Self:
        if self.unreachable is not None:
            raise TemporaryFailure(self.unreachable)
        self.batches += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def send(self, msg: EmailMessage) -> None:
        sender = parseaddr(str(msg.get("From", "")))[1]
        fields = [str(value) for name in ("To", "Cc", "Bcc") for value in msg.get_all(name, [])]
        recipients = tuple(address for _, address in getaddresses(fields) if address)
        self.send_raw(sender, recipients, msg.as_bytes(), msg.get("Message-ID"))

    def send_raw(
        self, sender: str, recipients: Sequence[str], raw: bytes, message_id: str | None
    ) -> None:
        for recipient in recipients:
            refusal = self.refusals.get(recipient.lower())
            if refusal is not None:
                raise refusal
        email = SentEmail(sender, tuple(recipients), raw, message_id)
        self.sent.append(email)
        if self.after_send is not None:
            self.after_send(email)

    def sent_to(self, address: str) -> list[SentEmail]:
        return [email for email in self.sent if address in email.recipients]
