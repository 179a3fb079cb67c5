"""The Lancaster District Community Safety Plan 2011/12 and its meetings, built as plain values.

The plan is written out as published (tests/fixtures/pack/SOURCES.md), so tests do not depend
on the plan importer; the email addresses are made up (example.org). Milestone labels are what
the timescale reader makes of each cell.
"""

from __future__ import annotations

from datetime import date, time

from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.schedule.meeting import Meeting

HELENE = "helene.cooper@example.org"
TRACIE = "tracie.ogara@example.org"
KYRAN = "kyran.ronson@example.org"
MICHELLE = "michelle.emery@example.org"
IAN = "ian.dawson@example.org"
LEAD_EMAILS = (HELENE, TRACIE, KYRAN, MICHELLE, IAN)
COORDINATOR = "community.safety@example.org"

END_OF_PLAN = date(2012, 3, 31)
TO_MARCH = "To March 2012"
JUNE, SEPTEMBER, DECEMBER, MARCH = (
    date(2011, 6, 21),
    date(2011, 9, 20),
    date(2011, 12, 13),
    date(2012, 3, 20),
)
MEETING_DATES = (JUNE, SEPTEMBER, DECEMBER, MARCH)


def _deadline(label: str = "Deadline", due: date = END_OF_PLAN) -> tuple[Milestone, ...]:
    return (Milestone(label, due),)


def lancaster_plan() -> Plan:
    """The plan's five key priorities and fifteen actions, as published, with made-up emails."""
    dv_group = "Probation - Gemma Burton (DV Group Chair) DV Group"
    return Plan(
        name="Lancaster District Community Safety Plan 2011/12",
        period_start=date(2011, 4, 1),
        period_end=END_OF_PLAN,
        priorities=(
            Priority(
                "3.1",
                "Reduce Domestic Violence",
                Lead("Helene Cooper", organisation="Lancashire County Council", email=HELENE),
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
                        milestones=_deadline("End Date"),
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
                    email=TRACIE,
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
                Lead("Kyran Ronson", organisation="Lancashire Fire and Rescue", email=KYRAN),
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
                Lead("Michelle Emery", organisation="Lancaster City Council", email=MICHELLE),
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
                Lead(
                    "Ian Dawson",
                    title="Chief Inspector",
                    organisation="Lancashire Constabulary",
                    email=IAN,
                ),
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


def lancaster_meetings() -> tuple[Meeting, ...]:
    """The four quarterly partnership meetings of 2011/12, as config/meetings.yaml has them."""
    return tuple(
        Meeting(
            date=day,
            time=time(10, 0),
            place="Lancaster Town Hall, Committee Room 1",
            title="Lancaster District Community Safety Partnership",
        )
        for day in MEETING_DATES
    )
