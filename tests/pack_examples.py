"""A pack input for the December 2011 meeting of the Lancaster plan (domain_examples)."""

from __future__ import annotations

import functools
import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from domain_examples import lancaster_meetings, lancaster_plan

from scheduler.domain.pack.content import PackAttachment, PackInput
from scheduler.domain.pack.settings import PackConfig, load_pack_config
from scheduler.domain.pack.statistics import Indicator, parse_statistics_csv
from scheduler.domain.replies.progress import ActionUpdate, Status

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
STATISTICS_CSV = PROJECT_ROOT / "config" / "statistics" / "lancaster-2011-12.csv"
PACK_YAML = PROJECT_ROOT / "config" / "pack.yaml"
LONDON = ZoneInfo("Europe/London")

ACTION_REFS = tuple(
    f"3.{p}.{a}"
    for p, count in ((1, 4), (2, 3), (3, 2), (4, 3), (5, 3))
    for a in range(1, count + 1)
)
LEADS = ("Helene Cooper", "Tracie O'Gara", "Kyran Ronson", "Michelle Emery", "Ian Dawson")


JUNE, SEPTEMBER, DECEMBER, MARCH = lancaster_meetings()


def at(day: int, month: int, year: int = 2011, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=LONDON)


SCRIPT_TEXT = "Campaign launched <script>alert('pack')</script> in freshers' week."
PRIVATE_TEXT = "Exempt: licensing review of a named premises is under way."
HELD_TEXT = "Victim named Jane Doe in Skerton."
COMMENTARY_TEXT = "Overall, acquisitive crime is level with last year."


def december_updates() -> tuple[ActionUpdate, ...]:
    """Updates for nine of the fifteen actions, one stale, one private, one held for review."""
    helene, tracie, kyran, ian = "Helene Cooper", "Tracie O'Gara", "Kyran Ronson", "Ian Dawson"
    green, amber, red = Status.GREEN, Status.AMBER, Status.RED
    return (
        ActionUpdate(
            "3.1.1", Status.COMPLETE, "IDVA post funded to March 2013.", at(28, 11), helene
        ),
        ActionUpdate(
            "3.1.2", green, "Schools programme agreed.\n\nSix schools booked.", at(29, 11), helene
        ),
        ActionUpdate("3.1.4", amber, "MARAC review delayed by staff changes.", at(29, 11), helene),
        ActionUpdate("3.2.1", green, SCRIPT_TEXT, at(5, 9), tracie),
        ActionUpdate("3.2.2", red, PRIVATE_TEXT, at(6, 9), tracie, private=True),
        ActionUpdate("3.3.1", green, "County strategy meetings held monthly.", at(30, 11), kyran),
        ActionUpdate("3.3.2", amber, HELD_TEXT, at(30, 11), kyran, held_for_review=True),
        ActionUpdate("3.5.1", green, "Recovery pathway launched in October.", at(1, 12), ian),
        ActionUpdate("3.5.3", red, "Burglary up on last year; operation planned.", at(1, 12), ian),
        ActionUpdate("3.5", None, COMMENTARY_TEXT, at(1, 12), ian, unstructured=True),
    )


@functools.cache
def appendix_pdf(pages: int, heading: str = "Appendix") -> bytes:
    """A small PDF of `pages` pages, each saying which page it is."""
    from weasyprint import HTML

    body = "".join(
        f'<section style="break-after: page"><h1>{heading}</h1><p>Appendix page {n} '
        f"of {pages}.</p></section>"
        for n in range(1, pages + 1)
    )
    return bytes(HTML(string=f"<html><body>{body}</body></html>").write_pdf())


def lancaster_config() -> PackConfig:
    return load_pack_config(PACK_YAML.read_text(encoding="utf-8"), str(PACK_YAML))


def lancaster_statistics() -> tuple[Indicator, ...]:
    return parse_statistics_csv(STATISTICS_CSV.read_text(encoding="utf-8"), str(STATISTICS_CSV))


def december_input(private: bool = False) -> PackInput:
    """The December 2011 pack: three of five leads replied, two PDFs and a spreadsheet."""
    return PackInput(
        plan=lancaster_plan(),
        meeting=DECEMBER,
        previous_meeting=SEPTEMBER,
        next_meeting=MARCH,
        updates=december_updates(),
        replied_leads=frozenset({"Helene Cooper", "Kyran Ronson", "Ian Dawson"}),
        away_leads={"Tracie O'Gara": date(2012, 1, 3)},
        completed_milestones=frozenset({("3.1.1", "Deadline")}),
        statistics=lancaster_statistics(),
        attachments=(
            PackAttachment(
                "marac-review.pdf",
                "application/pdf",
                appendix_pdf(2, "MARAC review"),
                "Helene Cooper",
                "3.1.4",
                received_at=at(29, 11),
            ),
            PackAttachment(
                "burglary-figures.xlsx",
                "application/vnd.ms-excel",
                b"x" * 2048,
                "Ian Dawson",
                "3.5.3",
                received_at=at(1, 12),
            ),
            PackAttachment(
                "street-pride.pdf",
                "application/pdf",
                appendix_pdf(3, "Street Pride"),
                "Michelle Emery",
                "3.4.1",
                received_at=at(2, 12),
            ),
            PackAttachment(
                "licensing-exempt.pdf",
                "application/pdf",
                appendix_pdf(1, "Exempt licensing"),
                "Tracie O'Gara",
                "3.2.2",
                private=True,
                received_at=at(6, 9),
            ),
        ),  # fmt: skip
        failed_emails=("Update request to Michelle Emery, 15 November 2011",),
        config=lancaster_config(),
        generated_at=at(6, 12),
        private=private,
    )


def with_input(pack: PackInput, **changes: object) -> PackInput:
    return replace(pack, **changes)  # type: ignore[arg-type]


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
