"""Untrusted text made safe to show: control and format characters go, line breaks and tabs
stay, and everything else, printable or not yet assigned, is kept as it was."""

from __future__ import annotations

import pytest

from scheduler.domain.display_text import for_display, without_controls


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("Funding agreed, start delayed to May", "Funding agreed, start delayed to May"),
        ("Funding agreed\u202e, start delayed", "Funding agreed, start delayed"),  # RLO
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07 and escape\x1b[31m", "bell and escape[31m"),
        ("line one\r\nline two\rline three", "line one\nline two\nline three"),
        ("a\tb\nc", "a\tb\nc"),
        ("private use \ue000 and surrogate \ud800", "private use  and surrogate "),
        ("no\u00a0break, a \u2028 separator", "no\u00a0break, a \u2028 separator"),
        ("Café – 10% «done» 🙂", "Café – 10% «done» 🙂"),
    ],
)
def test_control_and_format_characters_are_removed_and_the_rest_kept(
    given: str, shown: str
) -> None:
    assert without_controls(given) == shown


def test_long_text_is_cut_with_a_note_after_controls_are_removed() -> None:
    assert for_display("\u200b" * 5 + "x" * 12, limit=10) == "x" * 10 + " [cut: 2 more characters]"
