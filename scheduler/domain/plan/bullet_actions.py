"""Actions written as a bullet list rather than a table.

    - Action: Run a campaign in schools
      - Lead: Police
      - By when: Mar-13
    - Review the MARAC process; Responsible officer: J Smith; Target date: June 2012

A bullet is an action when it, or a bullet under it, labels a field ("By when:", "Lead:")
the way a table's header would; the text before its first label is the action. Bullets that
label nothing are the priority's outcomes, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler.domain.plan.action_table import TableRow, empty_cells
from scheduler.domain.plan.columns import SYNONYMS, normalised
from scheduler.domain.plan.layout import Paragraph

_COLON = re.compile(r":\s")
# "RAG: Green" under an action: a label the plan has no field for, kept as a note.
_OTHER_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9 /&'-]{0,30}:\s+\S")
_MAX_LABEL_WORDS = 4
_EDGE = " \t;,|.()-\u2013"
# A top-level bullet that only names a lead is the priority's Lead line, not an action.
_ACTION_MARKS = frozenset(SYNONYMS) - {"lead_agency", "priority", "notes", "ref", "outcome"}
_EXACT = {normalised(word): name for name, words in SYNONYMS.items() for word in words}


@dataclass
class BulletItem:
    """A top-level bullet and the bullets under it."""

    top: Paragraph
    subitems: list[Paragraph]


def _label_at(text: str, colon: int, overrides: Mapping[str, str]) -> tuple[int, str] | None:
    """The field named by the words just before a colon, and where those words start."""
    words = list(re.finditer(r"[A-Za-z][A-Za-z/&'-]*", text[:colon]))
    for count in range(min(_MAX_LABEL_WORDS, len(words)), 0, -1):
        chosen = words[-count:]
        between = text[chosen[-1].end() : colon]
        if between.strip():
            return None
        key = normalised(text[chosen[0].start() : colon])
        name = overrides.get(key) or _EXACT.get(key)
        if name is not None:
            return chosen[0].start(), name
    return None


def labelled_parts(text: str, overrides: Mapping[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first label, and each (field, value) labelled after it."""
    labels: list[tuple[int, int, str]] = []
    for colon in _COLON.finditer(text):
        found = _label_at(text, colon.start(), overrides)
        if found is not None and (not labels or found[0] >= labels[-1][1]):
            labels.append((found[0], colon.end(), found[1]))
    if not labels:
        return text.strip(_EDGE), []
    parts = []
    for index, (_, value_start, name) in enumerate(labels):
        end = labels[index + 1][0] if index + 1 < len(labels) else len(text)
        parts.append((name, text[value_start:end].strip(_EDGE)))
    return text[: labels[0][0]].strip(_EDGE), parts


def bullet_row(
    item: BulletItem, group: str | None, overrides: Mapping[str, str]
) -> TableRow | None:
    """The action a bullet (with the bullets under it) describes, or None when it is not one."""
    lead_text, parts = labelled_parts(item.top.text, overrides)
    sub_parts: list[tuple[str, str]] = []
    unlabelled: list[str] = []
    other_labels: list[str] = []
    for sub in item.subitems:
        before, labelled = labelled_parts(sub.text, overrides)
        sub_parts.extend(labelled)
        if before and not labelled and _OTHER_LABEL.match(before):
            other_labels.append(before)
        elif before and not labelled:
            unlabelled.append(before)
    marks = {name for name, _ in parts} & _ACTION_MARKS
    if not marks and not sub_parts:
        return None
    cells = empty_cells()
    if lead_text:
        cells["action"].append(lead_text)
    for name, value in [*parts, *sub_parts]:
        if value:
            cells[name].append(value)
    cells["activity"].extend(unlabelled)
    if not cells["action"]:
        return None
    notes = [
        f"{name.capitalize()}: {' '.join(cells[name])}"
        for name in ("outcome", "partners")
        if cells[name]
    ]
    notes.extend(cells["notes"])
    notes.extend(other_labels)
    return TableRow(place=item.top.place, group=group, cells=cells, notes=notes)
