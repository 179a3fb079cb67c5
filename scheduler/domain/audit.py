"""An entry of the audit log as it is read back: what happened, when, about what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    """One event: `subject` names what it happened to, `detail` says who and how."""

    at: datetime
    event: str
    subject: str
    detail: dict[str, Any]
