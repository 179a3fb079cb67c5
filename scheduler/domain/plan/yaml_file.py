"""The plan's canonical, human-edited form: one YAML file per plan under config/plans/.

`plan_to_yaml` writes it (block style, dates as YYYY-MM-DD, every action field present so a
coordinator can see what to fill in); `load_plan_yaml` reads it back, checking everything and
naming the file and line of each problem. Leads' addresses are not kept here but looked up
in people.yaml by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scheduler.domain.errors import LocatedError, PlanError
from scheduler.domain.plan.model import Action, Lead, Milestone, Plan, Priority
from scheduler.domain.plan.people import People, name_key, no_email_warning
from scheduler.domain.plan.review import is_unresolved
from scheduler.domain.yaml_lines import (
    LineDict,
    LineList,
    load_yaml,
    unknown_key_message,
    unknown_keys,
)

HEADER = """\
# Community Safety Plan, in the form the scheduler reads (edit freely; `csp plan validate`
# checks it). Each action keeps its Timescale text from the plan document; its milestones
# are the dated deadlines reminders are sent for (dates as YYYY-MM-DD). Leads' email
# addresses are not kept here: config/people.yaml maps each lead's name to an address.
"""

# How far outside its period a milestone may fall before it is taken for a typo.
SENSIBLE_MARGIN = timedelta(days=366)

_REF = re.compile(r"^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*$")
_TOP_KEYS = ("name", "period", "priorities", "notes")
_PERIOD_KEYS = ("start", "end")
_PRIORITY_KEYS = ("ref", "title", "lead", "outcomes", "actions")
_LEAD_KEYS = ("name", "title", "organisation")
_LEAD_MISPLACED = {"email": "lead emails belong in people.yaml, not the plan"}
_ACTION_KEYS = (
    "ref",
    "group",
    "action",
    "activity",
    "resources",
    "timescale",
    "milestones",
    "lead_agency",
    "targets",
    "notes",
)
_MILESTONE_KEYS = ("label", "due")


@dataclass(frozen=True)
class PlanLoad:
    """A plan read from YAML, with warnings ("source:line: ...") that do not stop loading."""

    plan: Plan
    warnings: tuple[str, ...]


class _Dumper(yaml.SafeDumper):
    """Block style with indented lists, and multi-line text as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _action_data(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {"ref": action.ref}
    if action.group is not None:
        data["group"] = action.group
    data |= {
        "action": action.action,
        "activity": action.activity,
        "resources": action.resources,
        "timescale": action.timescale,
        "milestones": [{"label": m.label, "due": m.due} for m in action.milestones],
        "lead_agency": action.lead_agency,
        "targets": action.targets,
    }
    if action.notes:
        data["notes"] = list(action.notes)
    return data


def _plan_data(plan: Plan) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": plan.name,
        "period": {"start": plan.period_start, "end": plan.period_end},
    }
    if plan.notes:
        data["notes"] = list(plan.notes)
    data["priorities"] = [
        {
            "ref": priority.ref,
            "title": priority.title,
            "lead": {
                "name": priority.lead.name,
                "title": priority.lead.title,
                "organisation": priority.lead.organisation,
            },
            "outcomes": list(priority.outcomes),
            "actions": [_action_data(action) for action in priority.actions],
        }
        for priority in plan.priorities
    ]
    return data


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=92,
    )


def plan_to_yaml(plan: Plan) -> str:
    """The plan as canonical YAML; load_plan_yaml(plan_to_yaml(plan)) gives the plan back."""
    data = _plan_data(plan)
    body = _dump(data)
    # A blank line between priorities, unless that could change a literal block's text.
    spaced = re.sub(r"(?m)^(  - ref: )", r"\n\1", body).replace("priorities:\n\n", "priorities:\n")
    if yaml.safe_load(spaced) == yaml.safe_load(body):
        body = spaced
    return HEADER + body


