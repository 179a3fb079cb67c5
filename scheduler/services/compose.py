"""Turning a due Notification and what it is about into a complete email.

One Jinja2 template set per kind in `templates/email/`: `<kind>.subject`, `<kind>.txt` and
`<kind>.html` (HTML autoescaped, undefined names an error). Every email carries a reference
token twice, in the subject tag `[CSP:<token>]` and in the Reply-To plus-address, so a reply
can be matched to what it answers even when one of the two is lost on the way back.
"""

from __future__ import annotations

import re
import secrets
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from scheduler.domain.errors import ConfigError
from scheduler.domain.human_dates import full_month_date, twenty_four_hour_time, weekday_date
from scheduler.domain.plan.model import Milestone
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.replies.records import RecordedUpdate
from scheduler.domain.replies.text import REPLY_MARKER
from scheduler.domain.schedule.coordinator_digest import DigestItem
from scheduler.domain.schedule.meeting import Meeting
from scheduler.domain.schedule.notification import MilestoneRef, Notification, NotificationKind
from scheduler.domain.schedule.outbox import Rendering
from scheduler.services.email_parts import Attachment, EmailParts, Mailbox, email_message
from scheduler.services.ics import MilestoneEvent, meeting_calendar, milestones_calendar
from scheduler.services.mime_bytes import written_email

if TYPE_CHECKING:  # Jinja2 is loaded by the first rendering: a quiet daemon renders nothing
    from jinja2 import Environment

TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
TOKEN_LENGTH = 20
TOKEN_PATTERN = re.compile(f"[a-z2-7]{{{TOKEN_LENGTH}}}")
SUBJECT_TAG = re.compile(r"\[CSP:([a-z2-7]{20})\]")
PARTS = ("subject", "txt", "html")

_MEETING_CALENDAR = {
    NotificationKind.UPDATE_REQUEST,
    NotificationKind.UPDATE_CHASER,
    NotificationKind.AGENDA_PACK,
}
_DEADLINE_CALENDAR = {NotificationKind.DEADLINE_REMINDER, NotificationKind.OVERDUE_NOTICE}


@dataclass(frozen=True)
class ActionLine:
    """One of the lead's actions as an email shows it, with the last update recorded."""

    ref: str
    action: str
    timescale: str = ""
    milestones: tuple[Milestone, ...] = ()
    last_status: Status | None = None
    last_commentary: str = ""
    last_update: date | None = None


@dataclass(frozen=True)
class MilestoneLine:
    """A milestone the email is about, with the text of its action."""

    milestone: MilestoneRef
    action: str


@dataclass(frozen=True)
class EmailContext:
    """Everything a template may show; built by the caller from the plan and the records."""

    notification: Notification
    lead_name: str
    partnership: str
    timezone: str  # the partnership's: the day an email is rendered on is local to it
    coordinator_name: str = ""
    coordinator_email: str | None = None
    actions: tuple[ActionLine, ...] = ()
    meeting: Meeting | None = None
    milestones: tuple[MilestoneLine, ...] = ()
    reply_by: date | None = None
    recorded: tuple[ActionUpdate, ...] = ()  # acknowledgement, agenda addendum
    problems: tuple[str, ...] = ()  # acknowledgement: lines that could not be recorded
    thread: tuple[str, ...] = ()  # Message-IDs this email follows, oldest first
    held: tuple[RecordedUpdate, ...] = ()  # agenda pack: updates kept out of it (personal data)
    web_link: str = ""  # the web app (CSP_BASE_URL): a lead's form, a coordinator's sign-in
    digest: tuple[DigestItem, ...] = ()  # coordinator's digest: what needs a person


@dataclass(frozen=True)
class RenderedEmail:
    """The three rendered parts; the subject is without its token tag."""

    subject: str
    text: str
    html: str


def new_token() -> str:
    """An unguessable reference token: 20 characters of lowercase base32, 100 bits."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def new_message_id(domain: str) -> str:
    """A Message-ID unique to this email, in our own domain."""
    return f"<csp.{secrets.token_hex(16)}@{domain}>"


def plus_address(address: str, token: str) -> str:
    """`local@domain` becomes `local+<token>@domain`, the address a reply comes back to."""
    local, domain = _reply_address_parts(address)
    return f"{local}+{token}@{domain}"


@lru_cache(maxsize=8)
def _reply_address_parts(address: str) -> tuple[str, str]:
    """The settings' reply address, read once rather than for every email."""
    _, addr = parseaddr(address)
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        raise ConfigError(
            "environment",
            None,
            f"CSP_REPLY_TO must be an address like name@example.org, not {address!r}",
        )
    return local, domain


def token_from_subject(subject: str) -> str | None:
    """The token in a subject's `[CSP:<token>]` tag, if there is one."""
    match = SUBJECT_TAG.search(subject)
    return match.group(1) if match else None


