"""The Lancaster District Community Safety Plan 2011/12 and a pack input for its December meeting.

The plan is written out here as values (from the published plan, tests/fixtures/pack/SOURCES.md)
so the pack tests do not depend on the plan importer.
"""

from __future__ import annotations

import functools
import io
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.domain.pack.content import PackAttachment, PackInput
from scheduler.domain.pack.settings import PackConfig, load_pack_config
from scheduler.domain.pack.statistics import Indicator, parse_statistics_csv
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.meeting import Meeting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT_ROOT / "templates"
STATISTICS_CSV = PROJECT_ROOT / "config" / "statistics" / "lancaster-2011-12.csv"
PACK_YAML = PROJECT_ROOT / "config" / "pack.yaml"
LONDON = ZoneInfo("Europe/London")
END_OF_PLAN = date(2012, 3, 31)
TO_MARCH = "To March 2012"

ACTION_REFS = tuple(
    f"3.{p}.{a}"
    for p, count in ((1, 4), (2, 3), (3, 2), (4, 3), (5, 3))
    for a in range(1, count + 1)
)
LEADS = ("Helene Cooper", "Tracie O'Gara", "Kyran Ronson", "Michelle Emery", "Ian Dawson")


def _deadline(label: str = "Deadline", due: date = END_OF_PLAN) -> tuple[Milestone, ...]:
    return (Milestone(label, due),)


