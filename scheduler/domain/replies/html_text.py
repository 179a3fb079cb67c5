"""HTML-only mail as plain text, with the standard library's parser.

Markdown converters escape "1." and "-" at line starts, which would corrupt the
"3.1.4 Green ..." lines the status parser reads; this keeps them as written.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from scheduler.domain.replies.lines import normalise_text

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "dd", "div", "dl", "dt", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "ol", "p", "pre", "section",
        "table", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED_TAGS = frozenset({"head", "style", "script", "title", "template"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_TAG = re.compile(r"<[^>]*>")


class _TextBuilder(HTMLParser):
    """Collects visible text line by line; blockquotes become ">" quoting, <hr> a rule."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._depth = 0
        self._skipping = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self._flush(keep_empty=True)
        elif tag == "hr":
            self._flush()
            self._emit("_" * 32)
        else:
            if tag in _BLOCK_TAGS:
                self._flush()
            if tag == "blockquote":
                self._depth += 1
            elif tag == "pre":
                self._pre += 1
            elif tag == "li":
                self._current.append("- ")
            elif tag in ("td", "th"):
                self._current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "blockquote":
            self._depth = max(0, self._depth - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._pre:
            parts = data.split("\n")
            for part in parts[:-1]:
                self._current.append(part)
                self._flush(keep_empty=True)
            self._current.append(parts[-1])
        else:
            self._current.append(_HTML_SPACE.sub(" ", data))

    def finish(self) -> str:
        self.close()
        self._flush()
        return "\n".join(self.lines)

    def _flush(self, *, keep_empty: bool = False) -> None:
        text = "".join(self._current).strip(" ")
        self._current = []
        if text or keep_empty:
            self._emit(text)

    def _emit(self, text: str) -> None:
        prefix = "> " * self._depth
        self.lines.append(f"{prefix}{text}".rstrip() if text else prefix.rstrip())


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, one line per block; falls back to stripping tags."""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        text = builder.finish()
    except Exception:  # noqa: BLE001 - the parser is lenient, but never let markup stop a reply
        text = _TAG.sub(" ", html)
    text = normalise_text(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
