"""Is an inbound message a lead's reply, an automatic reply, or a bounce?

Bounces are recognised first: a delivery status notification often carries
auto-reply headers too, and it must mark an address as failing rather than a
lead as away. `X-Auto-Response-Suppress` says what a sender wants suppressed in
answers to it; it says nothing about the message itself, so it is ignored.
Exchange out-of-office replies can lack every RFC 3834 header: the subject and
Microsoft's own headers are the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class MessageClass(StrEnum):
    """What an inbound message is; the value is what `csp inbox parse --json` prints."""

    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Classification:
    """The class of a message and the evidence for it, for the coordinator to read."""

    kind: MessageClass
    reason: str


@dataclass(frozen=True)
class MessageSignals:
    """The parts of a message that tell what it is; header names in lower case."""

    headers: tuple[tuple[str, str], ...]
    content_type: str = "text/plain"
    report_type: str | None = None
    has_delivery_status: bool = False
    from_address: str | None = None
    from_name: str | None = None
    subject: str = ""
    answers_something: bool = False

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


_DSN_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|delivery status notification|delivery (?:has )?failed"
    r"|mail delivery (?:failed|failure|subsystem)|failure notice|returned mail|delivery failure"
    r"|non[- ]?delivery|unzustellbar|nicht zustellbar|message not delivered|could not be delivered"
    r"|non remis|undelivered message)",
    re.IGNORECASE,
)
_DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_DAEMON_NAMES = re.compile(r"mail delivery (?:system|subsystem)|mailer-daemon", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|automated response"
    r"|out of (?:the )?office|ooo\b|away from (?:the )?office|on (?:annual )?leave\b"
    r"|abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática"
    r"|risposta automatica|automatisch antwoord)",
    re.IGNORECASE,
)
_AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk", "list"})
_PRESENCE_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-ms-exchange-inbox-rules-loop",
    "x-ms-exchange-generated-message-source",
)


def classify(signals: MessageSignals) -> Classification:
    """Bounce, automatic reply, reply, or unknown, in that order of precedence."""
    bounce = _bounce_reason(signals)
    if bounce:
        return Classification(MessageClass.BOUNCE, bounce)
    automatic = _automatic_reason(signals)
    if automatic:
        return Classification(MessageClass.AUTO_REPLY, automatic)
    if signals.answers_something:
        return Classification(MessageClass.REPLY, "written by a person in answer to a request")
    return Classification(
        MessageClass.UNKNOWN, "no reference token, In-Reply-To, References or reply subject"
    )


def _bounce_reason(signals: MessageSignals) -> str | None:
    if signals.content_type == "multipart/report" and signals.report_type == "delivery-status":
        return "multipart/report; report-type=delivery-status"
    if signals.has_delivery_status:
        return "carries a message/delivery-status part"
    if not _DSN_SUBJECT.match(signals.subject):
        return None
    local = (signals.from_address or "").partition("@")[0].lower()
    if local in _DAEMON_LOCAL_PARTS or _DAEMON_NAMES.search(signals.from_name or ""):
        return f"delivery failure subject from {signals.from_address}"
    if (signals.header("return-path") or "").strip() == "<>":
        return "delivery failure subject with an empty Return-Path"
    auto = (signals.header("auto-submitted") or "").strip().lower()
    if auto.startswith("auto-"):
        return f"delivery failure subject with Auto-Submitted: {auto}"
    return None


def _automatic_reason(signals: MessageSignals) -> str | None:
    auto = signals.header("auto-submitted")
    if auto is not None and auto.strip().split(";")[0].strip().lower() not in ("no", ""):
        return f"Auto-Submitted: {auto.strip()}"
    for name in _PRESENCE_HEADERS:
        if signals.header(name) is not None:
            return f"has a {name} header"
    precedence = (signals.header("precedence") or "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if signals.content_type == "multipart/report" and signals.report_type:
        return f"multipart/report; report-type={signals.report_type}"
    if _AUTO_SUBJECT.match(signals.subject):
        return f"subject {signals.subject.strip()[:60]!r}"
    if (signals.header("return-path") or "").strip() == "<>":
        return "empty Return-Path"
    return None


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


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<{0}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE = re.compile(
    r"\b(?:"
    + _WEEKDAY
    + r"(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+"
    + _MONTH.format("m1")
    + r",?(?:\s+(?P<y1>\d{4}))?"
    + r"|"
    + _WEEKDAY
    + _MONTH.format("m2")
    + r"\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(?P<y2>\d{4}))?"
    + r"|(?P<d3>\d{1,2})[/.](?P<m3>\d{1,2})[/.](?P<y3>\d{4}|\d{2})"
    + r"|(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    + r"|(?P<tomorrow>tomorrow))\b",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"\b(?:return\w*|back|until|till|til|untill|available|resum\w*|through"
    r"|(?<!of the )(?<!of )(?:the )?office (?:on|from))\b",
    re.IGNORECASE,
)
_RANGE_END = re.compile(r"(?:\bto|-|–)\s*$", re.IGNORECASE)


def away_until(text: str, *, sent_on: date | None) -> date | None:
    """The return date an out-of-office message gives ("I will return on 5 July 2011").

    A date without a year is the next one on or after the message's date; a weekday
    alone ("back on Monday") is the next such day. Without a cue such as "return",
    "back" or "until" before it, a date is not taken for a return date.
    """
    boundary = 0
    for match in _DATE.finditer(text):
        window = text[max(boundary, match.start() - 60) : match.start()]
        window = re.split(r"[.!?\n](?:\s|$)", window)[-1]
        boundary = match.end()
        if not (_CUE.search(window) or _RANGE_END.search(window)):
            continue
        found = _resolve(match, sent_on)
        if found is not None:
            return found
    return None


def _resolve(match: re.Match[str], sent_on: date | None) -> date | None:
    groups = match.groupdict()
    if groups["tomorrow"]:
        return None if sent_on is None else sent_on + timedelta(days=1)
    if groups["wd"]:
        if sent_on is None:
            return None
        ahead = (_WEEKDAYS.index(groups["wd"].lower()) - sent_on.weekday() - 1) % 7 + 1
        return sent_on + timedelta(days=ahead)
    if groups["d3"]:
        day, month, year_text = int(groups["d3"]), int(groups["m3"]), groups["y3"]
    else:
        day = int(groups["d1"] or groups["d2"])
        month = _MONTHS[(groups["m1"] or groups["m2"])[:3].lower()]
        year_text = groups["y1"] or groups["y2"]
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _valid(year, month, day)
    if sent_on is None:
        return None
    candidate = _valid(sent_on.year, month, day)
    if candidate is not None and candidate < sent_on - timedelta(days=7):
        candidate = _valid(sent_on.year + 1, month, day)
    return candidate


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def answers_something(
    tokens: Sequence[object], in_reply_to: str | None, references: Sequence[str], subject: str
) -> bool:
    """True when a message looks like an answer: a token, threading headers or a reply prefix."""
    reply_prefix = re.match(r"^\s*(?:re|aw|sv|vs|antw|ant|réf|fw|fwd|wg)\s*:", subject, re.I)
    return bool(tokens or in_reply_to or references or reply_prefix)
