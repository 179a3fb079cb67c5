"""`csp pack ...`: the agenda pack for a meeting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from scheduler.cli.context import CliContext
from scheduler.clock import SystemClock


@click.group()
def pack() -> None:
    """The agenda pack: build it for a meeting."""


@pack.command()
@click.option(
    "--meeting",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="The meeting's date (YYYY-MM-DD), as in config/meetings.yaml.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for pack.html and pack.pdf (default: data/packs/DATE).",
)
@click.option("--addendum", is_flag=True, help="Only what changed since the pack was sent.")
@click.option("--private", is_flag=True, help="The private pack, with exempt items.")
@click.pass_obj
def build(
    ctx: CliContext, meeting: datetime, out_dir: Path | None, addendum: bool, private: bool
) -> None:
    """Build pack.html and pack.pdf for a meeting from the database as it is now."""
    from scheduler.services.packs import build_meeting_pack

    services = ctx.services
    config = services.config.current()
    files = build_meeting_pack(
        services,
        config,
        meeting.date(),
        SystemClock().now(),
        addendum=addendum,
        private=private,
        out_dir=out_dir,
    )
    click.echo(f"{files.html_path}\n{files.pdf_path}  ({files.page_count} pages)")
