"""`csp inbox ...` and `csp updates ...`: replies from leads, and what was recorded."""

from __future__ import annotations

from pathlib import Path

import click

from scheduler.cli.context import CliContext
from scheduler.cli.output import echo_json, shorten
from scheduler.clock import SystemClock
from scheduler.domain.errors import UserError


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from None


@click.group()
def inbox() -> None:
    """Leads' replies: poll the mailbox, ingest or parse one message."""


@inbox.command()
@click.pass_obj
def poll(ctx: CliContext) -> None:
    """Fetch new messages from the IMAP mailbox now, record them, move them out of the inbox."""
    from scheduler.services.mailbox import poll_mailbox

    report = poll_mailbox(ctx.services, SystemClock().now())
    if report.error:
        raise UserError(f"mailbox: {report.error}")
    click.echo(
        f"fetched {report.fetched}: {report.processed} processed, {report.review} need review"
    )


@inbox.command()
@click.argument("eml", type=click.Path(path_type=Path))
@click.pass_obj
def ingest(ctx: CliContext, eml: Path) -> None:
    """Process one raw message from a file, exactly as if it came from the mailbox."""
    from scheduler.services.inbox import ingest_raw

    result = ingest_raw(ctx.services, _read_bytes(eml), SystemClock().now(), source="file")
    if result.duplicate:
        state = "already recorded"
    elif result.needs_review:
        state = "needs review"
    else:
        state = str(result.status)
    kind = f" ({result.classification})" if result.classification else ""
    reason = f": {result.reason}" if result.reason else ""
    click.echo(
        f"{eml}: message {result.inbound_id} {state}{kind}, {result.updates} updates{reason}"
    )


@inbox.command()
@click.argument("eml", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--sent",
    type=click.Path(path_type=Path),
    default=None,
    help="The text of the email it answers (for inline answers).",
)
@click.pass_obj
def parse(ctx: CliContext, eml: Path, as_json: bool, sent: Path | None) -> None:
    """Show what the service understands of a message, touching no database.

    Action refs are checked against the plans in the configuration folder.
    """
    from scheduler.domain.replies.reading import understand_message
    from scheduler.services.config_files import action_refs

    raw = _read_bytes(eml)
    sent_text = _read_bytes(sent).decode("utf-8", "replace") if sent else None
    known_refs = action_refs(ctx.settings.config_dir)
    reading = understand_message(raw, sent_text=sent_text, known_refs=known_refs)
    if as_json:
        echo_json(reading.to_json())
        return
    click.echo(f"classification: {reading.message.classification.value}")
    click.echo(f"token: {reading.message.token or '-'}")
    for update in reading.content.updates:
        click.echo(f"  {update.ref:<8} {update.status.value:<9} {shorten(update.text, 60)}")
    if reading.content.unstructured_text:
        click.echo(f"unstructured: {shorten(reading.content.unstructured_text, 70)}")
    for problem in (*reading.message.problems, *reading.content.problems):
        click.echo(f"problem: {problem}")


@click.group()
def updates() -> None:
    """Updates recorded from leads' replies."""


@updates.command("list")
@click.option("--held", is_flag=True, help="Only updates held for review (personal data).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def list_(ctx: CliContext, held: bool, as_json: bool) -> None:
    """List recorded updates, newest last."""
    from scheduler.services.updates import recorded_updates

    listed = recorded_updates(ctx.services, held_only=held)
    if as_json:
        echo_json(
            [
                {
                    "id": u.id,
                    "ref": u.ref,
                    "status": u.status.value if u.status else None,
                    "text": u.text,
                    "received_at": u.received_at.isoformat(),
                    "sender": u.sender,
                    "meeting": u.meeting.isoformat() if u.meeting else None,
                    "unstructured": u.unstructured,
                    "held_for_review": u.held,
                    "personal_data": list(u.personal_data_kinds),
                }
                for u in listed
            ]
        )
        return
    for u in listed:
        flag = f"  [held: {', '.join(u.personal_data_kinds)}]" if u.held else ""
        status = u.status.value if u.status else "-"
        click.echo(f"{u.id:>5}  {u.ref:<8} {status:<9} {shorten(u.text, 50)}{flag}")


@updates.command()
@click.argument("update_id", type=int)
@click.pass_obj
def release(ctx: CliContext, update_id: int) -> None:
    """Release an update held for personal data, so it appears in packs."""
    from scheduler.services.updates import release_update

    released = release_update(ctx.services, update_id, SystemClock().now())
    click.echo(f"released update {update_id} ({released.ref})")
