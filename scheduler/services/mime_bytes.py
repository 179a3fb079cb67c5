"""An email's bytes written straight from its parts, for a busy tick's hundreds of emails.

The email package parses every header it is given and folds it again through a general
parser (a millisecond for an address); building and writing a reminder with it costs far
more than rendering its templates. For parts in plain form (ASCII headers, names that need
no quoting, words that fit a line), the bytes here are the ones `email_message(parts)`
writes under policy SMTP, byte for byte, random boundaries included; for anything else
`written_email` answers None and the email package writes the email. The tests hold the two
to each other.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import random
import re
import sys
from collections.abc import Sequence

from scheduler.domain.schedule.outbox import Rendering
from scheduler.services.email_parts import Attachment, EmailParts, Mailbox

MAX_LINE = 78  # policy SMTP's max_line_length
CRLF = "\r\n"
# A name shown unquoted: atoms of letters, digits and a few marks, one space apart.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9'&+-]+(?: [A-Za-z0-9'&+-]+)*")
_ATOM = r"[A-Za-z0-9_+'-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
# Printable words one space apart: unstructured text the package keeps as it is.
_PLAIN_TEXT = re.compile(r"[!-~]+(?: [!-~]+)*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+>")
_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
_MIME_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")
_PARAMETER = re.compile(r"[A-Za-z0-9._=+-]+(?: [A-Za-z0-9._=+-]+)*")
# Bytes a quoted-printable body writes as =XX, besides "=" itself: all but tab, line ends
# and printable ASCII.
_QUOTED_IN_BODY = re.compile(rb"[^\t\n\r -~]")
_WRITTEN_AS_IS = b"\t\n\r" + bytes(range(0x20, 0x7F))
_BLANKS = (b" ", b"\t")
_EQUALS = ord("=")
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))  # as the email package's generator has it


def written_email(parts: EmailParts) -> Rendering | None:
    """The email's bytes, subject and plain text, or None where its parts are not plain."""
    headers = _top_headers(parts)
    if headers is None:
        return None
    text, body_text = _text_part("plain", parts.text, mime_version=False)
    html, _ = _text_part("html", parts.html, mime_version=True)
    root = _multipart("alternative", [text, html])
    if parts.attachments:
        files = [_attachment_part(a) for a in parts.attachments]
        if root is None or any(f is None for f in files):
            return None
        alternative = root[0] + b"\r\n" + root[1]
        root = _multipart("mixed", [alternative, *(f for f in files if f is not None)])
    if root is None:
        return None
    content_type, body = root
    raw = b"".join([headers, b"MIME-Version: 1.0\r\n", content_type, b"\r\n", body])
    return Rendering(subject=parts.subject, body_text=body_text, raw=raw)


def _top_headers(parts: EmailParts) -> bytes | None:
    headers = [
        _address_header("From", [parts.sender]),
        _address_header("To", parts.to),
        _address_header("Cc", parts.cc) if parts.cc else "",
        _address_header("Reply-To", [parts.reply_to]),
        _unstructured("Subject", parts.subject),
        _date(parts.date),
        _message_id(parts.message_id),
    ]
    if parts.thread:
        headers += [
            _unstructured("In-Reply-To", parts.thread[-1]),
            _unstructured("References", " ".join(parts.thread)),
        ]
    headers.append(_unstructured("Auto-Submitted", parts.auto_submitted))
    if any(header is None for header in headers):
        return None
    return "".join(h for h in headers if h).encode("ascii")


def _unstructured(name: str, value: str) -> str | None:
    """As the package folds plain unstructured text: on one line when it fits, else the whole
    value on the next line when it fits there, else word by word."""
    if not _PLAIN_TEXT.fullmatch(value) or "=?" in value:
        return None  # encoded words, or text to encode as them
    if len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}{CRLF}"
    if len(value) + 1 <= MAX_LINE:
        return f"{name}:{CRLF} {value}{CRLF}"
    lines = [f"{name}:"]
    for word in value.split(" "):
        if len(word) + 1 > MAX_LINE:
            return None  # the package would cut it into encoded words
        if len(lines[-1]) + 1 + len(word) <= MAX_LINE:
            lines[-1] += " " + word
        else:
            lines.append(" " + word)
    return CRLF.join(lines) + CRLF


