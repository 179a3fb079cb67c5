"""Chaos for the send path: real daemons, killed and starved, must send every email once.

A plan of --leads priority leads is written with one meeting 20 days ahead, so each lead's
update request is already due and the daemons' first tick queues them all. The daemons
(`csp run`, two on PostgreSQL, one on SQLite) send to a loopback sink that records every
message it takes. Meanwhile the harness kills a daemon with SIGKILL --kills times and starts
it again, takes the database away, and makes the sink refuse a connection, answer 421 or 451
to DATA, or drop the connection after taking a message. Then it waits until every outbox row
is sent, failed or skipped, or --deadline passes, and prints per database:

    kills=20 sent=300 received=300 duplicates=2 missing=0 resend_window=2

A duplicate is a lead who got more than one copy. It is inside the resend window, which the
service documents (the message was taken but not yet marked sent), when all copies carry one
Message-ID and the first was taken shortly (--window seconds) before a kill, during a
database outage, or by a connection the sink dropped after DATA. The exit status is 1 when a
lead got nothing or a duplicate falls outside that window.

    .venv/bin/python bench/chaos_send.py [--backend both] [--leads 300] [--kills 20]
        [--seed N] [--deadline 900] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos_databases import (  # noqa: E402
    SETTLED,
    ChaosDatabase,
    OutboxState,
    postgres_database,
    sqlite_database,
)
from bench.chaos_sink import FAULTS, ChaosSink, Delivery, read_deliveries  # noqa: E402
from scheduler.services.configuration import read_configuration  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ZONE = ZoneInfo("Europe/London")
MEETING_DAYS_AHEAD = 20  # the 28-day update request is due; chasers (14, 10 days) are not
COORDINATOR = "coordinator@chaos.example.org"
SENDER = "csp-updates@chaos.example.org"


@dataclass(frozen=True)
class Options:
    leads: int = 300
    kills: int = 20
    outages: int = 6
    faults_each: int = 3  # how many times each SMTP fault is armed
    daemons: int = 2  # on PostgreSQL; SQLite runs one
    seed: int = 1
    deadline: float = 900.0  # seconds per database, from the first daemon's start
    window: float = 2.0
    gap: tuple[float, float] = (0.2, 1.0)  # seconds between two chaos actions
    aim: tuple[float, float] = (0.0, 0.6)  # seconds from seeing work in hand to the action
    idle_wait: float = 30.0  # longest wait for work in hand before acting all the same
    outage_seconds: tuple[float, float] = (1.0, 4.0)
    sink_delay: float = 0.03  # seconds the sink takes over each message
    keep: bool = False


QUICK = Options(
    leads=40, kills=3, outages=1, faults_each=1, deadline=360.0, idle_wait=5.0, sink_delay=0.1
)


# The configuration folder.


def lead_address(number: int) -> str:
    return f"lead{number:03d}@chaos.example.org"


def write_config(folder: Path, leads: int, today: date) -> Path:
    """A configuration with `leads` priorities, each led by its own person, one meeting ahead."""
    config = folder / "config"
    (config / "plans").mkdir(parents=True)
    (config / "plans" / "chaos.yaml").write_text(_plan_yaml(leads, today), encoding="utf-8")
    (config / "people.yaml").write_text(_people_yaml(leads), encoding="utf-8")
    (config / "meetings.yaml").write_text(
        _meetings_yaml(today + timedelta(days=MEETING_DAYS_AHEAD)), encoding="utf-8"
    )
    (config / "policy.yaml").write_text((ROOT / "config" / "policy.yaml").read_text("utf-8"))
    read_configuration(config)  # a mistake here is the harness's: stop before any daemon runs
    return config


def _plan_yaml(leads: int, today: date) -> str:
    lines = [
        "name: Chaos Plan",
        "period:",
        f"  start: {today - timedelta(days=180)}",
        f"  end: {today + timedelta(days=180)}",
        "priorities:",
    ]
    for n in range(1, leads + 1):
        lines += [
            f"  - ref: '{n}'",
            f"    title: Priority {n}",
            "    lead:",
            f"      name: Lead {n:03d}",
            "      title: ''",
            "      organisation: Chaos Partnership",
            "    actions:",
            f"      - ref: '{n}.1'",
            f"        action: Report on priority {n}",
        ]
    return "\n".join(lines) + "\n"


def _people_yaml(leads: int) -> str:
    lines = ["coordinator:", "  name: Coordinator", f"  email: {COORDINATOR}", "people:"]
    for n in range(1, leads + 1):
        lines += [f"  Lead {n:03d}:", f"    email: {lead_address(n)}"]
    return "\n".join(lines) + "\n"


def _meetings_yaml(day: date) -> str:
    return (
        "timezone: Europe/London\nmeetings:\n"
        f"  - date: {day.isoformat()}\n"
        '    time: "10:00"\n'
        "    place: Chaos Hall\n"
        "    title: Chaos Partnership\n"
    )


# The daemons.


class Daemon:
    """One `csp run` slot: started, killed and started again, its output kept in one log."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self._env = env
        self._folder = folder
        self._log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        # The name it claims outbox rows under, as its `started` event gives it.
        self.worker: str | None = None
        self._log_from = 0

    def start(self) -> None:
        self._log_from = self._log.stat().st_size if self._log.exists() else 0
        self.worker = None
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli.main", "run"],
                cwd=self._folder,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    @property
    def log(self) -> Path:
        """Everything every start of this slot wrote, JSON lines in order."""
        return self._log

    def is_up(self) -> bool:
        """Running, and past its start: it has logged `started`, naming its worker."""
        if self.process is None or self.process.poll() is not None:
            return False
        if self.worker is None:
            self.worker = _started_worker(self._log, self._log_from)
        return self.worker is not None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM; SIGKILL if it has not stopped within 15 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def _started_worker(log: Path, offset: int) -> str | None:
    """The worker named by the first `started` event in `log` after `offset`, if any yet."""
    with open(log, "rb") as lines:
        lines.seek(offset)
        for line in lines:
            if b'"event": "started"' in line:
                return str(json.loads(line)["worker"])
    return None


