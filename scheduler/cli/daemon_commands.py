"""`csp run`, `csp simulate`, `csp status`: the daemon, its dry run, and where things stand."""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json
from scheduler.clock import SystemClock


@click.command()
@click.pass_obj
def run(ctx: CliContext) -> None:
    """Run the daemon: send what is due, collect replies, build packs. Stops on SIGTERM.

    Refuses to start on any error `csp check` lists, and logs its warnings."""
    from scheduler.daemon import run_daemon
    from scheduler.events import configure_logging, log_event
    from scheduler.services.start_check import check_before_start

    settings = ctx.settings
    configure_logging(settings.log_format)
    today = SystemClock().now().astimezone(ZoneInfo(settings.timezone)).date()
    report = check_before_start(settings, today)  # exactly what `csp check` says
    for warning in report.warnings:
        log_event("config_warning", logging.WARNING, problem=str(warning))
    if report.errors:
        for error in report.errors:
            click.echo(f"csp: {error}", err=True)
        raise click.exceptions.Exit(1)
    services = ctx.services  # refuses an old schema
    run_daemon(services, SystemClock())


def _local(day: datetime, end_of_day: bool, tz: str) -> datetime:
    moment = time(23, 59, 59) if end_of_day else time(0, 0)
    return datetime.combine(day.date(), moment, tzinfo=ZoneInfo(tz))


@click.command()
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Last day (YYYY-MM-DD), included.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of emails.")
@click.pass_obj
def simulate(ctx: CliContext, start: datetime, end: datetime, as_json: bool) -> None:
    """List every email the service would send between two days, assuming no replies.

    Reads the configuration folder only; sends nothing, writes nothing, needs no database.
    """
    from scheduler.services.configuration import read_configuration
    from scheduler.services.preview import simulate_emails

    if end < start:
        raise click.BadParameter(
            f"{end:%Y-%m-%d} is before --from {start:%Y-%m-%d}", param_hint="--to"
        )
    settings = ctx.settings
    config = read_configuration(settings.config_dir, default_timezone=settings.timezone)
    tz = config.policy.timezone
    emails = simulate_emails(
        config,
        settings.templates_dir,
        _local(start, False, tz),
        _local(end, True, tz),
        config.coordinator_email(settings.coordinator_email),
    )
    if as_json:
        echo_json(emails)
        return
    for mail in emails:
        at = datetime.fromisoformat(str(mail["at"])).astimezone(ZoneInfo(tz))
        to = ", ".join(mail["to"])
        click.echo(f"{at:%a %d %b %Y %H:%M %Z}  {mail['kind']:<17} {to}")
        click.echo(f"    {mail['subject']}")
    click.echo(f"{len(emails)} emails")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
def status(ctx: CliContext, as_json: bool) -> None:
    """The next meeting, who has replied for it, what is due in 14 days, what failed, what
    waits for review and which updates are held for personal data."""
    from scheduler.services.configuration import read_configuration
    from scheduler.services.preview import status_report

    settings = ctx.settings
    config = read_configuration(settings.config_dir, default_timezone=settings.timezone)
    with ctx.unit_of_work() as uow:
        report = status_report(
            config, uow, SystemClock().now(), config.coordinator_email(settings.coordinator_email)
        )
    if as_json:
        echo_json(report.as_json())
        return
    meeting = report.next_meeting
    if meeting is None:
        click.echo(f"next meeting: none ahead in {settings.config_dir / 'meetings.yaml'}")
    else:
        click.echo(
            f"next meeting: {meeting.title}, {meeting.date:%A %d %B %Y} "
            f"{meeting.time:%H:%M}, {meeting.place}"
        )
        click.echo(f"  replied: {', '.join(report.replied) or 'nobody yet'}")
        click.echo(f"  not replied: {', '.join(report.not_replied) or 'nobody'}")
    click.echo("due in the next 14 days:" if report.due_soon else "nothing due in 14 days")
    for item in report.due_soon:
        click.echo(f"  {item.at}  {item.kind}  {', '.join(item.refs)}")
    click.echo(f"waiting to send: {report.pending}")
    for reason in report.held_up:
        click.echo(f"  waiting because: {reason}")
    for failed in report.failed:
        click.echo(f"failed: {failed.kind} to {', '.join(failed.to)}: {failed.error}")
    for address in report.failing_addresses:
        click.echo(f"failing address (bounced): {address}")
    for review in report.needs_review:
        click.echo(
            f"needs review: message {review.id} from {review.from_address or '?'}: {review.reason}"
        )
    if report.held:
        click.echo("held for personal data (check each, then: csp updates release ID):")
    for held in report.held:
        kinds = ", ".join(held.personal_data_kinds)
        click.echo(f"  update {held.id}  {held.ref}  from {held.lead_name or '?'}: {kinds}")


COMMANDS = [run, simulate, status]