def _address_header(name: str, mailboxes: Sequence[Mailbox]) -> str | None:
    """A list of addresses on one line, or on the next; one named address may break before
    its angle brackets."""
    shown = [_mailbox(m) for m in mailboxes]
    if not shown or any(s is None for s in shown):
        return None
    value = ", ".join(s for s in shown if s)
    if len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}{CRLF}"
    if len(value) + 1 <= MAX_LINE:
        return f"{name}:{CRLF} {value}{CRLF}"
    if len(mailboxes) != 1 or not mailboxes[0].display_name:
        return None
    first = f"{name}: {mailboxes[0].display_name}"
    angle = f"<{mailboxes[0].addr_spec}>"
    if len(first) + 1 > MAX_LINE or len(angle) + 1 > MAX_LINE:
        return None
    return f"{first}{CRLF} {angle}{CRLF}"


def _mailbox(mailbox: Mailbox) -> str | None:
    if not _PLAIN_ADDRESS.fullmatch(mailbox.addr_spec):
        return None
    if not mailbox.display_name:
        return mailbox.addr_spec
    if not _PLAIN_NAME.fullmatch(mailbox.display_name):
        return None
    return f"{mailbox.display_name} <{mailbox.addr_spec}>"


def _date(value: str) -> str | None:
    fits = _DATE.fullmatch(value) and len(value) + 6 <= MAX_LINE
    return f"Date: {value}{CRLF}" if fits else None


def _message_id(value: str) -> str | None:
    fits = _MESSAGE_ID.fullmatch(value) and len(value) + 12 <= MAX_LINE
    return f"Message-ID: {value}{CRLF}" if fits else None


def _parameterized(name: str, value: str, params: Sequence[tuple[str, str]]) -> str | None:
    """A Content-Type or Content-Disposition with quoted parameters, folded as the package
    folds MIME parameters: each on the line if it fits, else on a line of its own."""
    if any(not _PARAMETER.fullmatch(v) for _, v in params):
        return None
    whole = f"{name}: {value}" + "".join(f'; {k}="{v}"' for k, v in params)
    if len(whole) <= MAX_LINE:
        return whole + CRLF
    lines = [f"{name}: {value};"]
    if len(lines[0]) > MAX_LINE:
        return None
    for key, parameter in params:
        if not lines[-1].endswith(";"):
            lines[-1] += ";"
        written = f'{key}="{parameter}"'
        if len(lines[-1]) + len(written) + 1 < MAX_LINE:
            lines[-1] += " " + written
        elif len(written) + 2 <= MAX_LINE:
            lines.append(" " + written)
        else:
            return None  # the package would split it in RFC 2231 sections
    return CRLF.join(lines) + CRLF


def _text_part(subtype: str, text: str, *, mime_version: bool) -> tuple[bytes, str]:
    """A text alternative (its headers, a blank line, its body) and the text as read back."""
    cte, payload = _encoded_text(text)
    headers = f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
    headers += f"Content-Transfer-Encoding: {cte}{CRLF}"
    headers += f"MIME-Version: 1.0{CRLF}" if mime_version else ""
    if cte == "quoted-printable":
        decoded = quopri.decodestring(payload)
    elif cte == "base64":
        decoded = binascii.a2b_base64(b"".join(payload.splitlines()))
    else:
        decoded = payload
    part = headers.encode("ascii") + CRLF.encode("ascii") + payload.replace(b"\n", b"\r\n")
    return part, decoded.decode("utf-8", "replace")


def _encoded_text(text: str) -> tuple[str, bytes]:
    """The transfer encoding the package picks for UTF-8 text, and the body in it, with LF
    line ends (`email.contentmanager`'s choice under policy SMTP, which allows 8bit)."""
    lines = text.encode("utf-8").splitlines()
    normal = b"\n".join(lines) + b"\n"
    if max(map(len, lines), default=0) <= MAX_LINE:
        return ("7bit" if normal.isascii() else "8bit"), normal
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    sniff_qp = quoted_printable(sniff)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        embedded = b"\r\n".join(lines) + b"\r\n"
        return "base64", base64.encodebytes(embedded)
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp
    return "quoted-printable", quoted_printable(normal)