def render_email(
    ctx: EmailContext,
    *,
    today: date,
    token: str,
    reply_address: str,
    templates_dir: Path,
    attachments: Sequence[str] = (),
) -> RenderedEmail:
    """Render the subject, text and HTML of the notification's kind as of the local day
    `today`, from which dates are told relatively ("in 3 days", "7 days ago")."""
    values = _template_values(ctx, today, token, reply_address, attachments)
    subject = subject_line(ctx, templates_dir, today=today)
    values["subject"] = subject
    kind = ctx.notification.kind.value
    return RenderedEmail(
        subject=subject,
        text=_render(templates_dir, f"{kind}.txt", values),
        html=_render(templates_dir, f"{kind}.html", values),
    )


def subject_line(ctx: EmailContext, templates_dir: Path, *, today: date | None = None) -> str:
    """The subject without its token tag, on one line, as of the local day `today` or, without
    it, the day the notification is scheduled for (what `csp simulate` shows)."""
    if today is None:
        today = ctx.notification.send_at.astimezone(ZoneInfo(ctx.timezone)).date()
    values = _template_values(ctx, today, "", "", ())
    raw = _render(templates_dir, f"{ctx.notification.kind.value}.subject", values)
    return " ".join(raw.split())


def compose_message(
    ctx: EmailContext,
    *,
    token: str,
    message_id: str,
    from_address: str,
    reply_to: str,
    templates_dir: Path,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The complete email for a due notification, ready for a MailTransport.

    `templates_dir` is the templates root (Settings.templates_dir); the email templates are
    in its `email/` folder. `now` (aware) is the Date header and the calendar's DTSTAMP, and
    its local date the day from which the email tells dates relatively, so an email sent late
    says how far a deadline really is.
    """
    return email_message(
        email_parts(
            ctx,
            token=token,
            message_id=message_id,
            from_address=from_address,
            reply_to=reply_to,
            templates_dir=templates_dir,
            now=now,
            attachments=attachments,
        )
    )


def compose_rendering(
    ctx: EmailContext,
    *,
    token: str,
    message_id: str,
    from_address: str,
    reply_to: str,
    templates_dir: Path,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> Rendering:
    """`compose_message`'s email as the outbox keeps it: its bytes, subject and plain text,
    written straight from its parts where they are plain (as a reminder's are)."""
    parts = email_parts(
        ctx,
        token=token,
        message_id=message_id,
        from_address=from_address,
        reply_to=reply_to,
        templates_dir=templates_dir,
        now=now,
        attachments=attachments,
    )
    written = written_email(parts)
    if written is not None:
        return written
    msg = email_message(parts)
    body = msg.get_body(preferencelist=("plain",))
    return Rendering(
        subject=str(msg["Subject"]),
        body_text=body.get_content() if isinstance(body, EmailMessage) else "",
        raw=msg.as_bytes(),
    )


def email_parts(
    ctx: EmailContext,
    *,
    token: str,
    message_id: str,
    from_address: str,
    reply_to: str,
    templates_dir: Path,
    now: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailParts:
    """What the email for a due notification consists of, its templates rendered."""
    notification = ctx.notification
    if not TOKEN_PATTERN.fullmatch(token):
        raise ValueError(f"token must be {TOKEN_LENGTH} characters of [a-z2-7], got {token!r}")
    if not (message_id.startswith("<") and message_id.endswith(">") and "@" in message_id):
        raise ValueError(f"Message-ID must look like <id@domain>, got {message_id!r}")
    if not notification.to:
        raise ValueError(f"notification {notification.key} has no recipient")
    reply_address = plus_address(reply_to, token)
    rendered = render_email(
        ctx,
        today=now.astimezone(ZoneInfo(ctx.timezone)).date(),
        token=token,
        reply_address=reply_address,
        templates_dir=templates_dir,
        attachments=[a.filename for a in attachments],
    )
    sender = _sender(from_address, ctx.partnership)
    calendar = _calendar(ctx, domain=sender.addr_spec.rpartition("@")[2], stamp=now)
    acknowledgement = notification.kind is NotificationKind.ACKNOWLEDGEMENT
    return EmailParts(
        sender=sender,
        to=_recipients(notification.to, ctx),
        cc=_recipients(notification.cc, ctx),
        reply_to=Mailbox(ctx.partnership, reply_address),
        subject=f"{rendered.subject} [CSP:{token}]",
        date=format_datetime(now),
        message_id=message_id,
        thread=ctx.thread,
        auto_submitted="auto-replied" if acknowledgement else "auto-generated",
        text=rendered.text,
        html=rendered.html,
        attachments=(*calendar, *attachments),
    )


def check_templates(templates_dir: Path) -> None:
    """Load every template of every kind, so a broken one stops start-up, not a send."""
    env = _environment(templates_dir.resolve())
    for kind in NotificationKind:
        for part in PARTS:
            _load(env, templates_dir, f"{kind.value}.{part}")
    for name in env.list_templates():  # the shared layout and partials too
        _load(env, templates_dir, name)


@lru_cache(maxsize=8)
def _sender(from_address: str, partnership: str) -> Mailbox:
    name, addr = parseaddr(from_address)
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        raise ConfigError(
            "environment",
            None,
            f"CSP_FROM_ADDRESS must be an address like name@example.org, not {from_address!r}",
        )
    return Mailbox(name or partnership, addr)


def _recipients(addresses: Sequence[str], ctx: EmailContext) -> tuple[Mailbox, ...]:
    """Addresses with the names we know: the lead's (sole recipient) and the coordinator's."""
    names: dict[str, str] = {}
    if len(ctx.notification.to) == 1 and ctx.lead_name:
        names[ctx.notification.to[0].lower()] = ctx.lead_name
    if ctx.coordinator_email and ctx.coordinator_name:
        names.setdefault(ctx.coordinator_email.lower(), ctx.coordinator_name)
    return tuple(Mailbox(names.get(a.lower(), ""), a) for a in addresses)


def _calendar(ctx: EmailContext, *, domain: str, stamp: datetime) -> tuple[Attachment, ...]:
    """The meeting or the deadlines the email is about, as a calendar to add them to."""
    kind = ctx.notification.kind
    if kind in _MEETING_CALENDAR and ctx.meeting is not None:
        meeting = ctx.meeting
        text = meeting_calendar(
            meeting, domain=domain, stamp=stamp, description=f"{ctx.partnership}: {meeting.title}"
        )
        return (_calendar_file(f"meeting-{meeting.date.isoformat()}.ics", text),)
    if kind in _DEADLINE_CALENDAR and ctx.milestones:
        events = [MilestoneEvent(line.milestone, line.action) for line in ctx.milestones]
        text = milestones_calendar(events, domain=domain, stamp=stamp)
        return (_calendar_file("deadlines.ics", text),)
    return ()


def _calendar_file(filename: str, text: str) -> Attachment:
    params = (("method", "PUBLISH"), ("charset", "utf-8"))
    return Attachment(filename, text.encode("utf-8"), "text/calendar", params)


def _template_values(
    ctx: EmailContext, today: date, token: str, reply_address: str, attachments: Sequence[str]
) -> dict[str, Any]:
    notification = ctx.notification
    recorded = ctx.recorded
    if notification.kind is NotificationKind.AGENDA_ADDENDUM:
        # An addendum goes to the whole partnership: nothing private or awaiting review.
        recorded = tuple(u for u in recorded if not (u.private or u.held_for_review))
    action_text = {line.ref: line.action for line in ctx.actions}
    action_text.update({line.milestone.action_ref: line.action for line in ctx.milestones})
    return {
        "kind": notification.kind.value,
        "notification": notification,
        "lead_name": ctx.lead_name,
        "partnership": ctx.partnership,
        "coordinator_name": ctx.coordinator_name,
        "coordinator_email": ctx.coordinator_email,
        "coordinator_copied": bool(
            ctx.coordinator_email
            and ctx.coordinator_email.lower() in {a.lower() for a in notification.cc}
        ),
        "actions": ctx.actions,
        "meeting": ctx.meeting,
        "milestones": ctx.milestones,
        "reply_by": ctx.reply_by,
        "recorded": recorded,
        "problems": ctx.problems,
        "held": ctx.held,
        "digest": ctx.digest,
        "action_text": action_text,
        "today": today,
        "token": token,
        "reply_address": reply_address,
        "marker": REPLY_MARKER,
        "statuses": list(_STATUS_VALUES),
        "example_ref": ctx.actions[0].ref if ctx.actions else "3.1.4",
        "attachments": list(attachments),
        "web_link": ctx.web_link,
    }


_STATUS_VALUES = tuple(status.value for status in Status)


def _status(status: Status | None) -> str:
    return status.value if status is not None else "no status"


def _relative(due: date, today: date) -> str:
    """How far a date is from the day the email is rendered, as a person would say it."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


@lru_cache(maxsize=8)
def _environment(root: Path) -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(root / "email"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=weekday_date,
        short_date=full_month_date,
        clock=twenty_four_hour_time,
        status=_status,
    )
    env.globals["relative"] = _relative
    return env


def _load(env: Environment, templates_dir: Path, name: str) -> Any:
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    try:
        return env.get_template(name)
    except TemplateNotFound as exc:
        raise ConfigError(
            str(templates_dir / "email" / str(exc.name)), None, "email template is missing"
        ) from None
    except TemplateSyntaxError as exc:
        source = exc.filename or str(templates_dir / "email" / name)
        raise ConfigError(source, exc.lineno, exc.message or "template syntax error") from None


@lru_cache(maxsize=8)
def _environment_of(templates_dir: Path) -> Environment:
    """The templates folder's environment, its path resolved once (a simulated year renders
    tens of thousands of subject lines)."""
    return _environment(templates_dir.resolve())


def _render(templates_dir: Path, name: str, values: Mapping[str, Any]) -> str:
    from jinja2 import UndefinedError

    env = _environment_of(templates_dir)
    template = _load(env, templates_dir, name)
    try:
        rendered: str = template.render(values)
    except UndefinedError as exc:
        line = _template_line(exc, template.filename)
        raise ConfigError(template.filename or name, line, exc.message or "undefined") from None
    return rendered


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line an error was raised at (Jinja maps template frames to lines)."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if filename is not None and frame.f_code.co_filename == filename:
            line = lineno
    return line
