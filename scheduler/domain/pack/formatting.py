"""How the pack writes figures, file sizes, commentary and the ids its pages link to."""

from __future__ import annotations

import re


def format_value(value: float, unit: str) -> str:
    """A figure as a table shows it: '12.5%', '1,204', '3.2'."""
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count" or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def size_text(size: int) -> str:
    """'512 bytes', '2 KB', '1.5 MB'."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def paragraphs(text: str) -> tuple[str, ...]:
    """Commentary split at blank lines into paragraphs, each with its lines joined."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return tuple(
        " ".join(line.strip() for line in b.splitlines() if line.strip())
        for b in blocks
        if b.strip()
    )


def anchor(kind: str, ref: str) -> str:
    """An HTML id for a ref: 'action-3-1-2' for ('action', '3.1.2')."""
    return f"{kind}-" + (re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-") or "x")
