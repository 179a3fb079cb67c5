"""Untrusted text made safe to show: control and formatting characters (a right-to-left
override that reverses what follows, zero-width characters, terminal escapes) removed, and
over-long text cut with a note. Escaping is the template's job; this is what remains."""

from __future__ import annotations

import unicodedata

# Commentary longer than this is cut where it is shown or taken from a form.
MAX_COMMENTARY = 4000

_KEPT = {"\n", "\t"}


def without_controls(text: str) -> str:
    """`text` without control (Cc) and format (Cf) characters, line breaks and tabs kept."""
    if text.isprintable():  # no control, format, private-use or line-break character at all
        return text
    return "".join(
        character
        for character in text.replace("\r\n", "\n").replace("\r", "\n")
        if character in _KEPT or unicodedata.category(character) not in ("Cc", "Cf", "Co", "Cs")
    )


def for_display(text: str, limit: int = MAX_COMMENTARY) -> str:
    """`without_controls`, cut to `limit` characters with a note saying how much was left out."""
    clean = without_controls(text)
    if len(clean) <= limit:
        return clean
    return f"{clean[:limit]} [cut: {len(clean) - limit} more characters]"
