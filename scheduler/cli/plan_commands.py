"""`csp plan ...`: import, show, validate and load the Community Safety Plan."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json, plan_as_json, plan_as_table
from scheduler.domain.errors import ConfigError


@click.group()
def plan() -> None:
    """The Community Safety Plan: import it from the document, check it, load it."""


def _default_plan(ctx: CliContext) -> Path:
    from scheduler.services.configuration import plan_files

    files = plan_files(ctx.settings.config_dir)
    if len(files) == 1:
        return files[0]
    where = ctx.settings.config_dir / "plans"
    if not files:
        raise ConfigError(str(where), None, "no plan file; import one with `csp plan import`")
    raise ConfigError(str(where), None, "several plans; choose one with --plan FILE")


@plan.command("import")
@click.argument("document", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the plan's YAML, e.g. config/plans/lancaster-2011-12.yaml.",
)
@click.option(
    "--period-start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of the plan's year (default: inferred April to March).",
)
@click.option("--name", default=None, help="The plan's name (default: from the document).")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@click.option(
    "--columns",
    "columns_text",
    default=None,
    metavar="HEADER=FIELD,...",
    help=(
        "Say what a table's columns hold where their headers do not, e.g. "
        "'Target date=timescale,Owner=lead'. Fields: action, activity, resources, timescale, "
        "lead, targets, outcome, partners, notes, ref, priority."
    ),
)
def import_(
    document: Path,
    out_path: Path,
    period_start: datetime | None,
    name: str | None,
    columns_text: str | None,
    force: bool,
) -> None:
    """Read a plan DOCUMENT (.docx, .xlsx, .pdf, .csv, .md or .txt) and write its YAML.

    Every problem is listed with its place; the YAML holds what was understood, with each
    unresolved item marked. Exits 1 when anything is unresolved. An existing --out file is
    kept unless --force.
    """
    from scheduler.domain.plan.columns import parse_column_overrides
    from scheduler.domain.plan.review import summarise_import
    from scheduler.services.plans import import_document

    columns = parse_column_overrides(columns_text) if columns_text else None
    if out_path.exists() and not force:
        raise ConfigError(
            str(out_path),
            None,
            "already exists (edited by hand?): choose another --out, or add --force to"
            " overwrite it (`csp plan diff` shows what would change)",
        )
    result = import_document(
        document,
        out_path,
        name=name,
        period_start=period_start.date() if period_start else None,
        columns=columns,
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in result.problems:
        click.echo(f"unresolved: {problem}", err=True)
    summary = summarise_import(result.plan, result.problems)
    click.echo(f"wrote {out_path} from {result.document_format}: {summary.line()}")
    if summary.leads:
        click.echo(f"leads: {', '.join(summary.leads)}")
    if result.problems:
        click.echo(
            f"{len(result.problems)} unresolved: fix them in the document and import again, or"
            f" in {out_path} (`csp plan validate {out_path}` lists what is left)"
        )
        raise click.exceptions.Exit(1)


@plan.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
def diff(old: Path, new: Path) -> None:
    """What loading plan NEW over plan OLD would change: actions added, archived and changed,
    leads and dates. Exits 1 when there are changes, 0 when none."""
    from scheduler.services.plans import plan_file_changes

    changes = plan_file_changes(old, new)
    for line in changes.lines():
        click.echo(line)
    if not changes.any:
        click.echo("no changes")
        return
    click.echo(
        f"{len(changes.added)} added, {len(changes.archived)} archived,"
        f" {len(changes.changed)} changed, {len(changes.leads)} leads changed"
    )
    raise click.exceptions.Exit(1)


@plan.command()
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    default=None,
    help="The plan YAML (default: the one file in config/plans).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_obj
def show(ctx: CliContext, plan_file: Path | None, as_json: bool) -> None:
    """Show the plan: priorities, leads, actions and their milestones."""
    from scheduler.services.plans import read_plan_file

    loaded, warnings = read_plan_file(plan_file or _default_plan(ctx), ctx.settings.config_dir)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        echo_json(plan_as_json(loaded))
    else:
        click.echo(plan_as_table(loaded))


@plan.command()
@click.argument("plan_file", type=click.Path(path_type=Path), required=False)
@click.pass_obj
def validate(ctx: CliContext, plan_file: Path | None) -> None:
    """Check a plan YAML (default: every plan in config/plans, and that no two are for the
    same year); exit 1 with one line per problem. `csp check` checks the whole folder."""
    from scheduler.services.configuration import plan_files
    from scheduler.services.plans import validate_plan_files

    files = [plan_file] if plan_file is not None else plan_files(ctx.settings.config_dir)
    if not files:
        where = ctx.settings.config_dir / "plans"
        raise ConfigError(str(where), None, "no plan file; import one with `csp plan import`")
    problems, warnings = validate_plan_files(files, ctx.settings.config_dir)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.exceptions.Exit(1)
    click.echo("valid")


@plan.command()
@click.argument("plan_file", type=click.Path(path_type=Path))
@click.pass_obj
def load(ctx: CliContext, plan_file: Path) -> None:
    """Load (or reload) a plan into the database, in one transaction."""
    from scheduler.services.plans import load_plan, read_plan_file

    loaded, warnings = read_plan_file(plan_file, ctx.settings.config_dir)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    from scheduler.clock import SystemClock

    summary = load_plan(ctx.unit_of_work, loaded, str(plan_file), SystemClock().now())
    verb = "loaded" if summary.created else "reloaded"
    click.echo(
        f"{verb} {summary.plan_name}: {len(summary.actions_added)} added, "
        f"{len(summary.actions_updated)} updated, {len(summary.actions_archived)} archived"
    )
