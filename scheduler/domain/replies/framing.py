"""Lines that frame a reply rather than report progress: greetings, introductions, closing remarks.

"Hi Sarah," or "Updates for 3.2 below." before the first action line and "Any questions give me
a shout." after the last one are said to the coordinator, not about an action, so they are
never an action's commentary. Only a whole line of one short sentence counts: "Let me know if
the panel date moves, as training depends on it." is commentary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LONGEST = 100
_GREETING = re.compile(
    r"^\s*(?:hi|hello|dear|hiya|morning|good (?:morning|afternoon|evening))\b"
    r"[^.!?\n]{0,40}[,!.]?\s*$",
    re.IGNORECASE,
)
_INTRODUCTION = re.compile(
    r"^\s*(?:as requested,?\s*)?"
    r"(?:(?:please )?(?:see|find)\s+|here (?:are|is)\s+|below (?:are|is)\s+)?"
    r"(?:(?:my|our|the)\s+)?(?:latest\s+|current\s+)?"
    r"(?:updates?|progress(?: updates?)?|(?:rag )?status(?:es)?(?: updates?)?)"
    r"(?:\s+(?:for|on|to|against)\s+(?:[^.!?]|\.(?=\d)){1,60}?)?"
    r"(?:\s+(?:below|as follows|here|underneath))?\s*[.:!]?\s*$"
    r"|^\s*(?:please )?see (?:below|underneath)\s*[.:!]?\s*$",
    re.IGNORECASE,
)
_ONE_SENTENCE = r"[^.!?]*[.!?]?\s*$"
_CLOSING = re.compile(
    r"^\s*(?:"
    # "Any questions give me a shout.", "Any queries, please let me know."
    r"any (?:other |further )?(?:questions|queries|problems|issues|concerns)"
    r"(?:\s+(?:or|and)\s+(?:questions|queries|problems|issues|concerns))?(?: at all)?"
    r"(?:\s*[,.!;:\-–]|\s+(?=(?:then|just|please|do|give|let|shout|feel|drop|get|call|ring"
    r"|contact|ask)\b)|\s*$)" + _ONE_SENTENCE + r"|"
    # "Let me know if you need anything else", but not "Let me know if the date moves."
    r"(?:please\s+)?(?:do\s+|just\s+)?(?:let me know|shout|give me a (?:shout|call|ring|bell)"
    r"|get in touch|feel free to (?:ask|call|contact me|get in touch)"
    r"|drop me a (?:line|note|email)|call me|ring me|contact me)"
    r"(?:\s*[.!]?\s*$|\s+(?:if|should|with|when)\s+(?:you|there|anything|any|further|more"
    r"|i can)\b" + _ONE_SENTENCE + r")"
    r"|(?:(?:i\s+)?hope (?:this|that|the above|these|all this) (?:helps|is (?:ok|okay|fine|enough"
    r"|useful|helpful|sufficient|what you need)|suffices|covers (?:it|everything))"
    r"|happy to (?:discuss|help|talk|chat|expand|go through|answer|provide)"
    r"|if you (?:need|have|want|require|would like) (?:anything|any|more|further)\b"
    r"|(?:speak|talk|see you) (?:soon|then|at the meeting|next week|on \w+day))"
    + _ONE_SENTENCE
    + r")",
    re.IGNORECASE,
)


def is_framing(line: str) -> bool:
    """True for a greeting, an introduction or a closing remark alone on its line."""
    if len(line) > _LONGEST:
        return False
    return bool(_GREETING.match(line) or _INTRODUCTION.match(line) or _CLOSING.match(line))


def without_closing_remarks(lines: Sequence[str]) -> list[str]:
    """The lines without the closing remarks (and blank lines) that end them."""
    kept = list(lines)
    while kept and (
        not kept[-1].strip() or (len(kept[-1]) <= _LONGEST and _CLOSING.match(kept[-1]))
    ):
        kept.pop()
    return kept