def daemon_env(config: Path, data: Path, database_url: str, sink: ChaosSink) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CSP_")}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",  # the harness reads the log to see a daemon has started
        "CSP_DATABASE_URL": database_url,
        "CSP_CONFIG_DIR": str(config),
        "CSP_DATA_DIR": str(data),
        "CSP_SMTP_HOST": sink.host,
        "CSP_SMTP_PORT": str(sink.port),
        "CSP_SMTP_SECURITY": "none",
        "CSP_TICK_SECONDS": "1",
        "CSP_FROM_ADDRESS": SENDER,
        "CSP_REPLY_TO": SENDER,
        "CSP_COORDINATOR_EMAIL": COORDINATOR,
        "CSP_LOG_FORMAT": "json",
    }


# What happened, and what it adds up to.


@dataclass(frozen=True)
class Incident:
    """A moment (or span) after which a taken message may not have been marked sent."""

    kind: str
    start: float
    end: float

    def explains(self, taken_at: float, window: float) -> bool:
        return self.start - window <= taken_at <= self.end


@dataclass
class Chaos:
    """What the harness did during one round."""

    kills: int = 0
    kills_holding_claims: int = 0
    restarts_after_exit: int = 0
    outages: Counter[str] = field(default_factory=Counter)
    incidents: list[Incident] = field(default_factory=list)
    actions_left: int = 0


@dataclass(frozen=True)
class Figures:
    kills: int
    sent: int
    received: int
    duplicates: int
    missing: int
    resend_window: int
    copies: int  # every copy beyond the first, over all leads
    undrained: int

    @property
    def outside_window(self) -> int:
        return self.duplicates - self.resend_window

    @property
    def passed(self) -> bool:
        return self.missing == 0 and self.outside_window == 0

    def line(self) -> str:
        return (
            f"kills={self.kills} sent={self.sent} received={self.received} "
            f"duplicates={self.duplicates} missing={self.missing} "
            f"resend_window={self.resend_window}"
        )


