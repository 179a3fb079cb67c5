"""A lead's words turned into a status and commentary per action.

The request asks for one line per action: ref, status, commentary
("3.1.4 Green Mapping finished, review on track"). A status that is ambiguous,
missing, or given for a ref the plan does not have becomes a problem the lead
reads in the acknowledgement; it is never guessed.

Because the exact text of each request is kept, answers typed inside the quoted
request are recovered too: lines of the quote that are not in what was sent,
attributed to the action listed above them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from scheduler.domain.replies.framing import is_framing, without_closing_remarks
from scheduler.domain.replies.lines import is_quoted, normalise_text, squash, unquote
from scheduler.domain.replies.progress import Status
from scheduler.domain.replies.quotes import is_quote_header, quote_header_end
from scheduler.domain.replies.signatures import is_signature_start
from scheduler.domain.replies.text import ReplySplit, split_reply


@dataclass(frozen=True)
class ParsedUpdate:
    """A status and commentary for one action, as the lead wrote it."""

    ref: str
    status: Status
    text: str
    private: bool = False  # the lead marked it exempt information: private pack only


# "3.1.4 Amber Private: ..." or "[private]": commentary for the private pack only.
_PRIVATE_MARK = re.compile(r"^\s*\[?private\]?\s*(?:[:\-–—]\s*|\s+|$)", re.IGNORECASE)


def split_private_mark(commentary: str) -> tuple[bool, str]:
    """Whether commentary starts with a private mark, and the commentary without it."""
    match = _PRIVATE_MARK.match(commentary)
    if match is None:
        return False, commentary
    return True, commentary[match.end() :].strip()


@dataclass(frozen=True)
class ReplyContent:
    """What a reply says: updates per action, any other text, and problems to report back."""

    updates: tuple[ParsedUpdate, ...]
    unstructured_text: str | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class InlineAnswer:
    """Text a lead typed inside the quoted request, under the action it answers (or None)."""

    ref: str | None
    text: str


_BULLET = r"(?:[-*•·▪◦–—]\s*|\(?\d{1,2}[.)]\s+)?"
_REF_LINE = re.compile(
    rf"^\s*{_BULLET}(?:(?:action|ref(?:erence)?)\.?\s*(?:no\.?\s*)?)?"
    r"(?P<ref>\d+(?:\.\d+)+)(?P<after>(?:[\s:\-–—),;]|\.(?:\s|$)|$).*)$",
    re.IGNORECASE,
)
_SEPARATORS = " \t:-–—).,;"
_WORDS = (
    r"on[ -]track|on[ -]target|at[ -]risk|slipping|off[ -]track|behind(?: schedule)?"
    r"|completed?|done|green|amber|red|blue"
)
_STATUS_OF = {
    "green": Status.GREEN,
    "g": Status.GREEN,
    "on track": Status.GREEN,
    "on target": Status.GREEN,
    "amber": Status.AMBER,
    "a": Status.AMBER,
    "at risk": Status.AMBER,
    "slipping": Status.AMBER,
    "red": Status.RED,
    "r": Status.RED,
    "off track": Status.RED,
    "behind": Status.RED,
    "behind schedule": Status.RED,
    "complete": Status.COMPLETE,
    "completed": Status.COMPLETE,
    "done": Status.COMPLETE,
    "blue": Status.COMPLETE,
}
_LABEL = r"(?:(?:rag\s+)?status|rag)\s*(?:is|=|:|-|–)?\s*"
_STATUS_START = re.compile(
    rf"^(?:{_LABEL})?[\[(]?\s*(?P<word>{_WORDS}|(?-i:[GR])(?=\s)|(?-i:[GAR])(?=\s*(?:$|[:;,.\-–—)\]/])))"
    r"\s*[\])]?(?=$|[\s:;,.\-–—)!/])",
    re.IGNORECASE,
)
_COLOURS = r"green|amber|red|blue|g|a|r"
_AMBIGUOUS = re.compile(
    rf"^(?:{_LABEL})?[\[(]?\s*(?P<text>(?:{_WORDS}|{_COLOURS})"
    rf"(?:\s*(?:/|\\|&|\+|\bor\b|\bto\b)\s*|[-–])(?:{_WORDS}|{_COLOURS}))\b",
    re.IGNORECASE,
)
_EXPLICIT = re.compile(
    rf"\b{_LABEL}[\[(]?\s*(?P<a>{_WORDS})\b"
    rf"|[\[(]\s*(?P<b>{_WORDS}|(?-i:[GAR]))\s*[\])]"
    rf"|\s[-–—]\s+(?P<c>{_WORDS})(?:\s+[-–—]\s|\s*(?=$|[,.;:]))",
    re.IGNORECASE,
)
_INITIALS = re.compile(r"^[\[(<]{1,2}[A-Z]{2,4}[\])>]{1,2}\s*[:\-]?\s*")


def parse_updates(text: str, known_refs: Collection[str]) -> ReplyContent:
    """Updates per action from a reply's text; text with no refs at all is unstructured."""
    lines = normalise_text(text).split("\n")
    preamble: list[str] = []
    blocks: list[tuple[str, str, list[str]]] = []
    problems: list[str] = []
    current: list[str] | None = None
    for line in lines:
        found = _ref_in(line, known_refs)
        if found is None:
            (preamble if current is None else current).append(line)
            continue
        ref, after = found
        current = []
        blocks.append((ref, after, current))
    if not blocks:
        whole = text.strip()
        return ReplyContent((), whole or None, ())
    ref, after, last = blocks[-1]
    blocks[-1] = (ref, after, without_closing_remarks(last))
    updates: dict[str, ParsedUpdate] = {}
    for ref, after, continuation in blocks:
        if ref not in known_refs:
            problems.append(f"{ref} is not an action in the plan; that line was not recorded.")
            continue
        status, commentary, problem = _status_and_commentary(ref, after)
        if status is None:
            problems.append(problem)
            continue
        private, commentary = split_private_mark(commentary)
        body = "\n".join([commentary, *continuation]).strip()
        if ref in updates:
            problems.append(f"{ref} was given more than once; the last one was recorded.")
        updates[ref] = ParsedUpdate(ref, status, body, private)
    remaining = "\n".join(line for line in preamble if not is_framing(line)).strip()
    return ReplyContent(tuple(updates.values()), remaining or None, tuple(problems))


