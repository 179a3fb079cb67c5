"""A raw inbound email read into plain values, and what it says.

Reading never raises: mail arrives mangled (bad charsets, truncated MIME,
8-bit header garbage) and every message must still be stored, classified and,
when it cannot be understood, put in front of a person with the reason. Each
such difficulty is listed in `problems`.

Parsing with the standard `email` package is parsing, not I/O: nothing here
touches the network, the file system or the clock.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.policy
import hashlib
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from scheduler.domain.replies.bounces import (
    body_bounce,
    failed_recipients,
    feedback_report_recipients,
    recipients_named,
    usable_recipients,
)
from scheduler.domain.replies.classification import (
    MessageClass,
    MessageSignals,
    answers_something,
    classify,
)
from scheduler.domain.replies.html_text import html_to_text
from scheduler.domain.replies.return_dates import away_until
from scheduler.domain.replies.text import extract_reply_text

TOKEN_LENGTH = 20
_TOKEN_IN_SUBJECT = re.compile(r"\[CSP:\s*([A-Za-z2-7]{20})\s*\]", re.IGNORECASE)
_TOKEN_IN_ADDRESS = re.compile(r"\+([A-Za-z2-7]{20})@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[^\s<>(),;:\"]+@[^\s<>(),;:\"]+\.[^\s<>(),;:\"]+")
_TOKEN_HEADERS = ("delivered-to", "x-original-to", "to", "cc")
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "unicode-1-1-utf-7": "utf-7",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}
_MAX_DEPTH = 40

T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """A part that is not the message text: a file, an image, an attached message."""

    filename: str | None
    content_type: str
    size: int
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class InboundMessage:
    """One inbound email as plain values; `problems` lists what could not be read cleanly."""

    message_id: str | None
    content_hash: str
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    subject: str
    date: dt.datetime | None
    auto_submitted: str | None
    text_body: str
    attachments: tuple[Attachment, ...]
    authentication_results: tuple[str, ...]
    classification: MessageClass
    classification_reason: str
    away_until: dt.date | None
    bounced_recipients: tuple[str, ...]
    tokens: tuple[tuple[str, str], ...]
    problems: tuple[str, ...]
    body_from_html: bool = False

    @property
    def token(self) -> str | None:
        """The reference token with the best source (plus-address before subject), or None."""
        return self.tokens[0][1] if self.tokens else None

    @property
    def store_key(self) -> str:
        """The Message-ID, or the content hash when the message has none."""
        return self.message_id or f"sha256:{self.content_hash}"


def find_tokens(
    recipients: Collection[tuple[str, str]], subject: str
) -> tuple[tuple[str, str], ...]:
    """(source, token) pairs: plus-addresses (headers in the order given), then the subject tag."""
    found: list[tuple[str, str]] = []
    for source, address in recipients:
        for token in _TOKEN_IN_ADDRESS.findall(address):
            pair = (source, token.lower())
            if pair not in found:
                found.append(pair)
    for token in _TOKEN_IN_SUBJECT.findall(subject):
        pair = ("subject", token.lower())
        if pair not in found:
            found.append(pair)
    return tuple(found)


class _Reader:
    """Collects values and problems from a parsed message, one guarded step at a time."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.problems: list[str] = []
        self.plain: str | None = None
        self.html: str | None = None
        self.attachments: list[Attachment] = []
        self.delivery_status: list[str] = []
        self.feedback_reports: list[str] = []
        self._headers: list[tuple[str, str, str]] | None = None

    def guarded(self, what: str, step: Callable[[], T], default: T) -> T:
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - malformed mail must never stop reading
            self.problems.append(f"{what}: {type(exc).__name__}: {_clean(str(exc))[:120]}")
            return default

    def _header_items(self) -> list[tuple[str, str, str]]:
        """(lower-case name, raw value, decoded value) of every header, read once."""
        if self._headers is None:
            none: list[tuple[str, object]] = []
            items = self.guarded("headers", lambda: list(self.message.raw_items()), none)
            self._headers = [
                (str(name).lower(), _clean(str(value)), _decode_header_value(value))
                for name, value in items
            ]
        return self._headers

    def raw_headers(self) -> list[tuple[str, str]]:
        return [(name, decoded) for name, _, decoded in self._header_items()]

    def header_text(self, name: str) -> str | None:
        wanted = name.lower()
        return next((d for n, _, d in self._header_items() if n == wanted), None)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, address) pairs from every header of this name."""
        wanted = name.lower()
        raw = [value for n, value, _ in self._header_items() if n == wanted]
        none: list[tuple[str, str]] = []
        pairs = self.guarded(f"{name} header", lambda: getaddresses(raw), none)
        return [
            (_decode_header_value(display), _clean(address).strip().lower())
            for display, address in pairs
            if "@" in address
        ]

    def walk(self, part: Message, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            self.problems.append("MIME nesting deeper than 40 levels; inner parts skipped")
            return
        content_type = self.guarded("content type", part.get_content_type, "text/plain")
        if content_type == "message/delivery-status":
            self.delivery_status.append(self.guarded("delivery status", lambda: _status(part), ""))
            return
        if content_type == "message/feedback-report":
            self.feedback_reports.append(self.guarded("feedback report", lambda: _status(part), ""))
            return
        if content_type.startswith("message/") or content_type == "text/rfc822-headers":
            self.attachments.append(self._attachment(part, content_type))
            return
        if part.is_multipart():
            payload: object = self.guarded("multipart payload", lambda: part.get_payload(), None)
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    self.walk(sub, depth + 1)
            return
        disposition = self.guarded("content disposition", part.get_content_disposition, None)
        filename = self.guarded("attachment name", part.get_filename, None)
        inline_text = disposition != "attachment" and not filename
        if inline_text and content_type == "text/plain" and not self.plain:
            self.plain = self._text(part)
        elif inline_text and content_type == "text/html" and not self.html:
            self.html = self._text(part)
        else:
            self.attachments.append(self._attachment(part, content_type))

    def _payload(self, part: Message) -> bytes:
        def read() -> bytes:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload
            return str(part.get_payload()).encode("utf-8", "surrogateescape")

        return self.guarded("part payload", read, b"")

    def _text(self, part: Message) -> str:
        payload = self._payload(part)
        charset = self.guarded("charset", part.get_content_charset, None)
        return _decode_text(payload, charset, self.problems)

    def _attachment(self, part: Message, content_type: str) -> Attachment:
        filename = self.guarded("attachment name", part.get_filename, None)
        if content_type.startswith("message/") and part.is_multipart():
            payload = self.guarded("attached message", lambda: _as_bytes(part), b"")
        else:
            payload = self._payload(part)
        name = None if filename is None else _clean(str(filename))
        return Attachment(name, content_type, len(payload), payload)


def read_message(raw: bytes) -> InboundMessage:
    """Read a raw RFC 5322 message; never raises, lists what it could not read in `problems`."""
    content_hash = hashlib.sha256(raw).hexdigest()
    try:
        # compat32: headers stay plain strings, decoded once by the reader; the modern policy's
        # header objects cost several times the whole rest of reading a reply.
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient, but never trust it fully
        return _unreadable(raw, content_hash, f"not a readable message: {type(exc).__name__}")
    reader = _Reader(parsed)
    no_defects: list[object] = []
    defects = reader.guarded("defects", lambda: list(parsed.defects), no_defects)
    reader.problems.extend(f"MIME defect: {type(defect).__name__}" for defect in defects[:5])
    reader.walk(parsed)

    subject = reader.header_text("subject") or ""
    senders = reader.addresses("from")
    from_name, from_address = senders[0] if senders else (None, None)
    to_addresses = tuple(address for _, address in reader.addresses("to"))
    cc_addresses = tuple(address for _, address in reader.addresses("cc"))
    headers = reader.raw_headers()
    recipients = [(name, value) for name in _TOKEN_HEADERS for key, value in headers if key == name]
    tokens = find_tokens(recipients, subject)
    message_id = _first_id(reader.header_text("message-id"))
    in_reply_to = _first_id(reader.header_text("in-reply-to"))
    references = tuple(_MESSAGE_ID.findall(reader.header_text("references") or ""))
    sent_at = reader.guarded("date header", lambda: _date(parsed, headers), None)

    text_body, from_html = _body(reader)
    content_type = reader.guarded("content type", parsed.get_content_type, "text/plain")
    report_type = reader.guarded("report type", lambda: _param(parsed, "report-type"), None)
    signals = MessageSignals(
        headers=tuple(headers),
        content_type=content_type,
        report_type=report_type,
        has_delivery_status=bool(reader.delivery_status),
        from_address=from_address,
        from_name=from_name,
        subject=subject,
        answers_something=answers_something(tokens, in_reply_to, references, subject),
        body=text_body,
    )
    verdict = classify(signals)
    bounced: tuple[str, ...] = ()
    returning: dt.date | None = None
    if verdict.kind is MessageClass.BOUNCE:
        ours = {*to_addresses, *cc_addresses, *([from_address] if from_address else [])}
        bounced = reader.guarded("bounce recipients", lambda: _bounced(reader, text_body, ours), ())
    elif verdict.kind is MessageClass.AUTO_REPLY:
        own_words = extract_reply_text(text_body) or text_body
        returning = away_until(
            f"{subject}\n{own_words}", sent_on=None if sent_at is None else sent_at.date()
        )
    if not senders:
        reader.problems.append("no readable From address")
    if not text_body.strip() and not reader.attachments:
        reader.problems.append("no text in the message")
    return InboundMessage(
        message_id=message_id,
        content_hash=content_hash,
        in_reply_to=in_reply_to,
        references=references,
        from_address=from_address,
        from_name=from_name or None,
        to_addresses=to_addresses,
        cc_addresses=cc_addresses,
        subject=subject,
        date=sent_at,
        auto_submitted=next((v for k, v in headers if k == "auto-submitted"), None),
        text_body=text_body,
        attachments=tuple(reader.attachments),
        authentication_results=tuple(v for k, v in headers if k == "authentication-results"),
        classification=verdict.kind,
        classification_reason=verdict.reason,
        away_until=returning,
        bounced_recipients=bounced,
        tokens=tokens,
        problems=tuple(dict.fromkeys(reader.problems)),
        body_from_html=from_html,
    )


def _bounced(reader: _Reader, text_body: str, excluded: set[str]) -> tuple[str, ...]:
    """The addresses a bounce says failed, from the most to the least explicit source.

    A report part, Exim's X-Failed-Recipients, an ARF report, a JSON notification or a notice
    whose wording we know; then, for a bounce known only by its headers, the addresses its
    notice puts where failed recipients go; for a complaint naming nobody, the complained-of
    message's own recipients.
    """
    found = failed_recipients("\n\n".join(reader.delivery_status))
    if found:
        return found
    failed_header = " ".join(v for k, v in reader.raw_headers() if k == "x-failed-recipients")
    found = usable_recipients(_ADDRESS.findall(failed_header), excluded)
    if found:
        return found
    if reader.feedback_reports:
        found = feedback_report_recipients("\n\n".join(reader.feedback_reports))
        return found or _returned_recipients(reader.attachments, excluded)
    notice = body_bounce(text_body, excluded=excluded)
    if notice is not None:
        return notice.recipients
    return recipients_named(text_body, excluded=excluded)


def _returned_recipients(attachments: Sequence[Attachment], excluded: set[str]) -> tuple[str, ...]:
    """The To and Cc of the message a report returns (message/rfc822 or text/rfc822-headers)."""
    for attachment in attachments:
        if attachment.content_type not in ("message/rfc822", "text/rfc822-headers"):
            continue
        returned = email.message_from_bytes(attachment.payload, policy=email.policy.compat32)
        pairs = getaddresses([str(v) for k, v in returned.items() if k.lower() in ("to", "cc")])
        found = usable_recipients((address for _, address in pairs if "@" in address), excluded)
        if found:
            return found
    return ()


def _unreadable(raw: bytes, content_hash: str, problem: str) -> InboundMessage:
    return InboundMessage(
        message_id=None,
        content_hash=content_hash,
        in_reply_to=None,
        references=(),
        from_address=None,
        from_name=None,
        to_addresses=(),
        cc_addresses=(),
        subject="",
        date=None,
        auto_submitted=None,
        text_body=raw.decode("utf-8", "replace"),
        attachments=(),
        authentication_results=(),
        classification=MessageClass.UNKNOWN,
        classification_reason=problem,
        away_until=None,
        bounced_recipients=(),
        tokens=(),
        problems=(problem,),
    )


def _body(reader: _Reader) -> tuple[str, bool]:
    """The text/plain part when it has text, else the HTML part rendered as text."""
    if reader.plain and reader.plain.strip():
        return _unix_lines(reader.plain), False
    if reader.html and reader.html.strip():
        return html_to_text(reader.html), True
    return _unix_lines(reader.plain or ""), False


def _unix_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_text(payload: bytes, charset: str | None, problems: list[str]) -> str:
    """Bytes to text by the declared charset, falling back to UTF-8 and then Windows-1252."""
    if charset:
        name = _CHARSET_ALIASES.get(charset.lower(), charset)
        try:
            codec = codecs.lookup(name).name
            if codec != "ascii" or payload.isascii():
                return payload.decode(codec, "replace")
        except (LookupError, UnicodeError, ValueError):
            problems.append(f"unknown charset {_clean(charset)[:40]!r}; read as UTF-8")
    as_utf8 = payload.decode("utf-8", "replace")
    damaged = as_utf8.count("\ufffd")
    if damaged == 0:
        return as_utf8
    if damaged * 50 <= len(payload):
        problems.append("text is not valid UTF-8; undecodable bytes replaced")
        return as_utf8
    problems.append("8-bit text in an unknown charset; read as Windows-1252")
    return payload.decode("cp1252", "replace")


def _decode_header_value(value: object) -> str:
    """A raw header value unfolded and with RFC 2047 words decoded where they can be."""
    text = _clean(str(value))
    try:
        decoded = str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - undecodable encoded words stay as written
        decoded = text
    return " ".join(_clean(decoded).split())


def _clean(text: str) -> str:
    """Text without lone surrogates (undecodable bytes become replacement characters)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MESSAGE_ID.search(value)
    return match.group(0) if match else (value.strip() or None)


def _param(message: Message, name: str) -> str | None:
    value = message.get_param(name)
    if isinstance(value, tuple):
        value = value[2]
    return None if value is None else str(value).strip().lower()


def _date(message: Message, headers: list[tuple[str, str]]) -> dt.datetime | None:
    header = message.get("date")
    value = getattr(header, "datetime", None)
    if isinstance(value, dt.datetime):
        return value
    raw = next((v for k, v in headers if k == "date"), None)
    return parsedate_to_datetime(raw) if raw else None


def _status(part: Message) -> str:
    """The text of a message/delivery-status part, whether parsed into blocks or not."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                lines = [f"{k}: {_decode_header_value(v)}" for k, v in block.raw_items()]
                blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
    return str(payload)


def _as_bytes(part: Message) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0].as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
    return b""
