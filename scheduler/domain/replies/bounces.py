"""Bounces, delay warnings and complaints known by what they say, and the addresses that failed.

Many delivery failures carry no message/delivery-status part, and gateways rewrite the
subject or sender we would know them by. Their text still tells: each mail system words
its notice in its own way (Exim, Postfix, qmail, Sendmail, Exchange and Office 365, Lotus
Domino, Gmail). Mail services send bounces and complaints as JSON (Amazon SES through SNS,
SendGrid and Mailgun events), and abuse reports come as ARF feedback reports.

Only the notice itself is read, above the copy of the returned message and above anything
a person forwarded it under, so a lead forwarding a bounce with words of their own is
still a reply. An address the notice names is taken for the failed one only where the
notice puts a failed recipient; the bounce's own recipients, the sender and mail daemons
never are. A delay warning is a bounce that names no failed address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from scheduler.domain.replies.quotes import SEPARATOR


@dataclass(frozen=True)
class BounceReport:
    """What a notice is (`reason`, for the coordinator) and the addresses it says failed."""

    reason: str
    recipients: tuple[str, ...]


_ADDRESS = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
# (mail system, words of its notice in lower case, a pattern the notice must also match)
_NOTICES: tuple[tuple[str, str, re.Pattern[str] | None], ...] = (
    ("Exim", "this message was created automatically by mail delivery software", None),
    ("Postfix", "this is the mail system at host", None),
    ("qmail", "this is the qmail-send program", None),
    ("qmail", "i'm afraid i wasn't able to deliver your message", None),
    ("Sendmail", "the following addresses had permanent fatal errors", None),
    ("Sendmail", "the following addresses had transient non-fatal errors", None),
    (
        "Sendmail",
        "the original message was received at",
        re.compile(r"^the original message was received at .{5,80}\n\s*from \S", re.I | re.M),
    ),
    ("Exchange", "delivery has failed to these recipients or groups", None),
    ("Exchange", "your message did not reach some or all of the intended recipients", None),
    ("Exchange", "the following recipient(s) cannot be reached", None),
    ("Exchange", "the following recipient(s) could not be reached", None),
    *(
        (
            "Office 365",
            f"couldn{apostrophe}t be delivered",
            re.compile(rf"your message to <?{_ADDRESS}>? couldn{apostrophe}t be delivered", re.I),
        )
        for apostrophe in ("'", "’")
    ),
    (
        "Lotus Domino",
        "was not delivered to:",
        re.compile(r"^\s*was not delivered to:\s*\n[\s\S]{0,600}?^\s*because:", re.I | re.M),
    ),
    ("Gmail", "** address not found **", None),
    ("Gmail", "** message not delivered **", None),
    ("Gmail", "** message blocked **", None),
    ("Gmail", "delivery to the following recipient failed permanently", None),
    ("Gmail", "delivery to the following recipients failed permanently", None),
    ("Gmail", "delivery to the following recipient has been delayed", None),
    ("Yahoo", "sorry, we were unable to deliver your message to the following address", None),
    ("Windows", "this is an automatically generated delivery status notification", None),
    ("GroupWise", "the message that you sent was undeliverable to the following", None),
    ("a mail server", "unable to deliver message to the following recipients", None),
    ("a mail server", "unable to deliver your message to the following", None),
    (
        "a mail server",
        "delivery to the following recipients failed",
        re.compile(r"^\s*delivery to the following recipients failed\.?\s*$", re.I | re.M),
    ),
)
_WARNING = re.compile(
    r"this is a warning (?:message )?only|you do not need to resend your message"
    r"|has been delayed|has not yet been delivered|will be retried|will retry|still trying"
    r"|delayed mail|delivery delayed",
    re.IGNORECASE,
)
# Where the copy of the returned message (or the session transcript) starts.
_RETURNED_COPY = re.compile(
    r"^\s*-+\s*(?:this is a copy of|below this line is a copy|transcript of session|original"
    r" message|returned mail follows|unsent message below|message headers? follows?)"
    r"|^original message (?:headers|details)\s*:?\s*$"
    r"|^(?:return-path|received|from|to|subject|date|message-id|mime-version|content-type):\s",
    re.IGNORECASE | re.MULTILINE,
)
# Where a notice puts a failed recipient: alone on a line, or named in its sentence.
_RECIPIENT_ALONE = re.compile(
    rf"[ \t]*(?:[^<>()@]{{1,60}}\(\s*)?<?(?P<address>{_ADDRESS})>?(?:\s*\))?"
    r"(?:\s*(?:\(.{0,80}\))?|\s*:.*|\.\.\..*|\s+on\s+\d.*)$"
)
_RECIPIENT_SAID = re.compile(
    r"(?:message to|delivered to|deliver (?:your )?message to|delivery to)"
    rf"\s+<?(?P<address>{_ADDRESS})",
    re.IGNORECASE,
)
_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "root"})
_TOKEN_ADDRESS = re.compile(r"\+[a-z2-7]{20}@", re.IGNORECASE)
_FIELD = re.compile(r"^(?P<name>[\w-]+)[ \t]*:[ \t]*(?P<value>.*)$", re.MULTILINE)
_NOTICE_CHARS = 12_000
_SEPARATOR_STARTS = frozenset(" \t-=_*bB")
_JSON_CHARS = 500_000


def text_bounce(body: str, *, excluded: Collection[str] = ()) -> BounceReport | None:
    """A mail system's plain-text delivery failure or delay notice, or None.

    `excluded` are addresses never taken for a failed one: the bounce's own recipients.
    """
    head = body[:_NOTICE_CHARS]
    if _notice_start(head.lower(), head) is None:
        return None  # most messages stop here, after a few substring searches
    notice = _notice_part(head)
    found = _notice_start(notice.lower(), notice)
    if found is None:
        return None
    start, system = found
    if _WARNING.search(notice):
        return BounceReport(f"delay warning from {system}", ())
    diagnostic = _RETURNED_COPY.split(notice[start:], maxsplit=1)[0]
    addresses = _recipients_in(diagnostic)
    fields = failed_recipients(diagnostic)
    return BounceReport(
        f"delivery failure notice from {system}", _usable([*fields, *addresses], excluded)
    )


def _notice_start(lowered: str, text: str) -> tuple[int, str] | None:
    """Where the earliest notice wording starts in `text`, and whose it is."""
    earliest: tuple[int, str] | None = None
    for system, words, pattern in _NOTICES:
        position = lowered.find(words)
        if position < 0 or (earliest is not None and position >= earliest[0]):
            continue
        if pattern is not None:
            confirmed = pattern.search(text)
            if confirmed is None:
                continue
            position = confirmed.start()
        earliest = (position, system)
    return earliest


def notification_bounce(body: str, *, excluded: Collection[str] = ()) -> BounceReport | None:
    """A mail service's JSON bounce or complaint (SES through SNS, SendGrid, Mailgun), or None."""
    text = body.lstrip()
    if text[:1] not in ("{", "[") or len(text) > _JSON_CHARS:
        return None
    events = list(_json_events(_decode_json(text)))
    reports = [report for report in map(_service_event, events) if report is not None]
    if not reports:
        return None
    recipients = _usable([a for report in reports for a in report.recipients], excluded)
    return BounceReport(reports[0].reason, recipients)