def _ref_in(line: str, known_refs: Collection[str]) -> tuple[str, str] | None:
    """The ref a line starts with and the rest of it, or None for ordinary text."""
    match = _REF_LINE.match(line)
    if match is None:
        return None
    ref = match.group("ref")
    if ref not in known_refs and not _looks_like_action_ref(ref):
        return None
    return ref, match.group("after").lstrip(_SEPARATORS)


def _looks_like_action_ref(ref: str) -> bool:
    """Three or more numbers that are not a date such as 31.05.11 or 1.6.2011."""
    parts = ref.split(".")
    if len(parts) < 3:
        return False
    date_like = any(len(part) > 1 and part.startswith("0") for part in parts)
    return not (date_like or len(parts[-1]) == 4)


def _status_and_commentary(ref: str, after: str) -> tuple[Status | None, str, str]:
    after = _INITIALS.sub("", after, count=1)
    ambiguous = _AMBIGUOUS.match(after)
    if ambiguous:
        return None, "", _ambiguous(ref, ambiguous.group("text"))
    start = _STATUS_START.match(after)
    if start:
        word = " ".join(start.group("word").lower().replace("-", " ").split())
        return _STATUS_OF[word], after[start.end() :].lstrip(_SEPARATORS).strip(), ""
    explicit = list(_EXPLICIT.finditer(after))
    words = {
        _STATUS_OF[" ".join((m.group("a") or m.group("b") or m.group("c")).lower().split())]
        for m in explicit
    }
    if len(words) == 1:
        first = explicit[0]
        rest = f"{after[: first.start()].rstrip()} {after[first.end() :].lstrip()}"
        return words.pop(), rest.strip().strip(_SEPARATORS).strip(), ""
    if len(words) > 1:
        return None, "", _ambiguous(ref, " / ".join(m.group(0).strip() for m in explicit))
    return None, "", (f"{ref}: no status found; start the line with Green, Amber, Red or Complete.")


def _ambiguous(ref: str, text: str) -> str:
    return f'{ref}: "{text}" is not one status; give one of Green, Amber, Red or Complete.'