def quoted_printable(body: bytes) -> bytes:
    """`email.quoprimime.body_encode(body.decode("latin-1"), 78)` in ASCII bytes, as the
    package encodes a body: its steps, taken on bytes, where a line that fits and does not
    end in a blank is kept whole."""
    if not body:
        return body
    encoded = body.replace(b"=", b"=3D")
    if encoded.translate(None, _WRITTEN_AS_IS):  # anything left to write as =XX
        encoded = _QUOTED_IN_BODY.sub(lambda byte: b"=%02X" % byte[0][0], encoded)
    written: list[bytes] = []
    for line in encoded.splitlines():
        if len(line) <= MAX_LINE and not line.endswith(_BLANKS):
            written.append(line)
        else:
            _write_long_line(line, written)
    if encoded.endswith((b"\r", b"\n")):
        written.append(b"")
    return b"\n".join(written)


def _write_long_line(line: bytes, written: list[bytes]) -> None:
    """A line cut with soft breaks (never inside an escape), a blank at its end quoted."""
    start, last_start = 0, len(line) - 1 - MAX_LINE
    while start <= last_start:
        stop = start + MAX_LINE - 1
        if line[stop - 2] == _EQUALS:
            written.append(line[start : stop - 1])
            start = stop - 2
        elif line[stop - 1] == _EQUALS:
            written.append(line[start:stop])
            start = stop - 1
        else:
            written.append(line[start:stop] + b"=")
            start = stop
    if not line.endswith(_BLANKS):
        written.append(line[start:])
        return
    room, blank = start - last_start, line[-1]
    if room >= 3:
        end = b"=%02X" % blank
    elif room == 2:
        end = bytes([blank]) + b"=\n"
    else:
        end = b"=\n=%02X" % blank
    written.append(line[start:-1] + end)


def _attachment_part(attachment: Attachment) -> bytes | None:
    """A file in base64, its headers in the order the package sets them: a file with
    Content-Type parameters has its Content-Type written again, after the disposition."""
    content_type = _parameterized("Content-Type", attachment.mime_type, attachment.params)
    disposition = _parameterized(
        "Content-Disposition", "attachment", [("filename", attachment.filename)]
    )
    if not _MIME_TYPE.fullmatch(attachment.mime_type):
        return None
    if content_type is None or disposition is None:
        return None
    encoding = f"Content-Transfer-Encoding: base64{CRLF}"
    ordered = (
        [encoding, disposition, content_type]
        if attachment.params
        else [content_type, encoding, disposition]
    )
    headers = "".join(ordered) + f"MIME-Version: 1.0{CRLF}{CRLF}"
    body = base64.encodebytes(attachment.content).replace(b"\n", b"\r\n")
    return headers.encode("ascii") + body


def _multipart(subtype: str, parts: Sequence[bytes]) -> tuple[bytes, bytes] | None:
    """The Content-Type header and body of a multipart of these parts, each between lines of
    a boundary that none of them holds."""
    boundary = _boundary(b"\r\n".join(parts))
    header = _parameterized("Content-Type", f"multipart/{subtype}", [("boundary", boundary)])
    if header is None:
        return None
    line = f"--{boundary}".encode("ascii")
    body = [line, b"\r\n", parts[0]]
    for part in parts[1:]:
        body += [b"\r\n", line, b"\r\n", part]
    body += [b"\r\n", line, b"--\r\n"]
    return header.encode("ascii"), b"".join(body)


def _boundary(text: bytes) -> str:
    """A random boundary as the package's generator makes one (from the same random numbers,
    so a seeded test sees the same), made longer while a line of `text` is that boundary."""
    boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
    candidate, counter = boundary, 0
    while f"--{candidate}".encode("ascii") in text and re.search(
        b"^--" + re.escape(candidate.encode("ascii")) + b"(--)?$", text, re.MULTILINE
    ):
        candidate = f"{boundary}.{counter}"
        counter += 1
    return candidate
