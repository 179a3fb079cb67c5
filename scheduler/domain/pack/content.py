"""The agenda pack as plain values: what the partnership reads before a quarterly meeting.

`build_pack_content` turns what the service knows (plan, meetings, latest updates, replies,
milestones met, statistics, attachments) into a view model the templates only lay out: every
decision about what appears, and what must not (private items in the public pack, commentary
held for review, small numbers), is taken here and in the modules of each section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduler.domain.human_dates import full_month_date, weekday_date
from scheduler.domain.pack.agenda import AgendaEntry, agenda, agenda_sections, meeting_text
from scheduler.domain.pack.appendices import (
    Appendix,
    ListedAttachment,
    appendices,
    shown_attachments,
)
from scheduler.domain.pack.cover import Cover, cover, document_name
from scheduler.domain.pack.dashboard import DashboardRow, dashboard_row, total_counts
from scheduler.domain.pack.indicators import StatisticsGroup, statistics_groups
from scheduler.domain.pack.input import PackAttachment, PackInput
from scheduler.domain.pack.local_time import moment_text
from scheduler.domain.pack.milestones import Milestones, milestones
from scheduler.domain.pack.not_replied import LeadNotReplied, leads_not_replied
from scheduler.domain.pack.priorities import (
    PrioritySection,
    StatusCounts,
    priority_section,
    visible_updates,
)

__all__ = ["PackAttachment", "PackContent", "PackInput", "build_pack_content"]


@dataclass(frozen=True)
class PackContent:
    """The pack's view model: the templates lay this out and decide nothing."""

    is_addendum: bool
    is_private: bool
    document_title: str
    marking: str
    cover: Cover
    agenda: tuple[AgendaEntry, ...]
    dashboard: tuple[DashboardRow, ...]
    dashboard_totals: StatusCounts
    leads_not_replied: tuple[LeadNotReplied, ...]
    failed_emails: tuple[str, ...]
    priorities: tuple[PrioritySection, ...]
    milestones: Milestones | None
    statistics: tuple[StatisticsGroup, ...]
    statistics_illustrative: bool
    small_number_threshold: int
    amber_within_text: str
    appendices: tuple[Appendix, ...]
    listed_attachments: tuple[ListedAttachment, ...]
    next_meeting_text: str
    previous_meeting_text: str
    addendum_since_text: str = ""
    agenda_sections: frozenset[str] = field(default_factory=frozenset)


def build_pack_content(
    pack: PackInput, appendix_pages: Mapping[int, int] | None = None
) -> PackContent:
    """The view model of the pack (or addendum) described by `pack`.

    `appendix_pages` gives the page count of each readable PDF attachment by its index in
    `pack.attachments`; a PDF without a count is listed as unreadable instead of merged.
    """
    config = pack.config
    marking = config.private_marking if pack.private else config.protective_marking
    updates = visible_updates(pack)
    merged, listed = appendices(shown_attachments(pack), appendix_pages or {})
    priorities = tuple(
        section
        for section in (
            priority_section(pack, priority, updates, merged) for priority in pack.plan.priorities
        )
        if not pack.addendum_since or section.actions or section.commentary
    )
    dashboard = tuple(dashboard_row(pack, p) for p in priorities)
    document = document_name(pack)
    sections = {s.value for s in agenda_sections(pack)}
    title = f"{config.partnership}: {pack.meeting.title}, {weekday_date(pack.meeting.date)}"
    return PackContent(
        is_addendum=pack.addendum_since is not None,
        is_private=pack.private,
        document_title=f"{title} ({document.lower()})",
        marking=marking,
        cover=cover(pack, document, marking),
        agenda=agenda(pack),
        dashboard=dashboard,
        dashboard_totals=total_counts(row.counts for row in dashboard),
        leads_not_replied=leads_not_replied(pack),
        failed_emails=pack.failed_emails,
        priorities=priorities,
        milestones=None if pack.addendum_since else milestones(pack),
        statistics=() if pack.addendum_since else statistics_groups(pack),
        statistics_illustrative=any(i.illustrative for i in pack.statistics),
        small_number_threshold=config.small_number_threshold,
        amber_within_text=f"{config.amber_within_percent:g}%",
        appendices=merged,
        listed_attachments=listed,
        next_meeting_text=meeting_text(pack.next_meeting),
        previous_meeting_text=full_month_date(pack.previous_meeting.date)
        if pack.previous_meeting
        else "",
        addendum_since_text=moment_text(pack.addendum_since, pack.meeting)
        if pack.addendum_since
        else "",
        agenda_sections=frozenset(sections),
    )