def lancaster_plan() -> Plan:
    """The plan's five key priorities and fifteen actions, as published."""
    dv_group = "Probation - Gemma Burton (DV Group Chair) DV Group"
    return Plan(
        name="Lancaster District Community Safety Plan 2011/12",
        period_start=date(2011, 4, 1),
        period_end=END_OF_PLAN,
        priorities=(
            Priority(
                "3.1",
                "Reduce Domestic Violence",
                Lead("Helene Cooper", organisation="Lancashire County Council"),
                outcomes=(
                    "Reduce the number of repeat referrals to MARACS",
                    "Increase reporting of domestic violence incidences",
                ),
                actions=(
                    Action(
                        "3.1.1",
                        "Maintain existing service provision i.e. IDVA and MARAC",
                        timescale="April 2011",
                        lead_agency="Probation All",
                        milestones=_deadline(due=date(2011, 4, 30)),
                    ),
                    Action(
                        "3.1.2",
                        "DV Prevention campaign",
                        timescale="End Date 31 st March 2012",
                        lead_agency=dv_group,
                        milestones=_deadline(),
                    ),
                    Action("3.1.3", "DV Awareness campaign", lead_agency=dv_group),
                    Action(
                        "3.1.4",
                        "DV risk profiling including mapping / analysis and MARAC improvements",
                        timescale="Mapping 31 May 11 MARAC Review 30 Sept 11",
                        lead_agency=f"{dv_group} DI Phil Jones (Chair of Marac) DV Group",
                        milestones=(
                            Milestone("Mapping", date(2011, 5, 31)),
                            Milestone("MARAC Review", date(2011, 9, 30)),
                        ),
                    ),
                ),
            ),
            Priority(
                "3.2",
                "Reduce Violence Against the Person",
                Lead(
                    "Tracie O'Gara",
                    title="Chief Inspector",
                    organisation="Lancashire Constabulary",
                ),
                outcomes=("Reduce Alcohol Related Violent Crime",),
                actions=(
                    Action(
                        "3.2.1",
                        "Devise an Alcohol Campaign that addresses 1/ The pre loading aspect "
                        "with young people and include new residents entering the district ie "
                        "new students. 2/ address violent crime where alcohol is a factor in "
                        "the crime.",
                        timescale=TO_MARCH,
                        lead_agency="Police Students Union CBM Licensing PCT",
                        targets="Reduction in the number of students involved in alcohol related "
                        "crime and incidents.",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.2.2",
                        "Alcohol PCSO",
                        timescale=TO_MARCH,
                        lead_agency="Police CSP Alcohol PCSO / PCT",
                        targets="Number of individuals subject to ASBRACs to be monitored with a "
                        "view to setting targets. Increase in the number of licensed premises "
                        "subject to enforcement activity. Reduction in the number of licensing "
                        "breaches",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.2.3",
                        "Review current taxi stewarding schemes to reduce numbers of drunken "
                        "individuals on the street leading to violent crime.",
                        timescale=TO_MARCH,
                        lead_agency="Council Licensing / Police Licensing (MALT) Security "
                        "Industry / Police / City council",
                        targets="Reduce overall alcohol fuelled street violence",
                        milestones=_deadline(),
                    ),
                ),
            ),
            Priority(
                "3.3",
                "Reduce Road Safety Collisions",
                Lead("Kyran Ronson", organisation="Lancashire Fire and Rescue"),
                outcomes=(
                    "Reduction in casualties from collisions involving vehicles",
                    "Reduction in casualties from collisions involving pedestrians",
                    "Reduction in casualties from collisions involving cyclists",
                ),
                actions=(
                    Action(
                        "3.3.1",
                        "Work with LCC to ensure county strategy is implemented effectively in "
                        "the District",
                        timescale=TO_MARCH,
                        lead_agency="Fire and Rescue Paul Binks, LCC; Police; PCT",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.3.2",
                        "Examine district level evidence to ensure specific district road "
                        "traffic casualty issues are being addressed by the appropriate agencies",
                        timescale=TO_MARCH,
                        lead_agency="Fire and Rescue Paul Binks, LCC; Police; PCT",
                        milestones=_deadline(),
                    ),
                ),
            ),
            Priority(
                "3.4",
                "Reduction in incidences of Antisocial Behaviour",
                Lead("Michelle Emery", organisation="Lancaster City Council"),
                outcomes=(
                    "Reduction in incidences of environmental antisocial behavior",
                    "Reduction in incidences of disorder",
                    "Reduction in repeat referrals to ASBRAC",
                ),
                actions=(
                    Action(
                        "3.4.1",
                        "Develop Street Pride events as a multi-agency response to dealing with "
                        "low levels of environmental antisocial behaviour and building community "
                        "capacity.",
                        timescale=TO_MARCH,
                        lead_agency="M Emery, Lancaster City Council",
                        targets="Reduction in ASB on the areas where Street Pride events were "
                        "held.",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.4.2",
                        "Develop ASBRAC cases management processes in line with best practice "
                        "and by making best use of the ASB PCSO post.",
                        timescale=TO_MARCH,
                        lead_agency="City Council M Emery Police A Hills",
                        targets="Reduction in repeat referrals to ASBRAC.",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.4.3",
                        "Positive activities (ongoing activities) for young people",
                        timescale=TO_MARCH,
                        lead_agency="City Council/County Council and a wider range of partners",
                        targets="Reduction in ASB involving young people.",
                        milestones=_deadline(),
                    ),
                ),
            ),
            Priority(
                "3.5",
                "Reduction in Serious Acquisitive Crime",
                Lead("Ian Dawson", title="Chief Inspector", organisation="Lancashire Constabulary"),
                outcomes=(
                    "Reduction in incidences of vehicle crime",
                    "Reduction in burglary in dwellings",
                    "Reduction in reoffending by PPOs/Revolution",
                ),
                actions=(
                    Action(
                        "3.5.1",
                        "To establish and promote recovery pathways for those misusing drugs "
                        "and alcohol.",
                        timescale=TO_MARCH,
                        lead_agency="LDAAT N Lancs Joint Commissioning Group TEG",
                        targets="Reduction in repeat referrals to substance misuse services.",
                        group="Reducing Reoffending",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.5.2",
                        "Review the Prevent and Deter structure and process for young offenders, "
                        "ensuring PCSOs support the process.",
                        timescale=TO_MARCH,
                        lead_agency="YOT",
                        targets="Deter reoffending rate Revolution nominal reoffending rate if "
                        "available.",
                        group="Reducing Reoffending",
                        milestones=_deadline(),
                    ),
                    Action(
                        "3.5.3",
                        "Improvements to the CSP's response to burglary",
                        timescale=TO_MARCH,
                        lead_agency="Police Other agencies as identified",
                        group="Reduction in Burglary",
                        milestones=_deadline(),
                    ),
                ),
            ),
        ),
    )


def meeting(day: date) -> Meeting:
    return Meeting(day, time(10, 0), "Morecambe Town Hall", "Community Safety Partnership")


JUNE, SEPTEMBER, DECEMBER, MARCH = (
    meeting(date(2011, 6, 21)),
    meeting(date(2011, 9, 20)),
    meeting(date(2011, 12, 13)),
    meeting(date(2012, 3, 20)),
)


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
