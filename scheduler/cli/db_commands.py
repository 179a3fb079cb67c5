"""`csp db ...`: the database schema."""

from __future__ import annotations

import click

from scheduler.cli.context import CliContext


@click.group()
def db() -> None:
    """The database schema (Alembic migrations)."""


@db.command()
@click.pass_obj
def upgrade(ctx: CliContext) -> None:
    """Create or migrate the database schema to this version's newest revision."""
    from scheduler.adapters.database import upgrade_schema

    revision = upgrade_schema(ctx.engine)
    where = ctx.engine.url.render_as_string(hide_password=True)
    click.echo(f"database {where} is at revision {revision}")


@db.command()
@click.pass_obj
def current(ctx: CliContext) -> None:
    """Show the schema revision in force and the one this version needs."""
    from scheduler.adapters.database import current_revision, head_revision

    click.echo(f"current: {current_revision(ctx.engine) or 'none'}  needed: {head_revision()}")
