"""Which field of an action each column of a table holds, from its header, by meaning.

Plans name their columns many ways ("Timescale", "Target date", "By when", "Due"); each field
has a list of synonyms compared with case, punctuation and extra spaces ignored. A header that
names no field is reported and its cells kept as notes, never put in a field it may not mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.domain.errors import UserError

# The fields a column may fill. "action" and "activity" are the model's own; "ref", "outcome",
# "partners" and "notes" are kept in the action's notes; "priority" groups rows under
# priorities when a plan is one long table.
FIELDS = (
    "ref",
    "priority",
    "action",
    "activity",
    "resources",
    "timescale",
    "lead_agency",
    "targets",
    "outcome",
    "partners",
    "notes",
)
# The field names `--columns` accepts, with the words a coordinator is likely to type.
_FIELD_NAMES = {name: name for name in FIELDS} | {
    "lead": "lead_agency",
    "target": "targets",
    "deadline": "timescale",
    "note": "notes",
    "outcomes": "outcome",
    "resource": "resources",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "reference", "ref no", "no", "number", "id", "action no", "action ref", "item"),
    "priority": ("priority", "key priority", "strategic priority", "priority area", "theme"),
    "action": (
        "action",
        "actions",
        "action description",
        "action to be taken",
        "what we will do",
        "what will we do",
        "task",
        "description",
        "objective",
    ),
    "activity": ("activity", "activities", "key activities", "how", "how we will do it", "steps"),
    "resources": ("resources", "resources required", "resource", "budget", "funding", "cost"),
    "timescale": (
        "timescale",
        "timescales",
        "target date",
        "by when",
        "deadline",
        "due",
        "due date",
        "date",
        "when",
        "completion date",
        "timeframe",
        "time frame",
        "target completion date",
        "end date",
    ),
    "lead_agency": (
        "lead",
        "leads",
        "lead agency",
        "lead officer",
        "lead organisation",
        "lead partner",
        "responsible officer",
        "responsible",
        "responsibility",
        "owner",
        "who",
        "accountable officer",
    ),
    "targets": (
        "target",
        "targets",
        "performance measure",
        "performance measures",
        "measure",
        "measures",
        "indicator",
        "indicators",
        "performance indicator",
        "kpi",
        "success measure",
        "measures of success",
    ),
    "outcome": ("outcome", "outcomes", "expected outcome", "intended outcome"),
    "partners": ("partners", "partner agencies", "key partners", "supporting partners"),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
}


def normalised(header: str) -> str:
    """A header as synonyms are compared: lower case, punctuation to spaces, spaces collapsed."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


_EXACT = {normalised(word): name for name, words in SYNONYMS.items() for word in words}
# Longest first, so "target date" (timescale) wins over "target" (targets).
_PREFIXES = sorted(_EXACT.items(), key=lambda item: len(item[0]), reverse=True)


def field_of(header: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The field a header names, or None: exact synonyms first, then the longest one it starts
    with ("Lead Agency and others responsible" is lead_agency)."""
    key = normalised(header)
    if overrides and key in overrides:
        return overrides[key]
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    for word, name in _PREFIXES:
        if key.startswith(word + " ") and len(word) > 2:
            return name
    return None


class ColumnsError(UserError):
    """A `--columns` option that cannot be read."""


def parse_column_overrides(text: str) -> dict[str, str]:
    """ "Target date=timescale,Owner=lead" as {normalised header: field}; raises ColumnsError."""
    overrides: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        header, equals, field = part.partition("=")
        name = _FIELD_NAMES.get(normalised(field).replace(" ", "_"))
        if not equals or not normalised(header):
            raise ColumnsError(f"--columns: {part.strip()!r} is not HEADER=FIELD")
        if name is None:
            raise ColumnsError(
                f"--columns: {field.strip()!r} is not a field; use one of "
                + ", ".join(sorted(set(_FIELD_NAMES) - {"lead_agency"}))
            )
        overrides[normalised(header)] = name
    return overrides


@dataclass(frozen=True)
class Columns:
    """What each column of a table holds: a field, or None for a column kept as a note."""

    fields: tuple[str | None, ...]
    headers: tuple[str, ...]

    @property
    def is_action_table(self) -> bool:
        """A table of actions names what is done and at least when or by whom."""
        named = set(self.fields)
        return bool(named & {"action", "activity"}) and bool(
            named & {"timescale", "lead_agency", "targets"}
        )


def read_header(cells: tuple[str, ...], overrides: Mapping[str, str] | None = None) -> Columns:
    """Each header cell's field; a field named twice is filled by its first column only."""
    fields: list[str | None] = []
    for cell in cells:
        name = field_of(cell, overrides)
        fields.append(None if name in fields else name)
    if "action" not in fields and "activity" in fields:
        # A table without an Action column says what is done under Activity.
        fields[fields.index("activity")] = "action"
    return Columns(tuple(fields), tuple(" ".join(cell.split()) for cell in cells))
