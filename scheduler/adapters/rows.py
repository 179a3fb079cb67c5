"""Small helpers the repositories share."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, String, Table, bindparam, cast, func
from sqlalchemy import insert as insert_rows
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TableValuedAlias

from scheduler.domain.errors import WriteConflict


def insert_unless_taken(connection: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless a unique key of it is taken already (no error, nothing changed);
    whether it was inserted. One statement: no savepoint, so no extra round trips."""
    dialect = importlib.import_module(f"sqlalchemy.dialects.{connection.dialect.name}")
    statement = dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
    return connection.execute(statement, values).first() is not None


def insert_all(session: Session, entity: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows at once, as few multi-row statements (the ORM's bulk insert).

    They are written now, not at the next flush, so a clash is a `WriteConflict` here.
    """
    if not rows:
        return
    try:
        session.execute(insert_rows(entity), list(rows))
    except IntegrityError as exc:
        raise WriteConflict(str(exc.orig)) from exc


def insert_new_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    *,
    any_unique: bool = False,
) -> dict[Any, int]:
    """Insert many rows in one statement, skipping those whose unique `key` exists already
    (with `any_unique`, those that would repeat any unique column).

    Returns the id of each row inserted, by its key: a key missing from the answer was there
    before (or repeated in `rows`, where the first of them is the one inserted).
    """
    if not rows:
        return {}
    # Each dialect's module is loaded only where it is used (the daemon keeps one of them).
    dialect = importlib.import_module(f"sqlalchemy.dialects.{connection.dialect.name}")
    statement = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=None if any_unique else [key])
        .returning(table.c.id, table.c[key])
    )
    # Many parameter sets: SQLAlchemy sends them as few multi-row statements, compiled once.
    return {row_key: row_id for row_id, row_key in connection.execute(statement, list(rows))}


def text_values(dialect_name: str, values: Sequence[str]) -> TableValuedAlias:
    """`values` as a table of one column, `value`, bound as one JSON parameter: one
    statement asks about thousands of keys without a parameter each, which would cost more
    to send than to answer."""
    as_json = bindparam(None, json.dumps(list(values)), type_=String)
    if dialect_name == "postgresql":
        elements = func.json_array_elements_text(cast(as_json, JSON))
        return elements.table_valued("value").render_derived(name="given")
    return func.json_each(as_json).table_valued("value").alias("given")
