"""Progress reported by a lead for one action (or, unstructured, for a priority)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """RAG status with Complete; the value is what is stored and shown."""

    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    COMPLETE = "Complete"


@dataclass(frozen=True)
class ActionUpdate:
    """A status and commentary recorded for an action (ref) or, when unstructured, a priority."""

    ref: str
    status: Status | None
    text: str
    received_at: datetime
    sender: str
    meeting: str | None = None
    unstructured: bool = False
    private: bool = False
    held_for_review: bool = False
