"""An email as the composer lays it out (addresses, headers, the two alternatives, files), and
the email package's message of it.

`email_message` is the reference: what the email package (policy SMTP) makes of the parts is
what every email has always been, byte for byte. `mime_bytes` writes the same bytes faster.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage


@dataclass(frozen=True)
class Attachment:
    """A file sent with the email, such as the agenda pack PDF or a calendar."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"
    params: tuple[tuple[str, str], ...] = ()  # Content-Type parameters, such as method


@dataclass(frozen=True)
class Mailbox:
    """An address with the name shown for it (none when empty)."""

    display_name: str
    addr_spec: str


@dataclass(frozen=True)
class EmailParts:
    """Everything an email consists of, in the order its headers are written."""

    sender: Mailbox
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    reply_to: Mailbox
    subject: str
    date: str
    message_id: str
    thread: tuple[str, ...]  # Message-IDs this email follows, oldest first
    auto_submitted: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


def email_message(parts: EmailParts) -> EmailMessage:
    """The parts as the email package's message: text and HTML alternatives, then each file."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _address(parts.sender)
    msg["To"] = [_address(m) for m in parts.to]
    if parts.cc:
        msg["Cc"] = [_address(m) for m in parts.cc]
    msg["Reply-To"] = _address(parts.reply_to)
    msg["Subject"] = parts.subject
    msg["Date"] = parts.date
    msg["Message-ID"] = parts.message_id
    if parts.thread:
        msg["In-Reply-To"] = parts.thread[-1]
        msg["References"] = " ".join(parts.thread)
    msg["Auto-Submitted"] = parts.auto_submitted
    msg.set_content(parts.text)
    msg.add_alternative(parts.html, subtype="html")
    for attachment in parts.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        msg.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(attachment.params) or None,
        )
    return msg


def _address(mailbox: Mailbox) -> Address:
    return Address(display_name=mailbox.display_name, addr_spec=mailbox.addr_spec)
