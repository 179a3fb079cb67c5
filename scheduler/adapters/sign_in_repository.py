"""The coordinator's one-time sign-in links behind `SignInLinkStore`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduler.adapters.orm import SignInLinkRow


class SignInLinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token_hash: str, address: str, now: datetime, expires_at: datetime) -> None:
        self.session.add(
            SignInLinkRow(
                token_hash=token_hash, address=address, created_at=now, expires_at=expires_at
            )
        )

    def issued_since(self, address: str, since: datetime) -> int:
        query = select(func.count()).where(
            SignInLinkRow.address == address, SignInLinkRow.created_at >= since
        )
        return int(self.session.scalar(query) or 0)

    def use(self, token_hash: str, now: datetime) -> str | None:
        # One conditional update: of two uses at once, exactly one finds the link unused.
        address = self.session.scalar(
            update(SignInLinkRow)
            .where(
                SignInLinkRow.token_hash == token_hash,
                SignInLinkRow.used_at.is_(None),
                SignInLinkRow.expires_at > now,
            )
            .values(used_at=now)
            .returning(SignInLinkRow.address)
        )
        return address
