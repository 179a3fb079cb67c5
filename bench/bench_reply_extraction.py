"""Reply text extraction: ours against email_reply_parser (and mail-parser-reply) on one corpus.

Every fixture under tests/fixtures/mail with a NAME.expected.txt beside it counts. Each
extractor gets the same text (the text/plain part, or HTML rendered by our converter),
so only the cutting is compared. "Right" means the output equals the expected text once
whitespace is collapsed; "close" also accepts up to 80 extra characters after it (a
sign-off the extractor kept).

email_reply_parser is not a project dependency: install it anywhere and point ERP_PATH
at the directory holding the package, e.g.

    python3 -m venv /tmp/erp-venv && /tmp/erp-venv/bin/pip install email_reply_parser
    ERP_PATH=/tmp/erp-venv/lib/python3.11/site-packages \
        .venv/bin/python bench/bench_reply_extraction.py

Without it that column is skipped. Add --verbose to list each extractor's misses.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scheduler.domain.replies.html_text import html_to_text
from scheduler.domain.replies.inbound import read_message
from scheduler.domain.replies.reading import understand_message
from scheduler.domain.replies.text import extract_reply_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "mail"
ROUNDS = 30
KNOWN_REFS = frozenset(
    f"3.{priority}.{action}"
    for priority, count in ((1, 4), (2, 3), (3, 2), (4, 3), (5, 3))
    for action in range(1, count + 1)
)


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expected: str


def load_cases() -> list[Case]:
    cases = []
    for expected in sorted(CORPUS.rglob("*.expected.txt")):
        stem = expected.name.removesuffix(".expected.txt")
        source = next(
            p
            for p in expected.parent.iterdir()
            if p.stem == stem and p.suffix in (".eml", ".txt", ".html")
        )
        if source.suffix == ".eml":
            text = read_message(source.read_bytes()).text_body
        elif source.suffix == ".html":
            text = html_to_text(source.read_text(encoding="utf-8", errors="replace"))
        else:
            text = source.read_text(encoding="utf-8")
        name = str(source.relative_to(CORPUS))
        cases.append(Case(name, text, expected.read_text(encoding="utf-8")))
    return cases


def squashed(text: str) -> str:
    return " ".join(text.split())


def extractors() -> dict[str, Callable[[str], str]]:
    found: dict[str, Callable[[str], str]] = {"ours": extract_reply_text}
    erp_path = os.environ.get("ERP_PATH")
    if erp_path:
        sys.path.append(erp_path)
    try:
        erp = importlib.import_module("email_reply_parser")
        found["email_reply_parser"] = lambda text: str(erp.EmailReplyParser.parse_reply(text))
    except ImportError:
        print("email_reply_parser not importable (set ERP_PATH); its column is skipped\n")
    try:
        mpr = importlib.import_module("mailparser_reply")
        parser = mpr.EmailReplyParser(languages=["en"])
        found["mail-parser-reply"] = lambda text: str(parser.parse_reply(text) or "")
    except ImportError:
        print("mailparser_reply not importable; its column is skipped\n")
    return found


def accuracy(extract: Callable[[str], str], cases: list[Case]) -> tuple[int, int, list[str]]:
    right = close = 0
    misses = []
    for case in cases:
        got, want = squashed(extract(case.text)), squashed(case.expected)
        if got == want:
            right += 1
        elif got.startswith(want) and len(got) - len(want) <= 80:
            close += 1
        else:
            misses.append(case.name)
    return right, close, misses


def timings(found: dict[str, Callable[[str], str]], cases: list[Case]) -> dict[str, float]:
    """Seconds per message: passes over the corpus interleaved, the fastest pass of each kept."""
    best = dict.fromkeys(found, float("inf"))
    for _ in range(ROUNDS):
        for name, extract in found.items():
            started = time.perf_counter()
            for case in cases:
                extract(case.text)
            best[name] = min(best[name], (time.perf_counter() - started) / len(cases))
    return best


def ingestion_rate() -> tuple[int, float]:
    raws = [path.read_bytes() for path in sorted((CORPUS / "ours").glob("*.eml"))]
    sent = (CORPUS / "sent_request_jane.txt").read_text(encoding="utf-8")
    messages = 0
    started = time.perf_counter()
    while messages < 1000:
        for raw in raws:
            understand_message(raw, sent_text=sent, known_refs=KNOWN_REFS)
            messages += 1
    return messages, messages / (time.perf_counter() - started)


def main() -> None:
    verbose = "--verbose" in sys.argv
    cases = load_cases()
    print(f"corpus: {len(cases)} messages with expected text; fastest of {ROUNDS} passes\n")
    print(f"{'extractor':<20} {'us/message':>11} {'right':>7} {'close':>7} {'wrong':>7}")
    found = extractors()
    seconds = timings(found, cases)
    details = {}
    for name, extract in found.items():
        right, close, misses = accuracy(extract, cases)
        details[name] = misses
        print(f"{name:<20} {seconds[name] * 1e6:>11.1f} {right:>7} {close:>7} {len(misses):>7}")
    if verbose:
        for name, misses in details.items():
            print(f"\n{name} wrong on: {', '.join(misses) or 'none'}")
    messages, rate = ingestion_rate()
    print(f"\nunderstand_message (read, classify, extract, parse): {messages} messages,")
    print(f"  {rate:.0f} messages per second")


if __name__ == "__main__":
    main()