def recover_inline_answers(
    reply_text: str, sent_text: str, *, split: ReplySplit | None = None
) -> tuple[InlineAnswer, ...]:
    """Lines inside the quoted request that were not in it when sent, under the ref above them.

    `split` is `split_reply(reply_text, sent_text=sent_text)` when the caller has it already.
    """
    split = split or split_reply(reply_text, sent_text=sent_text)
    if split.quote_start is None:
        return ()
    sent = _SentText(sent_text)
    if not sent.lines:
        return ()
    lines = split.lines
    angle_quoting = any(is_quoted(line) for line in lines[split.quote_start :])
    answers: list[InlineAnswer] = []
    pending: list[str] = []
    pending_ref: str | None = None
    started = False

    def settle() -> None:
        nonlocal pending
        text = "\n".join(pending).strip()
        if text:
            answers.append(InlineAnswer(pending_ref, text))
        pending = []

    index = split.quote_start
    while index < len(lines):
        line = lines[index]
        if is_quote_header(lines, index):
            if started:
                break
            index = quote_header_end(lines, index)
            continue
        index += 1
        quoted = is_quoted(line)
        if started and not quoted and is_signature_start(line):
            break
        content = squash(unquote(line))
        if not content:
            if pending:
                pending.append("")
            continue
        matched = sent.match(content)
        if matched is not None:
            started = True
            settle()
            extra, ref = matched
            if extra:
                pending_ref = ref
                pending.append(extra)
                settle()
            continue
        if started and not (angle_quoting and quoted):
            if not pending:
                pending_ref = sent.context()
            pending.append(unquote(line).strip())
    settle()
    return tuple(answers)


class _SentText:
    """The request as sent, squashed for matching re-wrapped quotes, with each line's action."""

    def __init__(self, sent_text: str) -> None:
        self.lines: list[str] = []
        self.refs: list[str | None] = []
        current: str | None = None
        after_blank = False
        for raw in normalise_text(sent_text).split("\n"):
            if not raw.strip():
                after_blank = True
                continue
            match = _REF_LINE.match(raw)
            if match and _looks_like_action_ref(match.group("ref")):
                current = match.group("ref")
            elif after_blank and not raw[:1].isspace():
                current = None
            after_blank = False
            self.lines.append(squash(unquote(raw)))
            self.refs.append(current)
        self.stream = " ".join(self.lines)
        self.starts: list[int] = []
        position = 0
        for line in self.lines:
            self.starts.append(position)
            position += len(line) + 1
        self.cursor = 0

    def context(self) -> str | None:
        """The action whose text the cursor last passed."""
        if self.cursor == 0:
            return None
        return self.refs[self._line_at(self.cursor - 1)]

    def match(self, content: str) -> tuple[str, str | None] | None:
        """Advance over `content` if it is sent text; returns any text added after a sent line."""
        rest = self.stream[self.cursor :].lstrip(" ")
        offset = len(self.stream) - len(rest)
        if rest.startswith(content) and (len(rest) == len(content) or rest[len(content)] == " "):
            self.cursor = offset + len(content)
            return "", None
        for line_index in range(self._line_at(self.cursor), len(self.lines)):
            sent_line = self.lines[line_index]
            start = self.starts[line_index]
            if sent_line == content or (len(content) >= 20 and sent_line.startswith(content)):
                self.cursor = start + len(content)
                return "", None
            if len(sent_line) >= 8 and content.startswith(sent_line + " "):
                self.cursor = start + len(sent_line)
                extra = content[len(sent_line) :].strip().lstrip(_SEPARATORS).strip()
                return extra, self.refs[line_index]
        if len(content) >= 30:
            found = self.stream.find(content, self.cursor)
            if found >= 0:
                self.cursor = found + len(content)
                return "", None
        return None

    def _line_at(self, position: int) -> int:
        line_index = 0
        for candidate, start in enumerate(self.starts):
            if start > position:
                break
            line_index = candidate
        return line_index


def render_answers(answers: Sequence[InlineAnswer]) -> str:
    """Inline answers as lines the status parser reads: each prefixed with its ref."""
    rendered: list[str] = []
    for answer in answers:
        if answer.ref and not _REF_LINE.match(answer.text):
            rendered.append(f"{answer.ref} {answer.text}")
        else:
            rendered.append(answer.text)
    return "\n".join(rendered)
