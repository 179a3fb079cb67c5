"""The agenda pack as plain values: what the partnership reads before a quarterly meeting.

`build_pack_content` turns what the service knows (plan, meetings, latest updates, replies,
milestones met, statistics, attachments) into a view model the templates only lay out: every
decision about what appears, and what must not (private items in the public pack, commentary
held for review, small numbers), is taken here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.human_dates import (
    full_month_date,
    short_month_date,
    twelve_hour_time,
    weekday_date,
    weekday_name,
)
from scheduler.domain.pack.charts import ChartPoint, line_chart_svg
from scheduler.domain.pack.settings import AgendaSection, PackConfig
from scheduler.domain.pack.statistics import (
    Direction,
    Indicator,
    IndicatorAssessment,
    Quarter,
    Rag,
    assess,
)
from scheduler.domain.plan.model import Action, Plan, Priority
from scheduler.domain.replies.progress import ActionUpdate, Status
from scheduler.domain.schedule.meeting import Meeting

NO_UPDATE = "No update"
HELD_NOTE = "Commentary held for review."
PRIVATE_NOTE = "Update reported in the private pack (exempt information)."
PDF_TYPES = {"application/pdf", "application/x-pdf"}


@dataclass(frozen=True)
class PackAttachment:
    """A file a lead sent with a reply; PDFs become appendices, others are listed by name."""

    filename: str
    content_type: str
    payload: bytes
    from_lead: str
    action_ref: str | None = None
    private: bool = False
    received_at: datetime | None = None

    @property
    def is_pdf(self) -> bool:
        return self.content_type.lower() in PDF_TYPES or self.filename.lower().endswith(".pdf")


@dataclass(frozen=True)
class PackInput:
    """Everything a pack is made from, as the service gathered it for one meeting.

    `updates` holds the latest update per ref; `completed_milestones` holds (action ref,
    label) pairs; `addendum_since` makes an addendum of updates received after it; `private`
    builds the private pack, which alone may hold private items and updates.
    """

    plan: Plan
    meeting: Meeting
    previous_meeting: Meeting | None
    next_meeting: Meeting | None
    updates: tuple[ActionUpdate, ...]
    replied_leads: frozenset[str]
    away_leads: Mapping[str, date | None]
    completed_milestones: frozenset[tuple[str, str]]
    statistics: tuple[Indicator, ...]
    attachments: tuple[PackAttachment, ...]
    failed_emails: tuple[str, ...]
    config: PackConfig
    generated_at: datetime
    addendum_since: datetime | None = None
    private: bool = False


@dataclass(frozen=True)
class Cover:
    partnership: str
    document: str  # "Agenda pack", "Addendum to the agenda pack", ...
    meeting_title: str
    weekday: str
    day_text: str
    time_text: str
    place: str
    marking: str
    notice: str
    generated_text: str


@dataclass(frozen=True)
class AgendaEntry:
    number: str
    title: str
    detail: str = ""
    anchor: str | None = None
    private: bool = False


@dataclass(frozen=True)
class StatusCounts:
    green: int = 0
    amber: int = 0
    red: int = 0
    complete: int = 0
    no_update: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.complete + self.no_update


@dataclass(frozen=True)
class DashboardRow:
    priority_ref: str
    title: str
    anchor: str
    lead_name: str
    counts: StatusCounts
    lead_replied: bool


@dataclass(frozen=True)
class LeadNotReplied:
    name: str
    priority_refs: str
    away_text: str


@dataclass(frozen=True)
class UpdateView:
    """An update as shown: status written and coloured, commentary or the note replacing it."""

    status_label: str
    status_css: str
    paragraphs: tuple[str, ...] = ()
    note: str = ""
    received_text: str = ""
    sender: str = ""
    earlier_quarter: bool = False
    private: bool = False


@dataclass(frozen=True)
class ActionRow:
    ref: str
    anchor: str
    action: str
    timescale: str
    lead_agency: str
    targets: str
    update: UpdateView
    appendix_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrioritySection:
    ref: str
    title: str
    anchor: str
    lead_name: str
    lead_role: str
    outcomes: tuple[str, ...]
    actions: tuple[ActionRow, ...]
    commentary: tuple[UpdateView, ...]
    counts: StatusCounts


@dataclass(frozen=True)
class MilestoneRow:
    action_ref: str
    action: str
    label: str
    due_text: str
    state: str  # "Met", "Missed", "Overdue" or "Due"
    css: str


@dataclass(frozen=True)
class Milestones:
    since_text: str
    until_text: str
    since_last: tuple[MilestoneRow, ...]
    earlier_overdue: tuple[MilestoneRow, ...]
    before_next: tuple[MilestoneRow, ...]


@dataclass(frozen=True)
class IndicatorView:
    name: str
    quarter_label: str
    current_text: str
    year_earlier_label: str
    year_earlier_text: str
    change_text: str
    arrow: str
    direction_text: str
    direction_css: str
    target_text: str
    rag_label: str
    rag_css: str
    chart_svg: str
    source: str
    suppressed: bool


@dataclass(frozen=True)
class StatisticsGroup:
    priority_ref: str
    title: str
    indicators: tuple[IndicatorView, ...]


@dataclass(frozen=True)
class Appendix:
    """A PDF attachment merged into the pack; its pages are reserved by `page_anchors`."""

    letter: str
    anchor: str
    filename: str
    from_lead: str
    action_ref: str | None
    page_count: int
    page_anchors: tuple[str, ...]
    attachment_index: int
    private: bool


@dataclass(frozen=True)
class ListedAttachment:
    filename: str
    from_lead: str
    action_ref: str | None
    content_type: str
    size_text: str
    note: str = ""


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
    updates = _visible_updates(pack)
    attachments = [(i, a) for i, a in enumerate(pack.attachments) if _attachment_shown(pack, a)]
    appendices, listed = _appendices(attachments, appendix_pages or {})
    priorities = tuple(
        section
        for section in (
            _priority_section(pack, priority, updates, appendices)
            for priority in pack.plan.priorities
        )
        if not pack.addendum_since or section.actions or section.commentary
    )
    dashboard = tuple(_dashboard_row(pack, p) for p in priorities)
    document = _document_name(pack)
    sections = {s.value for s in _agenda_sections(pack)}
    title = f"{config.partnership}: {pack.meeting.title}, {weekday_date(pack.meeting.date)}"
    return PackContent(
        is_addendum=pack.addendum_since is not None,
        is_private=pack.private,
        document_title=f"{title} ({document.lower()})",
        marking=marking,
        cover=_cover(pack, document, marking),
        agenda=_agenda(pack),
        dashboard=dashboard,
        dashboard_totals=_sum_counts(row.counts for row in dashboard),
        leads_not_replied=_leads_not_replied(pack),
        failed_emails=pack.failed_emails,
        priorities=priorities,
        milestones=None if pack.addendum_since else _milestones(pack),
        statistics=() if pack.addendum_since else _statistics(pack),
        statistics_illustrative=any(i.illustrative for i in pack.statistics),
        small_number_threshold=config.small_number_threshold,
        amber_within_text=f"{config.amber_within_percent:g}%",
        appendices=appendices,
        listed_attachments=listed,
        next_meeting_text=_meeting_text(pack.next_meeting),
        previous_meeting_text=full_month_date(pack.previous_meeting.date)
        if pack.previous_meeting
        else "",
        addendum_since_text=_moment_text(pack.addendum_since, pack.meeting)
        if pack.addendum_since
        else "",
        agenda_sections=frozenset(sections),
    )


# --- what is shown ----------------------------------------------------------------------


def _visible_updates(pack: PackInput) -> dict[str, ActionUpdate]:
    """Updates by ref that this pack may show; an addendum keeps only the newer ones."""
    shown: dict[str, ActionUpdate] = {}
    for update in pack.updates:
        if pack.addendum_since is not None and not _after(
            update.received_at, pack.addendum_since, pack.meeting
        ):
            continue
        key = f"priority:{update.ref}" if update.unstructured else update.ref
        shown[key] = update
    return shown


def _attachment_shown(pack: PackInput, attachment: PackAttachment) -> bool:
    if attachment.private and not pack.private:
        return False
    if pack.addendum_since is None:
        return True
    return attachment.received_at is not None and _after(
        attachment.received_at, pack.addendum_since, pack.meeting
    )


def _update_view(pack: PackInput, update: ActionUpdate | None) -> UpdateView:
    if update is None:
        return UpdateView(NO_UPDATE, "none")
    if update.private and not pack.private:
        return UpdateView(NO_UPDATE, "none", note=PRIVATE_NOTE)
    status = update.status
    label = (
        status.value if status is not None else ("Commentary" if update.unstructured else NO_UPDATE)
    )
    return UpdateView(
        status_label=label,
        status_css=status.value.lower() if status is not None else "none",
        paragraphs=() if update.held_for_review else paragraphs(update.text),
        note=HELD_NOTE if update.held_for_review else "",
        received_text=short_month_date(update.received_at.date()),
        sender=update.sender,
        earlier_quarter=pack.previous_meeting is not None
        and not _after(update.received_at, pack.previous_meeting.starts_at(), pack.meeting),
        private=update.private,
    )


# --- sections -----------------------------------------------------------------------------


def _priority_section(
    pack: PackInput,
    priority: Priority,
    updates: Mapping[str, ActionUpdate],
    appendices: tuple[Appendix, ...],
) -> PrioritySection:
    rows = tuple(
        _action_row(pack, action, updates.get(action.ref), appendices)
        for action in priority.actions
        if not pack.addendum_since or action.ref in updates
    )
    commentary = updates.get(f"priority:{priority.ref}")
    views = () if commentary is None else (_update_view(pack, commentary),)
    if pack.addendum_since is None:
        counts = _counts(row.update.status_label for row in rows)
    else:
        counts = StatusCounts()
    lead = priority.lead
    return PrioritySection(
        ref=priority.ref,
        title=priority.title,
        anchor=anchor("priority", priority.ref),
        lead_name=lead.name,
        lead_role=", ".join(part for part in (lead.title, lead.organisation) if part),
        outcomes=priority.outcomes,
        actions=rows,
        commentary=tuple(v for v in views if v.paragraphs or v.note),
        counts=counts,
    )


def _action_row(
    pack: PackInput,
    action: Action,
    update: ActionUpdate | None,
    appendices: tuple[Appendix, ...],
) -> ActionRow:
    return ActionRow(
        ref=action.ref,
        anchor=anchor("action", action.ref),
        action=action.action,
        timescale=action.timescale,
        lead_agency=action.lead_agency,
        targets=action.targets,
        update=_update_view(pack, update),
        appendix_refs=tuple(
            f"Appendix {a.letter}" for a in appendices if a.action_ref == action.ref
        ),
    )


def _counts(labels: Iterable[str]) -> StatusCounts:
    tally = dict.fromkeys([s.value for s in Status] + [NO_UPDATE], 0)
    for label in labels:
        tally[label if label in tally else NO_UPDATE] += 1
    return StatusCounts(
        green=tally[Status.GREEN.value],
        amber=tally[Status.AMBER.value],
        red=tally[Status.RED.value],
        complete=tally[Status.COMPLETE.value],
        no_update=tally[NO_UPDATE],
    )


def _sum_counts(counts: Iterable[StatusCounts]) -> StatusCounts:
    total = StatusCounts()
    for c in counts:
        total = StatusCounts(
            total.green + c.green,
            total.amber + c.amber,
            total.red + c.red,
            total.complete + c.complete,
            total.no_update + c.no_update,
        )
    return total


def _dashboard_row(pack: PackInput, section: PrioritySection) -> DashboardRow:
    return DashboardRow(
        priority_ref=section.ref,
        title=section.title,
        anchor=section.anchor,
        lead_name=section.lead_name,
        counts=section.counts,
        lead_replied=section.lead_name in pack.replied_leads,
    )


def _leads_not_replied(pack: PackInput) -> tuple[LeadNotReplied, ...]:
    refs: dict[str, list[str]] = {}
    for priority in pack.plan.priorities:
        if priority.lead.name not in pack.replied_leads:
            refs.setdefault(priority.lead.name, []).append(priority.ref)
    result = []
    for name, priority_refs in refs.items():
        away_text = ""
        if name in pack.away_leads:
            returns = pack.away_leads[name]
            away_text = f"Away until {full_month_date(returns)}" if returns else "Away"
        result.append(LeadNotReplied(name, ", ".join(priority_refs), away_text))
    return tuple(result)


def _milestones(pack: PackInput) -> Milestones:
    meeting_day = pack.meeting.date
    since = pack.previous_meeting.date if pack.previous_meeting else pack.plan.period_start
    until = pack.next_meeting.date if pack.next_meeting else pack.plan.period_end
    as_at = pack.generated_at.date()
    since_last, earlier, before_next = [], [], []
    for _, action in pack.plan.actions():
        for milestone in action.milestones:
            met = (action.ref, milestone.label) in pack.completed_milestones
            if met:
                state = "Met"
            elif milestone.due < as_at:
                state = "Missed" if milestone.due > since else "Overdue"
            else:
                state = "Due"
            row = MilestoneRow(
                action_ref=action.ref,
                action=action.action,
                label=milestone.label,
                due_text=full_month_date(milestone.due),
                state=state,
                css={"Met": "complete", "Due": "none"}.get(state, "red"),
            )
            if since < milestone.due <= meeting_day:
                since_last.append(row)
            elif milestone.due <= since and not met:
                earlier.append(row)
            elif meeting_day < milestone.due <= until:
                before_next.append(row)
    return Milestones(
        since_text=full_month_date(since),
        until_text=full_month_date(until),
        since_last=tuple(since_last),
        earlier_overdue=tuple(earlier),
        before_next=tuple(before_next),
    )


def _statistics(pack: PackInput) -> tuple[StatisticsGroup, ...]:
    groups = []
    titles = {p.ref: p.title for p in pack.plan.priorities}
    order = [p.ref for p in pack.plan.priorities]
    order += sorted({i.priority_ref for i in pack.statistics} - set(order))
    for ref in order:
        views = tuple(_indicator_view(pack, i) for i in pack.statistics if i.priority_ref == ref)
        if views:
            groups.append(StatisticsGroup(ref, titles.get(ref, "Other indicators"), views))
    return tuple(groups)


def _indicator_view(pack: PackInput, indicator: Indicator) -> IndicatorView:
    config = pack.config
    threshold = config.small_number_threshold
    result = assess(indicator, pack.meeting.date, config.amber_within_percent, threshold)
    current = result.current
    earlier = result.year_earlier

    def shown(value: float | None, suppressed: bool) -> str:
        if value is None:
            return "No figure"
        return f"fewer than {threshold}" if suppressed else format_value(value, indicator.unit)

    target = current.target if current else None
    return IndicatorView(
        name=indicator.name,
        quarter_label=current.quarter.label if current else "No figure yet",
        current_text=shown(current.value if current else None, result.current_suppressed),
        year_earlier_label=current.quarter.year_earlier().label if current else "",
        year_earlier_text=shown(earlier.value if earlier else None, result.year_earlier_suppressed),
        change_text=_change_text(result),
        arrow=_arrow(result),
        direction_text=result.direction.value.capitalize(),
        direction_css={Direction.BETTER: "green", Direction.WORSE: "red"}.get(
            result.direction, "none"
        ),
        target_text=format_value(target, indicator.unit) if target is not None else "None set",
        rag_label=result.rag.value,
        rag_css=result.rag.name.lower() if result.rag is not Rag.NONE else "none",
        chart_svg=_chart(indicator, current.quarter if current else None, target, pack.config),
        source=indicator.source,
        suppressed=result.current_suppressed or result.year_earlier_suppressed,
    )


def _arrow(result: IndicatorAssessment) -> str:
    """Up or down as the figure moved; the words beside it say whether that is better."""
    if result.direction is Direction.UNKNOWN:
        return ""
    if result.rising is None:
        return "\u25b6"
    return "\u25b2" if result.rising else "\u25bc"


def _change_text(result: IndicatorAssessment) -> str:
    if result.current is None or result.year_earlier is None:
        return "Not known"
    if result.current_suppressed or result.year_earlier_suppressed:
        return "Not shown"
    if result.change_percent is None:
        return "Not known"
    sign = "+" if result.change_percent > 0 else ("\u2212" if result.change_percent < 0 else "")
    return f"{sign}{abs(result.change_percent):.1f}%"


def _chart(
    indicator: Indicator, last: Quarter | None, target: float | None, config: PackConfig
) -> str:
    if last is None:
        return ""
    quarters = [last]
    while len(quarters) < max(config.chart_quarters, 2):
        previous = quarters[-1]
        number = previous.number - 1 or 4
        quarters.append(Quarter(previous.year - (1 if previous.number == 1 else 0), number))
    first = indicator.observations[0].quarter
    shown = [q for q in reversed(quarters) if q >= first]
    points = []
    for quarter in shown:
        observation = indicator.value_in(quarter)
        value = observation.value if observation else None
        if value is not None and indicator.unit == "count":
            value = None if value < config.small_number_threshold else value
        points.append(ChartPoint(f"Q{quarter.number}", value, quarter.label.split()[1]))
    return line_chart_svg(
        points, title=f"{indicator.name}, {shown[0].label} to {last.label}", target=target
    )


def _appendices(
    attachments: list[tuple[int, PackAttachment]], pages: Mapping[int, int]
) -> tuple[tuple[Appendix, ...], tuple[ListedAttachment, ...]]:
    appendices: list[Appendix] = []
    listed: list[ListedAttachment] = []
    for index, attachment in attachments:
        count = pages.get(index)
        if attachment.is_pdf and count:
            letter = appendix_letter(len(appendices))
            name = anchor("appendix", letter)
            appendices.append(
                Appendix(
                    letter=letter,
                    anchor=name,
                    filename=attachment.filename,
                    from_lead=attachment.from_lead,
                    action_ref=attachment.action_ref,
                    page_count=count,
                    page_anchors=tuple(f"{name}-page-{n}" for n in range(1, count + 1)),
                    attachment_index=index,
                    private=attachment.private,
                )
            )
            continue
        listed.append(
            ListedAttachment(
                filename=attachment.filename,
                from_lead=attachment.from_lead,
                action_ref=attachment.action_ref,
                content_type=attachment.content_type,
                size_text=size_text(len(attachment.payload)),
                note="The PDF could not be read, so it is not included."
                if attachment.is_pdf
                else "",
            )
        )
    return tuple(appendices), tuple(listed)


# --- cover and agenda ---------------------------------------------------------------------


def _document_name(pack: PackInput) -> str:
    name = "Addendum to the agenda pack" if pack.addendum_since else "Agenda pack"
    return f"{name} (private)" if pack.private else name


def _cover(pack: PackInput, document: str, marking: str) -> Cover:
    meeting = pack.meeting
    return Cover(
        partnership=pack.config.partnership,
        document=document,
        meeting_title=meeting.title,
        weekday=weekday_name(meeting.date),
        day_text=full_month_date(meeting.date),
        time_text=twelve_hour_time(meeting.time),
        place=meeting.place,
        marking=marking,
        notice=pack.config.private_notice if pack.private else "",
        generated_text=f"Compiled {full_month_date(pack.generated_at.date())}",
    )


def _agenda_sections(pack: PackInput) -> list[AgendaSection]:
    return [
        item.section
        for item in pack.config.agenda
        if item.section is not None and (pack.private or not item.private)
    ]


def _agenda(pack: PackInput) -> tuple[AgendaEntry, ...]:
    if pack.addendum_since is not None:
        return tuple(
            AgendaEntry(
                str(n), f"{p.ref} {p.title}", f"Lead: {p.lead.name}", anchor("priority", p.ref)
            )
            for n, p in enumerate(pack.plan.priorities, start=1)
        )
    entries: list[AgendaEntry] = []
    for item in pack.config.agenda:
        if item.private and not pack.private:
            continue
        if item.section is AgendaSection.PRIORITIES:
            for priority in pack.plan.priorities:
                entries.append(
                    AgendaEntry(
                        number=str(len(entries) + 1),
                        title=f"{priority.ref} {priority.title}",
                        detail=f"Lead: {priority.lead.name}",
                        anchor=anchor("priority", priority.ref),
                        private=item.private,
                    )
                )
            continue
        detail = item.description
        if item.section is AgendaSection.NEXT_MEETING:
            detail = _meeting_text(pack.next_meeting)
        section_anchor = (
            item.section.value
            if item.section is not None and item.section is not AgendaSection.NEXT_MEETING
            else None
        )
        entries.append(
            AgendaEntry(str(len(entries) + 1), item.title, detail, section_anchor, item.private)
        )
    return tuple(entries)


def _meeting_text(meeting: Meeting | None) -> str:
    if meeting is None:
        return "To be arranged"
    return f"{weekday_date(meeting.date)} at {twelve_hour_time(meeting.time)}, {meeting.place}"


def _moment_text(moment: datetime, meeting: Meeting) -> str:
    local = _aware(moment, meeting).astimezone(ZoneInfo(meeting.timezone))
    return f"{full_month_date(local.date())}, {twelve_hour_time(local.time())}"


# --- small formatting helpers -------------------------------------------------------------


def format_value(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "count" or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def paragraphs(text: str) -> tuple[str, ...]:
    """Commentary split at blank lines into paragraphs, each with its lines joined."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return tuple(
        " ".join(line.strip() for line in b.splitlines() if line.strip())
        for b in blocks
        if b.strip()
    )


def anchor(kind: str, ref: str) -> str:
    """An HTML id for a ref: 'action-3-1-2' for ('action', '3.1.2')."""
    return f"{kind}-" + (re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-") or "x")


def appendix_letter(index: int) -> str:
    """A, B, ... Z, AA, AB, ... for the index-th appendix (0-based)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _aware(moment: datetime, meeting: Meeting) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo(meeting.timezone))
    return moment


def _after(moment: datetime, since: datetime, meeting: Meeting) -> bool:
    """moment > since, reading a naive datetime as local time of the partnership."""
    return _aware(moment, meeting) > _aware(since, meeting)