def figures(
    leads: int,
    outbox: Sequence[OutboxState],
    deliveries: Sequence[Delivery],
    chaos: Chaos,
    window: float,
) -> Figures:
    """Add up what the sink took against the leads and the incidents the harness caused."""
    taken: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        if delivery.taken:
            for recipient in delivery.recipients:
                taken.setdefault(recipient, []).append(delivery)
    expected = {lead_address(n) for n in range(1, leads + 1)}
    incidents = chaos.incidents + [
        Incident("drop_after_data", d.at, d.at)
        for d in deliveries
        if d.outcome == "drop_after_data"
    ]
    duplicated = {address: copies for address, copies in taken.items() if len(copies) > 1}
    in_window = sum(
        1 for copies in duplicated.values() if _in_resend_window(copies, incidents, window)
    )
    updates = [row for row in outbox if row.key.startswith("update_request/")]
    return Figures(
        kills=chaos.kills,
        sent=sum(1 for row in updates if row.status == "sent"),
        received=len({d.message_id for copies in taken.values() for d in copies}),
        duplicates=len(duplicated),
        missing=len(expected - taken.keys()),
        resend_window=in_window,
        copies=sum(len(copies) - 1 for copies in duplicated.values()),
        undrained=leads - sum(1 for row in updates if row.status in SETTLED),
    )


def _in_resend_window(
    copies: Sequence[Delivery], incidents: Sequence[Incident], window: float
) -> bool:
    """One message taken again because its first taking may have gone unrecorded."""
    if len({copy.message_id for copy in copies}) > 1:
        return False  # two different messages: not a resend of one
    first = min(copy.at for copy in copies)
    return any(incident.explains(first, window) for incident in incidents)


# One round: a database, its daemons, the chaos, the count.


@dataclass(frozen=True)
class Round:
    """One database's run: its figures and what the harness did to get them."""

    backend: str
    daemons: int
    options: Options
    figures: Figures
    chaos: Chaos
    faults_struck: dict[str, int]
    drained: bool
    seconds: float
    undrained: str  # what had not drained, when it had not
    kept: Path | None

    def report(self) -> list[str]:
        """The figures line, with a header and the details under it."""
        options, result, chaos = self.options, self.figures, self.chaos
        outages = ",".join(f"{kind}:{n}" for kind, n in sorted(chaos.outages.items())) or "none"
        faults = ",".join(f"{fault}:{n}" for fault, n in self.faults_struck.items())
        lines = [
            f"backend={self.backend} daemons={self.daemons} leads={options.leads} "
            f"seed={options.seed} seconds={self.seconds:.0f} "
            f"drained={'yes' if self.drained else 'no'}",
            result.line(),
            f"  outside_window={result.outside_window} copies={result.copies} "
            f"undrained={result.undrained} kills_holding_claims={chaos.kills_holding_claims} "
            f"restarts_after_exit={chaos.restarts_after_exit} actions_left={chaos.actions_left}",
            f"  outages={outages} faults_struck={faults}",
        ]
        if not self.drained:
            lines.append(f"  not drained: {self.undrained}")
        if self.kept is not None:
            lines.append(f"  kept: {self.kept} (daemon logs, sink.sqlite3)")
        return lines


def run_round(backend: str, options: Options, postgres_url: str) -> Round:
    """Run the chaos on one database ("sqlite" or "postgresql") until it drains or times out."""
    rng = random.Random(f"{options.seed}/{backend}")
    with work_folder(options.keep) as folder, chaos_database(backend, folder, postgres_url) as db:
        config = write_config(folder, options.leads, datetime.now(ZONE).date())
        with ChaosSink(folder / "sink.sqlite3", delay=options.sink_delay) as sink:
            env = daemon_env(config, folder / "data", db.daemon_url, sink)
            count = options.daemons if backend == "postgresql" else 1
            daemons = [Daemon(f"daemon-{n + 1}", env, folder) for n in range(count)]
            started = time.monotonic()
            try:
                chaos = _unleash(daemons, db, sink, options, rng, started)
                deadline = started + options.deadline
                drained = wait_until_drained(daemons, db, chaos, options.leads, deadline)
                seconds = time.monotonic() - started
            finally:
                for daemon in daemons:
                    daemon.stop()
            struck = sink.hits
        outbox = db.outbox() or []
        deliveries = read_deliveries(folder / "sink.sqlite3")
        return Round(
            backend=backend,
            daemons=count,
            options=options,
            figures=figures(options.leads, outbox, deliveries, chaos, options.window),
            chaos=chaos,
            faults_struck=struck,
            drained=drained,
            seconds=seconds,
            undrained="" if drained else _undrained_summary(outbox, options.leads),
            kept=folder if options.keep else None,
        )