def _walk_scalars(node: Node) -> list[ScalarNode]:
    if isinstance(node, ScalarNode):
        return [node]
    children: list[Node] = []
    if isinstance(node, MappingNode):
        for key, value in node.value:
            children += [key, value]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    return [scalar for child in children for scalar in _walk_scalars(child)]


def _unreadable_value_line(text: str) -> int | None:
    """The line of the first scalar YAML cannot turn into a value (e.g. 2011-02-30)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if root is None:
        return None
    for scalar in _walk_scalars(root):
        try:
            yaml.SafeLoader("").construct_object(scalar, deep=True)
        except (ValueError, yaml.YAMLError):
            return scalar.start_mark.line + 1
    return None


def _named(kind: str, value: Any) -> str:
    """ "action 3.1.2" when the mapping has a usable ref, else just "action"."""
    ref = value.get("ref") if isinstance(value, LineDict) else None
    return f"{kind} {ref}" if isinstance(ref, str) and _REF.match(ref) else kind


class _Reader:
    """Reads the YAML into a Plan, collecting every problem rather than stopping at one."""

    def __init__(self, source: str, people: People | None, *, unresolved_ok: bool = False) -> None:
        self.source = source
        self.people = people
        self.unresolved_ok = unresolved_ok
        self.errors: list[PlanError] = []
        self.warnings: list[str] = []
        self.leads_without_email: set[str] = set()  # warned once each
        self.period: tuple[date, date] | None = None
        self.priority_refs: dict[str, int] = {}
        self.action_refs: dict[str, int] = {}

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(PlanError(self.source, line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.source}:{line}: {message}")

    def mapping(
        self,
        value: Any,
        line: int,
        what: str,
        keys: tuple[str, ...],
        required: tuple[str, ...],
        misplaced: dict[str, str] | None = None,
    ) -> LineDict | None:
        if not isinstance(value, LineDict):
            self.error(line, f"{what} must be a mapping with keys {', '.join(required)}")
            return None
        for key in unknown_keys(value, keys):
            message = (misplaced or {}).get(key) or unknown_key_message(key, what, keys)
            self.error(value.line_of(key), message)
        for key in required:
            if key not in value:
                self.error(value.line, f"{what} has no {key}")
        return value

    def text(self, mapping: LineDict, key: str, what: str, *, required: bool = False) -> str:
        value = mapping.get(key)
        if value is None:
            if required and key in mapping:
                self.error(mapping.line_of(key), f"{what} {key} is empty")
            return ""
        if not isinstance(value, str):
            self.error(mapping.line_of(key), f"{what} {key} must be text, not {value!r}")
            return ""
        if required and not value.strip():
            self.error(mapping.line_of(key), f"{what} {key} is empty")
        return value

    def texts(self, mapping: LineDict, key: str, what: str) -> tuple[str, ...]:
        value = mapping.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineList):
            self.error(mapping.line_of(key), f"{what} {key} must be a list")
            return ()
        items: list[str] = []
        for item, line in zip(value, value.item_lines, strict=True):
            if isinstance(item, str):
                items.append(item)
            else:
                self.error(line, f"{what} {key} must be text, not {item!r}")
        return tuple(items)

    def items(self, mapping: LineDict, key: str, what: str) -> list[tuple[Any, int]]:
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.error(mapping.line_of(key), f"{what} {key} must be a list")
            return []
        return list(zip(value, value.item_lines, strict=True))

    def date(self, mapping: LineDict, key: str, what: str) -> date | None:
        value = mapping.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if key in mapping:
            self.error(
                mapping.line_of(key), f"{what} {key} must be a date YYYY-MM-DD, not {value!r}"
            )
        return None

    def ref(self, mapping: LineDict, what: str) -> str:
        value = mapping.get("ref")
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(
                mapping.line_of("ref"), f"{what} ref must be text: write it in quotes, '{value}'"
            )
            return ""
        if not _REF.match(value):
            self.error(mapping.line_of("ref"), f"{what} ref {value!r} is not like 3.1")
        return value

    def read(self, text: str) -> Plan | None:
        try:
            root = load_yaml(text, self.source)
        except LocatedError as exc:
            self.error(exc.line, exc.message)
            return None
        except (ValueError, yaml.YAMLError) as exc:
            self.error(_unreadable_value_line(text), f"unreadable value: {exc}")
            return None
        plan = self.mapping(root, 1, "the plan", _TOP_KEYS, ("name", "period", "priorities"))
        if plan is None:
            return None
        name = self.text(plan, "name", "the plan", required=True)
        self.read_period(plan)
        notes = self.texts(plan, "notes", "the plan")
        priorities = [
            self.priority(value, line) for value, line in self.items(plan, "priorities", "the plan")
        ]
        if "priorities" in plan and not priorities:
            self.error(plan.line_of("priorities"), "the plan has no priorities")
        if self.errors or self.period is None:
            return None
        return Plan(
            name=name,
            period_start=self.period[0],
            period_end=self.period[1],
            priorities=tuple(p for p in priorities if p is not None),
            notes=notes,
        )

    def read_period(self, plan: LineDict) -> None:
        if "period" not in plan:
            return
        period = self.mapping(
            plan["period"], plan.line_of("period"), "period", _PERIOD_KEYS, _PERIOD_KEYS
        )
        if period is None:
            return
        start = self.date(period, "start", "period")
        end = self.date(period, "end", "period")
        if start is None or end is None:
            return
        if end < start:
            self.error(period.line_of("end"), f"period ends ({end}) before it starts ({start})")
            return
        self.period = (start, end)

    def priority(self, value: Any, line: int) -> Priority | None:
        what = _named("priority", value)
        data = self.mapping(value, line, what, _PRIORITY_KEYS, ("ref", "title", "lead"))
        if data is None:
            return None
        ref = self.ref(data, "priority")
        if ref in self.priority_refs:
            first = self.priority_refs[ref]
            self.error(
                data.line_of("ref"), f"priority ref {ref} appears twice (first at line {first})"
            )
        elif ref:
            self.priority_refs[ref] = data.line_of("ref")
        title = self.text(data, "title", what, required=True)
        lead = self.lead(data, what)
        outcomes = self.texts(data, "outcomes", what)
        actions = [
            self.action(item, item_line, ref)
            for item, item_line in self.items(data, "actions", what)
        ]
        if lead is None:
            return None
        return Priority(
            ref=ref,
            title=title,
            lead=lead,
            outcomes=outcomes,
            actions=tuple(a for a in actions if a is not None),
        )

    def lead(self, priority: LineDict, what: str) -> Lead | None:
        if "lead" not in priority:
            return None
        data = self.mapping(
            priority["lead"],
            priority.line_of("lead"),
            f"{what} lead",
            _LEAD_KEYS,
            ("name",),
            _LEAD_MISPLACED,
        )
        if data is None:
            return None
        name = self.text(data, "name", f"{what} lead", required=True)
        email = None
        if self.people is not None and name.strip():
            email = self.people.email_for(name)
            if email is None and name_key(name) not in self.leads_without_email:
                self.leads_without_email.add(name_key(name))
                self.warn(data.line_of("name"), no_email_warning(name, self.people))
        return Lead(
            name=name,
            title=self.text(data, "title", f"{what} lead"),
            organisation=self.text(data, "organisation", f"{what} lead"),
            email=email,
        )

    def action(self, value: Any, line: int, priority_ref: str) -> Action | None:
        what = _named("action", value)
        data = self.mapping(value, line, what, _ACTION_KEYS, ("ref", "action"))
        if data is None:
            return None
        ref = self.ref(data, "action")
        if ref and priority_ref and not re.fullmatch(rf"{re.escape(priority_ref)}\.[0-9]+", ref):
            self.error(
                data.line_of("ref"),
                f"action ref {ref} is not under its priority {priority_ref}"
                f" (expected {priority_ref}.<n>)",
            )
        if ref in self.action_refs:
            first = self.action_refs[ref]
            self.error(
                data.line_of("ref"), f"action ref {ref} appears twice (first at line {first})"
            )
        elif ref:
            self.action_refs[ref] = data.line_of("ref")
        group = self.text(data, "group", what) if data.get("group") is not None else None
        milestones = [
            self.milestone(item, item_line, what)
            for item, item_line in self.items(data, "milestones", what)
        ]
        notes = self.texts(data, "notes", what)
        for note in notes:
            if is_unresolved(note) and not self.unresolved_ok:
                self.error(
                    data.line_of("notes"),
                    f"{what}: {note} (write its milestones, then remove this note)",
                )
        return Action(
            ref=ref,
            action=self.text(data, "action", what, required=True),
            activity=self.text(data, "activity", what),
            resources=self.text(data, "resources", what),
            timescale=self.text(data, "timescale", what),
            lead_agency=self.text(data, "lead_agency", what),
            targets=self.text(data, "targets", what),
            group=group,
            milestones=tuple(m for m in milestones if m is not None),
            notes=notes,
        )

    def milestone(self, value: Any, line: int, what: str) -> Milestone | None:
        data = self.mapping(value, line, f"{what} milestone", _MILESTONE_KEYS, _MILESTONE_KEYS)
        if data is None:
            return None
        label = self.text(data, "label", f"{what} milestone", required=True)
        due = self.date(data, "due", f"{what} milestone")
        if due is None or self.period is None:
            return None
        start, end = self.period
        if not start - SENSIBLE_MARGIN <= due <= end + SENSIBLE_MARGIN:
            self.error(
                data.line_of("due"),
                f"{what} milestone {label!r} due {due} is more than a year outside the plan"
                f" period {start} to {end}",
            )
        elif not start <= due <= end:
            self.warn(
                data.line_of("due"),
                f"{what} milestone {label!r} due {due} is outside the plan period {start} to {end}",
            )
        return Milestone(label=label, due=due)


def check_plan_yaml(
    text: str, source: str, people: People | None = None
) -> tuple[PlanLoad | None, list[PlanError]]:
    """The plan (None when it has errors) and every error, in one reading of the text."""
    reader = _Reader(source, people)
    plan = reader.read(text)
    errors = sorted(reader.errors, key=lambda e: e.line or 0)
    if not errors and plan is None:
        errors = [PlanError(source, None, "no plan found")]
    if errors or plan is None:
        return None, errors
    return PlanLoad(plan=plan, warnings=tuple(reader.warnings)), []


def validate_plan_yaml(text: str, source: str, people: People | None = None) -> list[PlanError]:
    """Every problem in a plan YAML text, in file order (empty when the plan is valid)."""
    reader = _Reader(source, people)
    reader.read(text)
    return sorted(reader.errors, key=lambda e: e.line or 0)


def load_plan_yaml(
    text: str, source: str, people: People | None = None, *, unresolved_ok: bool = False
) -> PlanLoad:
    """Read a plan YAML text; raises the first PlanError in file order (see validate_plan_yaml).

    With `people`, each lead's email is looked up by name and a lead without one is a warning;
    without, emails are left unset and not checked. An action the importer left unresolved is
    an error unless `unresolved_ok` (for comparing versions before they are fixed).
    """
    reader = _Reader(source, people, unresolved_ok=unresolved_ok)
    plan = reader.read(text)
    errors = sorted(reader.errors, key=lambda e: e.line or 0)
    if errors:
        raise errors[0]
    if plan is None:
        raise PlanError(source, None, "no plan found")
    return PlanLoad(plan=plan, warnings=tuple(reader.warnings))
