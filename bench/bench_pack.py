"""How long the agenda pack takes to render, and how much memory it needs.

Run: .venv/bin/python bench/bench_pack.py
Targets: the Lancaster pack under 3 s; a generated pack of about 200 pages under 30 s.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from domain_examples import lancaster_plan  # noqa: E402
from pack_examples import TEMPLATES, appendix_pdf, at, december_input  # noqa: E402

from scheduler.adapters.pack_render import PackFiles, render_pack  # noqa: E402
from scheduler.domain.pack.content import PackAttachment, PackInput  # noqa: E402
from scheduler.domain.pack.statistics import Indicator, Observation, Quarter  # noqa: E402
from scheduler.domain.plan.model import Action, Lead, Plan, Priority  # noqa: E402
from scheduler.domain.replies.progress import ActionUpdate, Status  # noqa: E402

PRIORITIES = 14
ACTIONS_PER_PRIORITY = 14
APPENDICES = 8
APPENDIX_PAGES = 10
SENTENCE = (
    "The multi-agency group met twice this quarter and reviewed referrals, training and the "
    "campaign calendar; partners agreed the next steps and the resources each will commit. "
)


def large_input() -> PackInput:
    """A pack of many priorities and actions, long commentary, indicators and PDF appendices."""
    base = december_input()
    template = lancaster_plan().priorities[0].actions[3]
    priorities = tuple(
        Priority(
            ref=f"{p}.1",
            title=f"Key priority {p}: reduce harm in the district",
            lead=Lead(f"Lead {p}", organisation="Partner agency"),
            outcomes=("Reduce repeat incidents", "Increase reporting"),
            actions=tuple(
                replace(template, ref=f"{p}.1.{a}", group=None)
                for a in range(1, ACTIONS_PER_PRIORITY + 1)
            ),
        )
        for p in range(1, PRIORITIES + 1)
    )
    plan = Plan(
        "Generated plan", base.plan.period_start, base.plan.period_end, priorities=priorities
    )
    actions: list[Action] = [action for _, action in plan.actions()]
    statuses = list(Status)
    updates = tuple(
        ActionUpdate(
            ref=action.ref,
            status=statuses[index % len(statuses)],
            text="\n\n".join(SENTENCE * (1 + index % 3) for _ in range(2)),
            received_at=at(1, 12) - timedelta(days=index % 90),
            sender=f"Lead {index % PRIORITIES + 1}",
        )
        for index, action in enumerate(actions)
        if index % 7
    )
    indicators = tuple(
        Indicator(
            name=f"Indicator {p}.{n}",
            priority_ref=f"{p}.1",
            lower_is_better=n % 2 == 0,
            observations=tuple(
                Observation(Quarter(2010 + q // 4, q % 4 + 1), 40 + (q * 7 + n) % 23, 45)
                for q in range(7)
            ),
        )
        for p in range(1, PRIORITIES + 1)
        for n in range(1, 4)
    )
    payload = appendix_pdf(APPENDIX_PAGES, "Generated appendix")
    attachments = tuple(
        PackAttachment(f"report-{n}.pdf", "application/pdf", payload, f"Lead {n}", f"{n}.1.1")
        for n in range(1, APPENDICES + 1)
    )
    return replace(
        base,
        plan=plan,
        updates=updates,
        replied_leads=frozenset(f"Lead {n}" for n in range(1, PRIORITIES, 2)),
        away_leads={},
        completed_milestones=frozenset(),
        statistics=indicators,
        attachments=attachments,
    )


def timed(label: str, pack: PackInput, out_dir: Path) -> PackFiles:
    started = time.perf_counter()
    files = render_pack(pack, out_dir, TEMPLATES)
    seconds = time.perf_counter() - started
    size_kb = files.pdf_path.stat().st_size / 1024
    print(f"{label}: {files.page_count} pages, {seconds:.2f} s, PDF {size_kb:,.0f} KB")
    return files


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    lancaster = december_input()
    large = large_input()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        timed("warm-up (fonts, templates)", lancaster, out / "warm")
        timed("Lancaster pack (target < 3 s)", lancaster, out / "lancaster")
        after_lancaster = peak_rss_mb()
        timed("Generated pack (target < 30 s)", large, out / "large")
    print(f"peak memory (max RSS) after the Lancaster pack: {after_lancaster:,.0f} MB")
    print(f"peak memory (max RSS) after the generated pack: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
