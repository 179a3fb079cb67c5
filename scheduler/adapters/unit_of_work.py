"""The unit of work on SQLAlchemy: one session, one transaction, and its repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from scheduler.adapters.inbound_repository import InboundRepository
from scheduler.adapters.outbox_repository import OutboxRepository
from scheduler.adapters.plan_repository import PlanRepository
from scheduler.adapters.sign_in_repository import SignInLinkRepository
from scheduler.adapters.update_repository import AuditRepository, UpdateRepository
from scheduler.domain.errors import WriteConflict


class _CommittingOutbox(OutboxRepository):
    def mark_sent(self, message_id: int, worker: str, now: datetime) -> bool:
        owned = super().mark_sent(message_id, worker, now)
        self.session.commit()
        return owned


def _reset_synchronous_commit(connection: Connection) -> None:
    """Give the pool its connection back as it was, or not at all."""
    if connection.invalidated:
        return
    try:
        connection.exec_driver_sql("RESET synchronous_commit")
    except DBAPIError:
        connection.invalidate()


class SqlAlchemyUnitOfWork:
    """`with uow:` opens a transaction; leaving without `commit()` rolls it back."""

    plans: PlanRepository
    outbox: OutboxRepository
    inbound: InboundRepository
    updates: UpdateRepository
    audit: AuditRepository
    sign_in_links: SignInLinkRepository

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        assert self._session is not None, "the unit of work is not open"
        return self._session

    def __enter__(self) -> Self:
        self._session = session = self._sessions()
        self.plans = PlanRepository(session)
        self.outbox = OutboxRepository(session)
        self.inbound = InboundRepository(session)
        self.updates = UpdateRepository(session)
        self.audit = AuditRepository(session)
        self.sign_in_links = SignInLinkRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        self._session = None

    @contextmanager
    def statements_that_commit(self) -> Iterator[OutboxRepository]:
        """An outbox repository on a connection where each statement commits by itself.

        On PostgreSQL that saves a round trip per statement (no separate COMMIT), which is
        what marking each message sent the moment it is accepted costs; SQLite keeps ordinary
        transactions, committed after each statement.
        """
        engine = self.session.get_bind()
        assert isinstance(engine, Engine)
        if engine.dialect.name != "postgresql":
            yield _CommittingOutbox(self.session)
            return
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            # The server reports each commit before its WAL reaches the disk (at most about
            # 0.6 s later): a crash of this process loses nothing, and only a crash of the
            # database server itself can forget the last marks, whose messages then go once
            # more with the same Message-ID, as in the window the README documents.
            connection.exec_driver_sql("SET synchronous_commit TO off")
            try:
                with Session(bind=connection) as session:
                    yield OutboxRepository(session)
            finally:
                _reset_synchronous_commit(connection)

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            raise WriteConflict(str(exc.orig)) from exc

    def rollback(self) -> None:
        self.session.rollback()


def unit_of_work_factory(database_url: str) -> Callable[[], SqlAlchemyUnitOfWork]:
    """Units of work on the database at `database_url`; refuses an out-of-date schema."""
    from scheduler.adapters.database import make_engine, require_current_schema, session_factory

    engine = make_engine(database_url)
    require_current_schema(engine)
    sessions = session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)
