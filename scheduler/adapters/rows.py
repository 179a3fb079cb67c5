"""Small helpers the repositories share."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_unless_exists(session: Session, row: object) -> bool:
    """Insert in a savepoint; False (and nothing changed) when a unique key already exists."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True
