"""The lead's own words in a reply: quoted request, signatures and disclaimers cut away.

The update request carries a visible marker line, so the first cut is there; the rest
(quotes.py) catches replies written below it or by clients that mangle it, and what closes
the lead's words (signatures.py) is cut from what is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.replies.lines import normalise_text
from scheduler.domain.replies.quotes import quote_start, unquoted_below
from scheduler.domain.replies.signatures import strip_signature

REPLY_MARKER = "## Please type your reply above this line ##"


@dataclass(frozen=True)
class ReplySplit:
    """A reply cut at the start of the quote.

    `top_text` is what the lead wrote above the quote; `bottom_text` the unquoted lines
    written below or between ">" quoted lines (bottom-posting, answers between quotes).
    """

    top_text: str
    bottom_text: str
    quote_start: int | None
    lines: tuple[str, ...]

    @property
    def own_text(self) -> str:
        """Everything the lead wrote outside the quote."""
        return "\n\n".join(part for part in (self.top_text, self.bottom_text) if part)


def extract_reply_text(text: str, *, sent_text: str | None = None) -> str:
    """The lead's own words in a reply body: no quoted request, signature or disclaimer."""
    return split_reply(text, sent_text=sent_text).own_text


def split_reply(text: str, *, sent_text: str | None = None) -> ReplySplit:
    """Find where the quoted request starts and what the lead wrote outside it."""
    lines = tuple(normalise_text(text).split("\n"))
    start = quote_start(lines, sent_text)
    top = lines if start is None else lines[:start]
    bottom = "" if start is None else strip_signature(unquoted_below(lines, start))
    return ReplySplit(
        top_text=strip_signature(top), bottom_text=bottom, quote_start=start, lines=lines
    )
