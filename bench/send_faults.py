"""Sending under faults, measured on real daemons: a database outage, a SIGTERM, and kill -9.

Three scenarios, each with `csp run` daemons sending a plan's update requests to the chaos
sink (`chaos_sink.py`), which records every message it takes and when:

- `outage`: one daemon, --leads update requests due at once. When the sink has taken some
  tens, the database goes away for --outage-seconds (PostgreSQL: its backends are ended
  again and again; SQLite: another connection holds the write lock). From the moment it
  returns, the seconds until the sink takes the next message (target: 60). Then the outbox
  drains, and missing and duplicated leads are counted.
- `sigterm`: one daemon, the same plan. SIGTERM once sending is under way: the seconds until
  the process exits (target: 10), its exit code, whether it logged `stopped` as its last
  event, and what the sink took after the signal. Then the daemon starts again and drains.
- `duplicates`: chaos_send's round with kill -9 only (no outages, no SMTP faults) on SQLite
  and on PostgreSQL with the same number of kills: duplicates per kill on each.

One line per scenario and database, e.g.

    scenario=outage backend=postgresql first_after_return_s=1.4 missing=0 duplicates=0 ...
    scenario=sigterm backend=sqlite exit_s=0.6 exit_code=0 stopped_logged=yes ...

The exit status is 1 when a target is missed or a lead got nothing.

    .venv/bin/python bench/send_faults.py [--scenario outage sigterm duplicates]
        [--backend both] [--leads 600] [--outage-seconds 45] [--chaos-leads 300]
        [--kills 20] [--quick] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos_databases import ChaosDatabase  # noqa: E402
from bench.chaos_send import (  # noqa: E402
    QUICK,
    ZONE,
    Chaos,
    Daemon,
    Figures,
    Options,
    Round,
    add_postgres_url_option,
    chaos_database,
    daemon_env,
    figures,
    run_round,
    wait_until_drained,
    work_folder,
    write_config,
)
from bench.chaos_sink import ChaosSink, Delivery, read_deliveries  # noqa: E402

RETURN_TARGET = 60.0  # seconds from the database's return to the next message taken
EXIT_TARGET = 10.0  # seconds from SIGTERM to the process's exit
OUTAGE_KIND = {"postgresql": "terminate", "sqlite": "lock"}


@dataclass(frozen=True)
class Sizes:
    leads: int = 600
    under_way: int = 40  # messages the sink has taken before the fault strikes
    outage_seconds: float = 45.0
    sink_delay: float = 0.03  # seconds the sink takes over each message
    deadline: float = 900.0  # seconds for a scenario's outbox to drain, from the start
    exit_wait: float = 60.0  # seconds a SIGTERM is given before SIGKILL ends the measure
    chaos_leads: int = 300
    kills: int = 20
    seed: int = 1
    keep: bool = False


QUICK_SIZES = Sizes(
    leads=150, under_way=20, outage_seconds=15.0, deadline=420.0, chaos_leads=40, kills=3
)


@dataclass(frozen=True)
class Outcome:
    """One scenario on one database: its line, and whether it met its targets."""

    line: str
    passed: bool
    details: tuple[str, ...] = ()


# One daemon on a fresh database, sending to the sink.


@dataclass(frozen=True)
class _Setup:
    folder: Path
    db: ChaosDatabase
    sink: ChaosSink
    daemon: Daemon
    leads: int
    started: float  # monotonic

    def taken(self) -> list[Delivery]:
        return [d for d in read_deliveries(self.sink.record_path) if d.taken]

    def count(self) -> Figures:
        """Missing and duplicated leads, as chaos_send counts them."""
        deliveries = read_deliveries(self.sink.record_path)
        return figures(self.leads, self.db.outbox() or [], deliveries, Chaos(), 0.0)

    def drain(self, deadline: float) -> bool:
        """Wait until every update request is settled, `deadline` seconds from the start."""
        return wait_until_drained(
            [self.daemon], self.db, Chaos(), self.leads, self.started + deadline
        )


@contextmanager
def _one_daemon(backend: str, sizes: Sizes, postgres_url: str) -> Iterator[_Setup]:
    with (
        work_folder(sizes.keep) as folder,
        chaos_database(backend, folder, postgres_url) as db,
    ):
        config = write_config(folder, sizes.leads, datetime.now(ZONE).date())
        with ChaosSink(folder / "sink.sqlite3", delay=sizes.sink_delay) as sink:
            env = daemon_env(config, folder / "data", db.daemon_url, sink)
            daemon = Daemon("daemon-1", env, folder)
            daemon.start()
            try:
                yield _Setup(folder, db, sink, daemon, sizes.leads, time.monotonic())
            finally:
                daemon.stop()


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    gives_up = time.monotonic() + seconds
    while time.monotonic() < gives_up:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _under_way(setup: _Setup, sizes: Sizes) -> bool:
    """Wait until the sink has taken `under_way` messages (the first tick queues them all)."""
    return _wait_for(lambda: len(setup.taken()) >= sizes.under_way, sizes.deadline)


def _events(log: Path) -> tuple[list[dict[str, Any]], int]:
    """The daemon's JSON log events, in order, and how many lines were not JSON."""
    events, plain = [], 0
    for line in log.read_text("utf-8", errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            plain += 1
    return events, plain


def _kept(setup: _Setup, sizes: Sizes) -> list[str]:
    return [f"  kept: {setup.folder} (daemon-1.log, sink.sqlite3)"] if sizes.keep else []


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.1f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


# The scenarios.


def outage(backend: str, sizes: Sizes, postgres_url: str) -> Outcome:
    """The database away for `outage_seconds` mid-batch; how soon sending resumes after."""
    kind = OUTAGE_KIND[backend]
    with _one_daemon(backend, sizes, postgres_url) as setup:
        if not _under_way(setup, sizes):
            return Outcome(f"scenario=outage backend={backend} never_under_way=yes", False)
        load = _load()
        before = len(setup.taken())
        went = time.time()
        setup.db.outage(kind, sizes.outage_seconds)
        returned = time.time()

        def next_taken() -> float | None:
            after = [d.at for d in setup.taken() if d.at >= returned]
            return min(after) - returned if after else None

        _wait_for(lambda: next_taken() is not None, sizes.deadline)
        first = next_taken()
        drained = setup.drain(sizes.deadline)
        taken = setup.taken()
        during = sum(1 for d in taken if went <= d.at < returned)
        counted = setup.count()
        events, plain = _events(setup.daemon.log)
    paused = sum(1 for e in events if e.get("event") == "sending_paused")
    late = sum(1 for e in events if e.get("event") == "sent_recorded_late")
    passed = first is not None and first <= RETURN_TARGET and drained and counted.missing == 0
    return Outcome(
        f"scenario=outage backend={backend} first_after_return_s={_seconds(first)} "
        f"missing={counted.missing} duplicates={counted.duplicates} "
        f"outage={kind}:{returned - went:.0f}s taken_before={before} taken_during={during} "
        f"drained={_yes(drained)} load={load}",
        passed,
        (
            f"  copies={counted.copies} sent={counted.sent} received={counted.received} "
            f"sending_paused={paused} sent_recorded_late={late} plain_log_lines={plain}",
            *_kept(setup, sizes),
        ),
    )


def sigterm(backend: str, sizes: Sizes, postgres_url: str) -> Outcome:
    """SIGTERM mid-batch: how soon the process exits, and what it did meanwhile."""
    with _one_daemon(backend, sizes, postgres_url) as setup:
        if not _under_way(setup, sizes):
            return Outcome(f"scenario=sigterm backend={backend} never_under_way=yes", False)
        load = _load()
        process = setup.daemon.process
        assert process is not None
        asked = time.time()
        clock = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code: int | None = process.wait(timeout=sizes.exit_wait)
        except subprocess.TimeoutExpired:
            setup.daemon.kill()
            code = None
        exit_s = time.monotonic() - clock
        after_term = sum(1 for d in setup.taken() if d.at > asked)
        events, plain = _events(setup.daemon.log)
        setup.daemon.start()  # the next start sends what the stop gave back
        drained = setup.drain(sizes.deadline)
        counted = setup.count()
    names = [e.get("event") for e in events]
    stopped = "stopped" in names
    last = bool(names) and names[-1] == "stopped"
    released = sum(int(e.get("count", 0)) for e in events if e.get("event") == "claims_released")
    passed = (
        exit_s <= EXIT_TARGET
        and code == 0
        and stopped
        and last
        and drained
        and counted.missing == 0
    )
    return Outcome(
        f"scenario=sigterm backend={backend} exit_s={exit_s:.1f} "
        f"exit_code={'killed' if code is None else code} stopped_logged={_yes(stopped)} "
        f"stopped_last={_yes(last)} sent_after_term={after_term} "
        f"missing={counted.missing} duplicates={counted.duplicates} "
        f"drained={_yes(drained)} load={load}",
        passed,
        (
            f"  claims_released={released} copies={counted.copies} sent={counted.sent} "
            f"received={counted.received} plain_log_lines={plain}",
            *_kept(setup, sizes),
        ),
    )


def duplicates(
    backends: Sequence[str], sizes: Sizes, postgres_url: str, quick: bool
) -> Iterator[Outcome]:
    """chaos_send's round with kill -9 alone, on each database: duplicates per kill, each
    database's line as its round ends, then the two side by side."""
    base = QUICK if quick else Options()
    options = replace(
        base,
        leads=sizes.chaos_leads,
        kills=sizes.kills,
        outages=0,
        faults_each=0,
        deadline=sizes.deadline,
        seed=sizes.seed,
        keep=sizes.keep,
    )
    rates: dict[str, float] = {}
    for backend in backends:
        load = _load()
        result = run_round(backend, options, postgres_url)
        rates[backend] = result.figures.duplicates / max(result.figures.kills, 1)
        yield Outcome(
            _duplicates_line(result, load),
            result.drained and result.figures.passed,
            tuple(f"  {line}" for line in result.report()),
        )
    if {"sqlite", "postgresql"} <= rates.keys():
        sqlite, postgresql = rates["sqlite"], rates["postgresql"]
        ratio = f"{sqlite / postgresql:.1f}" if postgresql else ("inf" if sqlite else "none")
        yield Outcome(
            f"scenario=duplicates sqlite_per_kill={rates['sqlite']:.3f} "
            f"postgresql_per_kill={rates['postgresql']:.3f} sqlite_over_postgresql={ratio}",
            True,
        )


def _duplicates_line(result: Round, load: str) -> str:
    counted, chaos = result.figures, result.chaos
    per_kill = counted.duplicates / max(counted.kills, 1)
    per_hit = counted.duplicates / max(chaos.kills_holding_claims, 1)
    return (
        f"scenario=duplicates backend={result.backend} daemons={result.daemons} "
        f"leads={result.options.leads} {counted.line()} "
        f"kills_holding_claims={chaos.kills_holding_claims} "
        f"duplicates_per_kill={per_kill:.3f} duplicates_per_kill_holding_claims={per_hit:.3f} "
        f"drained={_yes(result.drained)} seconds={result.seconds:.0f} load={load}"
    )


SCENARIOS = ("outage", "sigterm", "duplicates")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--leads", type=int, help="leads for outage and sigterm (600)")
    parser.add_argument("--outage-seconds", type=float, help="database outage (45)")
    parser.add_argument("--chaos-leads", type=int, help="leads for duplicates (300)")
    parser.add_argument("--kills", type=int, help="kill -9 per database for duplicates (20)")
    parser.add_argument("--deadline", type=float, help="seconds for each outbox to drain (900)")
    parser.add_argument("--seed", type=int, help="seed for the kills' moments (1)")
    parser.add_argument("--quick", action="store_true", help="150 leads, 15 s outage, 3 kills")
    parser.add_argument("--keep", action="store_true", help="keep work folders and daemon logs")
    add_postgres_url_option(parser)
    args = parser.parse_args(argv)
    sizes = _sizes(args)
    backends = ("postgresql", "sqlite") if args.backend == "both" else (args.backend,)
    print(f"load_average={' '.join(f'{n:.2f}' for n in os.getloadavg())}", flush=True)
    passed = True
    for scenario in args.scenario:
        outcomes: Iterable[Outcome]
        if scenario == "duplicates":
            outcomes = duplicates(backends[::-1], sizes, args.postgres_url, args.quick)
        else:
            run = outage if scenario == "outage" else sigterm
            outcomes = (run(backend, sizes, args.postgres_url) for backend in backends)
        for outcome in outcomes:  # each printed as soon as it is measured
            print("\n".join([outcome.line, *outcome.details]), flush=True)
            passed = passed and outcome.passed
    return 0 if passed else 1


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = QUICK_SIZES if args.quick else Sizes()
    given = {
        name: getattr(args, name)
        for name in ("leads", "outage_seconds", "chaos_leads", "kills", "deadline", "seed")
        if getattr(args, name) is not None
    }
    return replace(sizes, keep=args.keep, **given)


if __name__ == "__main__":
    sys.exit(main())
