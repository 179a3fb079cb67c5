"""The unit of work: one transaction, and the repositories that read and write inside it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from scheduler.adapters.repositories import (
    AuditRepository,
    InboundRepository,
    OutboxRepository,
    PlanRepository,
    UpdateRepository,
)


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

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