def body_bounce(body: str, *, excluded: Collection[str] = ()) -> BounceReport | None:
    """A JSON notification or a plain-text notice in the body, or None."""
    return notification_bounce(body, excluded=excluded) or text_bounce(body, excluded=excluded)


def recipients_named(body: str, *, excluded: Collection[str] = ()) -> tuple[str, ...]:
    """For a bounce known by its headers but worded in no way we know: the addresses its notice
    puts where failed recipients go ("<jane@example.org>:" alone on a line, "message to ...")."""
    diagnostic = _RETURNED_COPY.split(_notice_part(body), maxsplit=1)[0]
    return _usable(_recipients_in(diagnostic), excluded)


def feedback_report_recipients(report_text: str) -> tuple[str, ...]:
    """The recipients an ARF feedback report names (Original-Rcpt-To, Removal-Recipient)."""
    found = []
    for field in _FIELD.finditer(report_text):
        if field.group("name").lower() in ("original-rcpt-to", "removal-recipient"):
            found += re.findall(_ADDRESS, field.group("value"))
    return _usable(found, ())


def failed_recipients(status_text: str) -> tuple[str, ...]:
    """Addresses a delivery status report says failed (Action: failed, or a 5.x.x Status)."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n", status_text.replace("\r\n", "\n")):
        fields = _fields(block)
        action = fields.get("action", "").strip().lower()
        status = fields.get("status", "").strip()
        failed = action.startswith("failed") or (not action and status.startswith("5"))
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if failed and recipient:
            address = recipient.partition(";")[2] or recipient
            address = address.strip().strip("<>").strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return tuple(found)


def usable_recipients(addresses: Iterable[str], excluded: Collection[str]) -> tuple[str, ...]:
    """Addresses in lower case, once each, without excluded, daemon or reply-token addresses."""
    return _usable(addresses, excluded)


def _recipients_in(diagnostic: str) -> Iterator[str]:
    """Addresses where a notice puts failed recipients: alone on a line, or in its sentence."""
    for line in diagnostic.split("\n"):
        if "@" not in line:
            continue
        alone = _RECIPIENT_ALONE.match(line)
        if alone:
            yield alone.group("address")
        else:
            yield from (said.group("address") for said in _RECIPIENT_SAID.finditer(line))


def _notice_part(body: str) -> str:
    """The body above anything forwarded or quoted under it, and not too long to scan."""
    lines = body[:_NOTICE_CHARS].replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if line[:1] in _SEPARATOR_STARTS and SEPARATOR.match(line):
            return "\n".join(lines[:index])
    return "\n".join(lines)


def _usable(addresses: Iterable[str], excluded: Collection[str]) -> tuple[str, ...]:
    unwanted = {address.lower() for address in excluded}
    found: list[str] = []
    for address in addresses:
        address = address.strip().strip("<>.").lower()
        local = address.partition("@")[0]
        if (
            address in unwanted
            or address in found
            or local in _DAEMONS
            or _TOKEN_ADDRESS.search(address)
        ):
            continue
        found.append(address)
    return tuple(found)


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name: str | None = None
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        if colon and key.strip() and " " not in key.strip():
            name = key.strip().lower()
            fields.setdefault(name, value.strip())
    return fields


def _decode_json(text: str) -> object:
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return value


def _json_events(value: object) -> Iterator[dict[str, object]]:
    """The event objects in a notification: a list of them, one, or one inside an SNS envelope."""
    if isinstance(value, list):
        for item in value:
            yield from _json_events(item)
    elif isinstance(value, dict):
        inner = value.get("Message")
        if value.get("Type") == "Notification" and isinstance(inner, str):
            yield from _json_events(_decode_json(inner.lstrip()))
        else:
            yield value


def _service_event(event: dict[str, object]) -> BounceReport | None:
    kind = str(event.get("notificationType") or event.get("eventType") or "")
    if kind in ("Bounce", "Complaint"):
        return _ses_event(kind, event)
    mailgun = event.get("event-data")
    if isinstance(mailgun, dict):
        return _mailgun_event(mailgun)
    if "email" in event and isinstance(event.get("event"), str):
        return _sendgrid_event(event)
    if "recipient" in event and isinstance(event.get("event"), str):
        return _mailgun_event(event)
    return None


def _ses_event(kind: str, event: dict[str, object]) -> BounceReport:
    if kind == "Complaint":
        complaint = _object(event.get("complaint"))
        return BounceReport(
            "Amazon SES complaint", _addresses(complaint.get("complainedRecipients"))
        )
    bounce = _object(event.get("bounce"))
    if bounce.get("bounceType") != "Permanent":
        return BounceReport(f"Amazon SES {str(bounce.get('bounceType', '')).lower()} bounce", ())
    return BounceReport("Amazon SES permanent bounce", _addresses(bounce.get("bouncedRecipients")))


def _sendgrid_event(event: dict[str, object]) -> BounceReport | None:
    kind = str(event["event"]).lower()
    if kind not in ("bounce", "dropped", "spamreport", "deferred", "blocked"):
        return None
    failing = kind in ("dropped", "spamreport") or (
        kind == "bounce" and str(event.get("type", "bounce")).lower() != "blocked"
    )
    recipients = (str(event["email"]),) if failing else ()
    return BounceReport(f"SendGrid {kind} event", recipients)


def _mailgun_event(event: dict[str, object]) -> BounceReport | None:
    kind = str(event.get("event", "")).lower()
    if kind not in ("failed", "bounced", "dropped", "complained", "rejected"):
        return None
    failing = kind != "failed" or str(event.get("severity", "permanent")).lower() == "permanent"
    recipient = event.get("recipient")
    recipients = (recipient,) if failing and isinstance(recipient, str) else ()
    return BounceReport(f"Mailgun {kind} event", recipients)


def _object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _addresses(entries: object) -> tuple[str, ...]:
    if not isinstance(entries, list):
        return ()
    found = [_object(entry).get("emailAddress") for entry in entries]
    return tuple(address for address in found if isinstance(address, str))