@contextmanager
def work_folder(keep: bool) -> Iterator[Path]:
    """A fresh folder for a round's configuration, logs and sink record; `keep` keeps it."""
    if keep:
        yield Path(tempfile.mkdtemp(prefix="csp-chaos-"))
        return
    with tempfile.TemporaryDirectory(prefix="csp-chaos-") as name:
        yield Path(name)


@contextmanager
def chaos_database(backend: str, folder: Path, postgres_url: str) -> Iterator[ChaosDatabase]:
    """A migrated database for `backend` ("sqlite" in `folder`, or "postgresql")."""
    if backend == "sqlite":
        with sqlite_database(folder) as sqlite:
            yield sqlite
    else:
        with postgres_database(postgres_url) as postgres:
            yield postgres


def _plan_actions(options: Options, db: ChaosDatabase, rng: random.Random) -> list[str]:
    """The actions in the order they will be taken (the list is popped from the end).

    A kill comes first, in the middle of the first batch; then one fault of each kind, while
    most of the outbox is still to send, so that each strikes before it drains; the rest
    come in random order.
    """
    kinds = db.outage_kinds
    outages = [f"outage:{kinds[n % len(kinds)]}" for n in range(options.outages)]
    first = [f"fault:{fault}" for fault in FAULTS] if options.faults_each else []
    faults = [f"fault:{fault}" for fault in FAULTS for _ in range(options.faults_each - 1)]
    opening = ["kill"] if options.kills else []
    rest = ["kill"] * (options.kills - len(opening)) + outages + faults
    rng.shuffle(first)
    rng.shuffle(rest)
    return list(reversed([*opening, *first, *rest]))


def _unleash(
    daemons: list[Daemon],
    db: ChaosDatabase,
    sink: ChaosSink,
    options: Options,
    rng: random.Random,
    started: float,
) -> Chaos:
    """Start the daemons, then carry out the planned actions at random moments.

    Each action waits (up to `idle_wait`; the first kill as long as it takes) for a daemon to
    hold claims, then comes a random moment (`aim`) later; a kill picks one of the daemons
    holding claims, or any daemon when the wait ran out.
    """
    chaos = Chaos()
    for daemon in daemons:
        daemon.start()
    actions = _plan_actions(options, db, rng)
    outage: threading.Thread | None = None
    while actions and time.monotonic() < started + options.deadline:
        time.sleep(rng.uniform(*options.gap))
        _restart_exited(daemons, chaos)
        # The first kill must find a daemon mid-batch, however long the start takes.
        first_kill = actions[-1] == "kill" and chaos.kills == 0
        patience = options.deadline if first_kill else options.idle_wait
        busy = _wait_for_work_in_hand(daemons, db, options.leads, patience)
        if busy is None:
            break
        time.sleep(rng.uniform(*options.aim))
        action = actions.pop()
        if action == "kill":
            _kill(rng.choice(busy or daemons), db, chaos, rng)
        elif action.startswith("fault:"):
            sink.arm(action.removeprefix("fault:"))  # type: ignore[arg-type]
        else:
            if outage is not None:
                outage.join()
            outage = _start_outage(db, action.removeprefix("outage:"), options, rng, chaos)
    if outage is not None:
        outage.join()
    chaos.actions_left = len(actions)
    return chaos


def _wait_for_work_in_hand(
    daemons: Sequence[Daemon], db: ChaosDatabase, leads: int, seconds: float
) -> list[Daemon] | None:
    """The daemons holding claims, as soon as there are any, or [] after `seconds` (a stalled
    outbox is chaos's moment too); None once the outbox has drained."""
    gives_up = time.monotonic() + seconds
    while time.monotonic() < gives_up:
        outbox = db.outbox()
        if drained(outbox, leads):
            return None
        claimers = {row.claimed_by for row in outbox or () if row.status == "sending"}
        busy = [daemon for daemon in daemons if daemon.is_up() and daemon.worker in claimers]
        if busy:
            return busy
        time.sleep(0.1)
    return []


