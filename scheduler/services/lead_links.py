"""A lead's personal link to the update form: signed, naming one lead and one meeting, and
working until a set number of days after that meeting. No password: the link is the key.

The link is `<base>/update/<payload>.<signature>`: the payload is the lead, the meeting and
the last day the link works, and the signature an HMAC-SHA256 of it under CSP_WEB_SECRET.
Editing any part of it (another lead, another meeting, a later day) breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.errors import UserError

_PURPOSE = b"csp lead update link v1"


class LinkRefused(UserError):
    """The link cannot be used: edited, for another purpose, or expired."""


@dataclass(frozen=True)
class LeadLink:
    """What a valid link names."""

    lead_name: str
    meeting: date
    last_day: date  # the link works until the end of this local day


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def link_token(secret: str, lead_name: str, meeting: date, days_after: int) -> str:
    """The signed part of a lead's link for `meeting`."""
    last_day = meeting + timedelta(days=days_after)
    payload = json.dumps(
        {"lead": lead_name, "meeting": meeting.isoformat(), "until": last_day.isoformat()},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    signature = hmac.new(_key(secret), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def update_form_url(base_url: str, secret: str, lead_name: str, meeting: date, days: int) -> str:
    return f"{base_url}/update/{link_token(secret, lead_name, meeting, days)}"


def read_link(secret: str, token: str, now: datetime, timezone: str) -> LeadLink:
    """What a link names; `LinkRefused` if it was edited or has expired."""
    payload_text, dot, signature_text = token.partition(".")
    try:
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
    except ValueError:
        raise LinkRefused("this link is not complete: use the whole link from the email") from None
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()
    if not dot or not hmac.compare_digest(signature, expected):
        raise LinkRefused("this link is not complete: use the whole link from the email")
    fields = json.loads(payload)
    link = LeadLink(
        lead_name=str(fields["lead"]),
        meeting=date.fromisoformat(fields["meeting"]),
        last_day=date.fromisoformat(fields["until"]),
    )
    if now.astimezone(ZoneInfo(timezone)).date() > link.last_day:
        raise LinkRefused(
            f"this link stopped working after {link.last_day:%d %B %Y}: "
            "reply to the email instead, or ask the coordinator"
        )
    return link
