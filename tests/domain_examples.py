"""The Lancaster District Community Safety Plan 2011/12 and its meetings, built as plain values.

Priorities, leads and timescales follow the published plan; the email addresses are made up
(example.org). Milestone labels are what the timescale reader makes of each cell.
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
JUNE, SEPTEMBER, DECEMBER, MARCH = (
    date(2011, 6, 21),
    date(2011, 9, 20),
    date(2011, 12, 13),
    date(2012, 3, 20),
)
MEETING_DATES = (JUNE, SEPTEMBER, DECEMBER, MARCH)


def _by_end_of_plan(ref: str, action: str) -> Action:
    return Action(
        ref=ref,
        action=action,
        timescale="To March 2012",
        milestones=(Milestone("Deadline", END_OF_PLAN),),
    )


def lancaster_plan() -> Plan:
    """Five priorities, 15 actions; 3.1 carries the plan's varied timescales."""
    return Plan(
        name="Lancaster District Community Safety Plan 2011/12",
        period_start=date(2011, 4, 1),
        period_end=END_OF_PLAN,
        priorities=(
            Priority(
                ref="3.1",
                title="Reduce Domestic Violence",
                lead=Lead("Helene Cooper", "", "Lancashire County Council", HELENE),
                actions=(
                    Action(
                        ref="3.1.1",
                        action="Maintain existing service provision i.e. IDVA and MARAC",
                        timescale="April 2011",
                        milestones=(Milestone("Deadline", date(2011, 4, 30)),),
                    ),
                    Action(
                        ref="3.1.2",
                        action="DV Prevention campaign",
                        timescale="End Date 31 st March 2012",
                        milestones=(Milestone("End Date", END_OF_PLAN),),
                    ),
                    Action(ref="3.1.3", action="DV Awareness campaign"),
                    Action(
                        ref="3.1.4",
                        action="DV risk profiling including mapping / analysis and MARAC "
                        "improvements",
                        timescale="Mapping 31 May 11 MARAC Review 30 Sept 11",
                        milestones=(
                            Milestone("Mapping", date(2011, 5, 31)),
                            Milestone("MARAC Review", date(2011, 9, 30)),
                        ),
                    ),
                ),
            ),
            Priority(
                ref="3.2",
                title="Reduce Violence Against the Person",
                lead=Lead("Tracie O'Gara", "Chief Inspector", "Lancashire Constabulary", TRACIE),
                actions=(
                    _by_end_of_plan("3.2.1", "Devise an Alcohol Campaign"),
                    _by_end_of_plan("3.2.2", "Alcohol PCSO"),
                    _by_end_of_plan("3.2.3", "Review current taxi stewarding schemes"),
                ),
            ),
            Priority(
                ref="3.3",
                title="Reduce Road Safety Collisions",
                lead=Lead("Kyran Ronson", "", "Lancashire Fire and Rescue", KYRAN),
                actions=(
                    _by_end_of_plan("3.3.1", "Work with LCC to implement the county strategy"),
                    _by_end_of_plan("3.3.2", "Examine district level evidence"),
                ),
            ),
            Priority(
                ref="3.4",
                title="Reduction in incidences of Antisocial Behaviour",
                lead=Lead("Michelle Emery", "", "Lancaster City Council", MICHELLE),
                actions=(
                    _by_end_of_plan("3.4.1", "Develop Street Pride events"),
                    _by_end_of_plan("3.4.2", "Develop ASBRAC cases management processes"),
                    _by_end_of_plan("3.4.3", "Positive activities for young people"),
                ),
            ),
            Priority(
                ref="3.5",
                title="Reduction in Serious Acquisitive Crime",
                lead=Lead("Ian Dawson", "Chief Inspector", "Lancashire Constabulary", IAN),
                actions=(
                    _by_end_of_plan("3.5.1", "Establish and promote recovery pathways"),
                    _by_end_of_plan("3.5.2", "Review the Prevent and Deter structure"),
                    _by_end_of_plan("3.5.3", "Improvements to the CSP's response to burglary"),
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