def _aware(moment: datetime) -> datetime:
    """The database hands back UTC; SQLite's without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _kill(daemon: Daemon, db: ChaosDatabase, chaos: Chaos, rng: random.Random) -> None:
    """SIGKILL, then a start again after a moment; counted, and noted as an incident."""
    if daemon.exited():
        daemon.start()
        return
    worker = daemon.worker
    holding = any(row.claimed_by == worker and row.status == "sending" for row in db.outbox() or ())
    daemon.kill()
    moment = time.time()
    chaos.kills += 1
    chaos.kills_holding_claims += holding
    chaos.incidents.append(Incident("kill", moment, moment))
    time.sleep(rng.uniform(0.0, 1.0))
    daemon.start()


def _start_outage(
    db: ChaosDatabase, kind: str, options: Options, rng: random.Random, chaos: Chaos
) -> threading.Thread:
    seconds = rng.uniform(*options.outage_seconds)

    def run() -> None:
        start = time.time()
        db.outage(kind, seconds)
        chaos.incidents.append(Incident(f"outage:{kind}", start, time.time()))
        chaos.outages[kind] += 1

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _restart_exited(daemons: Sequence[Daemon], chaos: Chaos) -> None:
    """A daemon that stopped by itself (it could not start, say) is started again."""
    for daemon in daemons:
        if daemon.exited():
            chaos.restarts_after_exit += 1
            daemon.start()


def drained(outbox: Sequence[OutboxState] | None, leads: int) -> bool:
    """Every lead's update request is in the outbox and sent, failed or skipped."""
    if outbox is None:
        return False
    settled = [
        row for row in outbox if row.key.startswith("update_request/") and row.status in SETTLED
    ]
    return len(settled) == leads


def wait_until_drained(
    daemons: Sequence[Daemon], db: ChaosDatabase, chaos: Chaos, leads: int, deadline: float
) -> bool:
    """Whether the outbox drained before `deadline` (monotonic); a daemon that exits by
    itself meanwhile is started again."""
    while time.monotonic() < deadline:
        if drained(db.outbox(), leads):
            return True
        _restart_exited(daemons, chaos)
        time.sleep(0.5)
    return drained(db.outbox(), leads)


def _undrained_summary(outbox: Sequence[OutboxState], leads: int) -> str:
    updates = [row for row in outbox if row.key.startswith("update_request/")]
    waiting = [row for row in updates if row.status not in SETTLED]
    by_status = Counter(row.status for row in waiting)
    parts = [f"{status}={n}" for status, n in sorted(by_status.items())]
    parts.append(f"never_queued={leads - len(updates)}")
    leases = [row.lease_until for row in waiting if row.status == "sending" and row.lease_until]
    if leases:
        parts.append(f"leases_until={_clock(min(leases))}..{_clock(max(leases))}")
    retries = [row.send_after for row in waiting if row.status == "pending" and row.send_after]
    if retries:
        parts.append(f"retries_after={_clock(min(retries))}..{_clock(max(retries))}")
    parts.append(f"now={_clock(datetime.now(UTC))}")
    return " ".join(parts)


def _clock(moment: datetime) -> str:
    return _aware(moment).astimezone(UTC).strftime("%H:%M:%S")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--leads", type=int, help="priority leads in the plan (300)")
    parser.add_argument("--kills", type=int, help="daemon kills (SIGKILL) per database (20)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the chaos's choices")
    parser.add_argument("--deadline", type=float, help="seconds per database (900)")
    parser.add_argument("--window", type=float, help="resend window in seconds (2)")
    parser.add_argument("--quick", action="store_true", help="40 leads, 3 kills, one of each")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    add_postgres_url_option(parser)
    args = parser.parse_args(argv)
    options = _options(args)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    passed = True
    for backend in backends:
        result = run_round(backend, options, args.postgres_url)
        print("\n".join(result.report()), flush=True)
        passed = passed and result.figures.passed
    return 0 if passed else 1


def add_postgres_url_option(parser: argparse.ArgumentParser) -> None:
    """`--postgres-url`: the server PostgreSQL rounds run on, each in a schema of its own."""
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CSP_BENCH_DATABASE_URL") or DEFAULT_POSTGRES,
        help="server for the PostgreSQL rounds (CSP_BENCH_DATABASE_URL)",
    )


def _options(args: argparse.Namespace) -> Options:
    options = replace(QUICK if args.quick else Options(), seed=args.seed, keep=args.keep)
    given = {
        name: getattr(args, name)
        for name in ("leads", "kills", "deadline", "window")
        if getattr(args, name) is not None
    }
    return replace(options, **given)


if __name__ == "__main__":
    sys.exit(main())
