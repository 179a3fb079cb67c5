"""Is an inbound message a lead's reply, an automatic reply, or a bounce?

Bounces are recognised first: a delivery status notification often carries
auto-reply headers too, and it must mark an address as failing rather than a
lead as away. Without a report part, the subject and sender, then the notice's own
wording (bounces.py) tell. `X-Auto-Response-Suppress` says what a sender wants suppressed in
answers to it; it says nothing about the message itself, so it is ignored.
Exchange out-of-office replies can lack every RFC 3834 header: Microsoft's own headers,
then the subject and the opening lines (out_of_office.py) are the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from scheduler.domain.replies.bounces import body_bounce
from scheduler.domain.replies.out_of_office import (
    out_of_office_opening,
    out_of_office_subject,
    without_gateway_tag,
)


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
    body: str = ""

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
    if signals.content_type == "multipart/report" and signals.report_type == "feedback-report":
        return "multipart/report; report-type=feedback-report (a complaint)"
    if signals.header("x-failed-recipients") is not None:
        return "has an X-Failed-Recipients header"
    by_subject = _bounce_subject_reason(signals)
    if by_subject:
        return by_subject
    found = body_bounce(signals.body)
    return None if found is None else found.reason


def _bounce_subject_reason(signals: MessageSignals) -> str | None:
    if not _DSN_SUBJECT.match(without_gateway_tag(signals.subject)):
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
    if out_of_office_subject(signals.subject):
        return f"subject {signals.subject.strip()[:60]!r}"
    if (signals.header("return-path") or "").strip() == "<>":
        return "empty Return-Path"
    opening = out_of_office_opening(signals.body)
    if opening:
        return f"out-of-office wording {opening[:60]!r}"
    return None


def answers_something(
    tokens: Sequence[object], in_reply_to: str | None, references: Sequence[str], subject: str
) -> bool:
    """True when a message looks like an answer: a token, threading headers or a reply prefix."""
    reply_prefix = re.match(r"^\s*(?:re|aw|sv|vs|antw|ant|réf|fw|fwd|wg)\s*:", subject, re.I)
    return bool(tokens or in_reply_to or references or reply_prefix)
