"""The unit of work: one transaction, and the repositories that read and write inside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduler.adapters.repositories import (
    AuditRepository,
    InboundRepository,
    OutboxRepository,
    PlanRepository,
    UpdateRepository,
)


class _CommittingOutbox(OutboxRepository):
    def mark_sent(self, row_id: int, worker: str, now: datetime) -> bool:
        owned = super().mark_sent(row_id, worker, now)
        self.session.commit()
        return owned


class UnitOfWork:
    """`with uow:` opens a transaction; leaving without `commit()` rolls it back."""

    def __init__(self, sessions: sessionmaker[Session] | Callable[[], Session]) -> None:
        self._sessions = sessions
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.plans = PlanRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.inbound = InboundRepository(self.session)
        self.updates = UpdateRepository(self.session)
        self.audit = AuditRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()
        self.session = None

    @contextmanager
    def statements_that_commit(self) -> Iterator[OutboxRepository]:
        """An outbox repository on a connection where each statement commits by itself.

        On PostgreSQL that saves a round trip per statement (no separate COMMIT), which is
        what marking each message sent the moment it is accepted costs; SQLite keeps ordinary
        transactions, committed after each statement.
        """
        assert self.session is not None
        engine = self.session.get_bind()
        assert isinstance(engine, Engine)
        if engine.dialect.name != "postgresql":
            yield _CommittingOutbox(self.session)
            return
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            with Session(bind=connection) as session:
                yield OutboxRepository(session)

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
