"""`csp mail check`: can the service get a token, open the mailbox and sign in to send?

Each check is one line; a failed one says what to fix. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from scheduler.adapters.imap_mailbox import MailboxError
from scheduler.adapters.mail_transport import AcceptanceUnknown, PermanentFailure, TemporaryFailure
from scheduler.adapters.tokens import TokenUnavailable
from scheduler.services.app import MailWiring
from scheduler.settings import Settings

# The application permissions each way of reaching the mailbox needs (Entra app roles).
_ROLES_NEEDED = {
    "imap": ("IMAP.AccessAsApp", "Office 365 Exchange Online"),
    "smtp": ("SMTP.SendAsApp", "Office 365 Exchange Online"),
    "graph-read": ("Mail.ReadWrite", "Microsoft Graph"),
    "graph-send": ("Mail.Send", "Microsoft Graph"),
}


@dataclass(frozen=True)
class MailCheck:
    """One thing checked: `what` (token, mailbox, sender, test message), passed or not."""

    what: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"check": self.what, "ok": self.ok, "detail": self.detail}


def check_mail(
    settings: Settings, mail: MailWiring, now: datetime, send_test_to: str | None = None
) -> list[MailCheck]:
    """Everything the daemon needs of the mail: a token (with OAuth), the replies mailbox and
    its folders, the sender; and, when asked, one test message to `send_test_to`."""
    checks: list[MailCheck] = []
    if mail.tokens is not None:
        checks += _token_checks(settings, mail)
    checks.append(_mailbox_check(mail))
    checks.append(_sender_check(mail, settings, now, send_test_to))
    return checks


def _token_checks(settings: Settings, mail: MailWiring) -> list[MailCheck]:
    tokens = mail.tokens
    assert tokens is not None
    try:
        roles = tokens.roles()
    except TokenUnavailable as failure:
        return [MailCheck("token", False, failure.reason)]
    checks = [MailCheck("token", True, f"from {tokens.settings.endpoint}")]
    if roles is None:
        return checks  # not a JWT: its permissions show only when it is used
    for need in _needed(settings, mail):
        role, api = _ROLES_NEEDED[need]
        if role not in roles:
            checks.append(
                MailCheck(
                    "permission",
                    False,
                    f"the token lacks {role}: add the {api} application permission {role} "
                    "to the app registration and grant admin consent",
                )
            )
    return checks


def _needed(settings: Settings, mail: MailWiring) -> list[str]:
    if settings.mail.provider == "graph":
        return ["graph-read", "graph-send"]
    needed = ["imap"] if settings.imap is not None and settings.imap.auth == "oauth2" else []
    if settings.smtp is not None and settings.smtp.auth == "oauth2":
        needed.append("smtp")
    return needed


def _mailbox_check(mail: MailWiring) -> MailCheck:
    if mail.open_mailbox is None:
        return MailCheck("mailbox", False, "no replies mailbox: set CSP_IMAP_HOST "
                         "(or CSP_MAIL_PROVIDER=graph) so replies are collected")  # fmt: skip
    try:
        with mail.open_mailbox() as mailbox:
            folders = mailbox.folders()
    except MailboxError as failure:
        return MailCheck("mailbox", False, failure.reason)
    listed = ", ".join(
        f"{name!r}" + ("" if exists else " (created at the first poll)") for name, exists in folders
    )
    inbox, inbox_exists = folders[0]
    if not inbox_exists:
        return MailCheck("mailbox", False, f"folder {inbox!r} not found: check the folder setting")
    return MailCheck("mailbox", True, f"folders {listed}")


def _sender_check(
    mail: MailWiring, settings: Settings, now: datetime, send_test_to: str | None
) -> MailCheck:
    what = "test message" if send_test_to else "sender"
    try:
        with mail.open_transport() as transport:
            if send_test_to is not None:
                transport.send(_test_message(settings, now, send_test_to))
    except (TemporaryFailure, PermanentFailure, AcceptanceUnknown) as failure:
        return MailCheck(what, False, failure.reason)
    if send_test_to is not None:
        return MailCheck(what, True, f"sent to {send_test_to} through {mail.transport_label}")
    return MailCheck(what, True, f"signed in to {mail.transport_label}")


def _test_message(settings: Settings, now: datetime, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = to
    message["Subject"] = "CSP scheduler: test message"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.mail_domain)
    message.set_content(
        "This is a test message from the CSP scheduler's `csp mail check --send-test`.\n"
        "If you can read it, the service can send mail.\n"
    )
    return message
