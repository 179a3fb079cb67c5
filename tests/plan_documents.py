"""One plan, Northshire's 2012-13, as other councils write theirs: the structure every format
must import to, and the text forms of it (markdown, bullets, tab-separated text, CSV)."""

from __future__ import annotations

from datetime import date
from typing import Any

from scheduler.domain.plan.model import Lead, Milestone, Plan

NAME = "Northshire Community Safety Plan 2012-13"
PERIOD = (date(2012, 4, 1), date(2013, 3, 31))
UNREADABLE = (
    "timescale_unresolved: cannot read timescale '31 Febtember 2012': 'Febtember' is not a"
    " month name"
)

# (ref, title, lead, outcomes, [(ref, action, lead_agency, timescale, targets, milestones,
# notes)])
EXPECTED: list[tuple[Any, ...]] = [
    (
        "1",
        "Reduce domestic abuse",
        Lead("Jo Bloggs", "Community Safety Manager", "Northshire Council"),
        ("Fewer repeat victims",),
        [
            (
                "1.1",
                "Run a campaign in schools",
                "Police",
                "Mar-13",
                "10 schools reached",
                (Milestone("Deadline", date(2013, 3, 31)),),
                (),
            ),
            (
                "1.2",
                "Review the MARAC process",
                "Probation",
                "Phase 1 June 2012, Phase 2 December 2012",
                "",
                (
                    Milestone("Phase 1", date(2012, 6, 30)),
                    Milestone("Phase 2", date(2012, 12, 31)),
                ),
                (),
            ),
        ],
    ),
    (
        "2",
        "Reduce antisocial behaviour",
        Lead("Sam Hill", "", "Northshire Police"),
        (),
        [
            (
                "2.1",
                "Street Pride events",
                "Council",
                "Summer 2012",
                "",
                (Milestone("Deadline", date(2012, 8, 31)),),
                ("RAG: Green",),
            ),
            ("2.2", "Youth diversion", "Youth Service", "Quarterly", "", (), ()),
            ("2.3", "Survey residents", "Council", "31 Febtember 2012", "", (), (UNREADABLE,)),
        ],
    ),
]


def outline(plan: Plan) -> list[tuple[Any, ...]]:
    """The plan in the shape of EXPECTED."""
    return [
        (
            p.ref,
            p.title,
            p.lead,
            p.outcomes,
            [
                (
                    a.ref,
                    a.action,
                    a.lead_agency,
                    a.timescale,
                    a.targets,
                    a.milestones,
                    a.notes,
                )
                for a in p.actions
            ],
        )
        for p in plan.priorities
    ]


def without_notes(expected: list[tuple[Any, ...]], *dropped: str) -> list[tuple[Any, ...]]:
    """EXPECTED with some notes left out (a format that has no such column)."""
    return [
        (*p[:4], [(*a[:6], tuple(n for n in a[6] if n not in dropped)) for a in p[4]])
        for p in expected
    ]


SUMMER = "'Summer 2012' read as the end of summer, 2012-08-31"
QUARTERLY = "'Quarterly' is recurring (quarterly), not a deadline: no milestone"
FEBTEMBER = (
    "cannot read timescale '31 Febtember 2012': 'Febtember' is not a month name: no milestone"
    " (marked unresolved)"
)

MARKDOWN = """\
# Northshire Community Safety Plan 2012-13

Northshire Community Safety Partnership agreed this plan in March 2012.

## 2. Our action plan

### Priority 1: Reduce domestic abuse

Lead: Jo Bloggs, Community Safety Manager, Northshire Council

Outcome: Fewer repeat victims

| Ref | Action | Responsible officer | Target date | Performance measure |
|-----|--------|---------------------|-------------|---------------------|
| 1.1 | Run a campaign in schools | Police | Mar-13 | 10 schools reached |
| 1.2 | Review the MARAC process | Probation | Phase 1 June 2012, Phase 2 December 2012 | |

### Priority 2: Reduce antisocial behaviour

Lead: Sam Hill, Northshire Police

| Ref | Action | Owner | By when | RAG |
|---|---|---|---|---|
| 2.1 | Street Pride events | Council | Summer 2012 | Green |
| 2.2 | Youth diversion | Youth Service | Quarterly | |
| 2.3 | Survey residents | Council | 31 Febtember 2012 | |

## 3. Monitoring

Progress is reviewed at each partnership meeting.
"""

BULLETS = """\
Northshire Community Safety Plan 2012-13

2. Our action plan

Priority 1: Reduce domestic abuse

Lead: Jo Bloggs, Community Safety Manager, Northshire Council

- Fewer repeat victims

- Action: Run a campaign in schools
  - Responsible officer: Police
  - Target date: Mar-13
  - Performance measure: 10 schools reached
- Review the MARAC process; Lead agency: Probation; By when: Phase 1 June 2012, Phase 2 \
December 2012

Priority 2: Reduce antisocial behaviour

Lead: Sam Hill, Northshire Police

* Street Pride events
  * Owner: Council
  * Timescale: Summer 2012
  * RAG: Green
* Youth diversion (Lead: Youth Service; Timescale: Quarterly)
* Survey residents. Lead: Council. Deadline: 31 Febtember 2012

3. Monitoring

Progress is reviewed at each partnership meeting.
"""

# A Word table copied as text: tabs between cells, columns in another order, and cells that
# wrap onto the next line.
WRAPPED_TEXT = (
    "Northshire Community Safety Plan 2012-13\n"
    "\n"
    "Priority 1: Reduce domestic abuse\n"
    "Lead: Jo Bloggs, Community Safety Manager, Northshire Council\n"
    "Outcome: Fewer repeat victims\n"
    "Target date\tWhat we will do\tLead agency\tIndicator\n"
    "Mar-13\tRun a campaign\n"
    "in schools\tPolice\t10 schools reached\n"
    "Phase 1 June 2012,\n"
    "Phase 2 December 2012\tReview the MARAC process\tProbation\t\n"
    "\n"
    "Priority 2: Reduce antisocial behaviour\n"
    "Lead: Sam Hill, Northshire Police\n"
    "Deadline\tAction\tOwner\tRAG\n"
    "Summer 2012\tStreet Pride events\tCouncil\tGreen\n"
    "Quarterly\tYouth diversion\tYouth Service\t\n"
    "31 Febtember 2012\tSurvey residents\tCouncil\t\n"
)

CSV_ROWS = """\
Northshire Community Safety Plan 2012-13,,,,,
,,,,,
Priority 1: Reduce domestic abuse,,,,,
"Lead: Jo Bloggs, Community Safety Manager, Northshire Council",,,,,
Outcome: Fewer repeat victims,,,,,
Ref,Action,Lead,Due,Measure,RAG
1.1,Run a campaign in schools,Police,Mar-13,10 schools reached,
1.2,Review the MARAC process,Probation,"Phase 1 June 2012, Phase 2 December 2012",,
Priority 2: Reduce antisocial behaviour,,,,,
"Lead: Sam Hill, Northshire Police",,,,,
2.1,Street Pride events,Council,Summer 2012,,Green
2.2,Youth diversion,Youth Service,Quarterly,,
2.3,Survey residents,Council,31 Febtember 2012,,
"""
