"""Text files as Office saves them: UTF-8 with or without a byte-order mark, or UTF-16 with one.

Excel's "CSV UTF-8" and Notepad's "UTF-8" start with a byte-order mark, "Unicode text" is
UTF-16 with one; every other encoding is refused with the one thing to do about it.
"""

from __future__ import annotations

import codecs

from scheduler.domain.errors import ConfigError

SAVE_AS_UTF8 = "save it as CSV UTF-8 (or UTF-8 text)"

_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def has_utf16_mark(content: bytes) -> bool:
    """Whether the bytes open with a UTF-16 byte-order mark (either byte order)."""
    return content.startswith(_UTF16_MARKS)


def decode_text_file(content: bytes, source: str) -> str:
    """The text of a configuration file; ConfigError(source) naming what to do otherwise."""
    if has_utf16_mark(content):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(source, None, f"not readable UTF-16 text: {SAVE_AS_UTF8}") from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ConfigError(source, line, f"not UTF-8 text: {SAVE_AS_UTF8}") from None
