"""Start-up loads only what a command uses: `csp --help` and the daemon's wiring stay light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """The top-level packages loaded by a fresh interpreter running `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_the_command_line_loads_no_database_mail_or_document_library_to_show_its_help() -> None:
    loaded = _modules_after(
        "from scheduler.cli.main import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    assert "click" in loaded  # the probe did load the command line
    heavy = {"sqlalchemy", "alembic", "msal", "requests", "weasyprint", "docx", "openpyxl"}
    assert loaded & (heavy | {"pdfplumber", "holidays", "imapclient", "jinja2"}) == set()


def test_the_daemons_wiring_loads_neither_alembic_nor_msal_without_oauth(tmp_path: Path) -> None:
    database = tmp_path / "csp.sqlite3"
    loaded = _modules_after(
        "from scheduler.adapters.database import make_engine, upgrade_schema\n"
        f"upgrade_schema(make_engine('sqlite:///{database}'))\n"
        "import sys\n"
        "for name in [m for m in sys.modules if m.startswith(('alembic', 'msal', 'requests'))]:\n"
        "    del sys.modules[name]\n"
        "from scheduler.services.app import build_services\n"
        "from scheduler.settings import settings_from_env\n"
        f"build_services(settings_from_env({{'CSP_DATABASE_URL': 'sqlite:///{database}', "
        f"'CSP_CONFIG_DIR': '{ROOT / 'config'}', 'CSP_DATA_DIR': '{tmp_path}'}}))"
    )
    assert "sqlalchemy" in loaded  # the services were wired
    assert loaded & {"alembic", "msal", "requests"} == set()


# Loaded by a job or command when it runs, never by the daemon's start-up and a quiet tick:
# the template engine (the first email rendered), the holidays package (the start-up check's
# child process works out the bank holidays), the IMAP client (a configured mailbox), reading
# replies (the inbox poll), importing plan documents, packs, the web app and OAuth.
_NOT_AT_START = {
    "jinja2",
    "holidays",
    "dateutil",
    "imapclient",
    "imaplib",
    "weasyprint",
    "openpyxl",
    "docx",
    "pdfplumber",
    "msal",
    "requests",
    "flask",
    "alembic",
}
_OUR_MODULES_NOT_AT_START = {
    "scheduler.services.mailbox",
    "scheduler.services.inbox",
    "scheduler.services.reply_recording",
    "scheduler.domain.replies.inbound",
    "scheduler.domain.plan.document",
    "scheduler.importing",
    "scheduler.adapters.imap_mailbox",
    "scheduler.adapters.pack_render",
    "scheduler.web",
}


def test_the_idle_daemon_loads_no_template_engine_holidays_or_reply_rules(tmp_path: Path) -> None:
    """`csp run`'s start-up as it runs it (the check before start, the services, the jobs)
    and its first tick, on a quiet morning of the plan year: the rules ask about bank
    holidays, and nothing is due, so nothing is rendered."""
    database = f"sqlite:///{tmp_path / 'csp.sqlite3'}"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from scheduler.adapters.database import make_engine, upgrade_schema\n"
            f"upgrade_schema(make_engine({database!r}))",
        ],
        cwd=ROOT,
        check=True,
    )
    probe = (
        "from datetime import UTC, date, datetime\n"
        "from jobs import reminders\n"
        "from scheduler.clock import ElapsedClock\n"
        "from scheduler.daemon import build_scheduler\n"
        "from scheduler.domain.schedule import holiday_data\n"
        "from scheduler.services.app import build_services\n"
        "from scheduler.services.start_check import check_before_start\n"
        "from scheduler.settings import settings_from_env\n"
        f"settings = settings_from_env({{'CSP_DATABASE_URL': {database!r}, "
        f"'CSP_CONFIG_DIR': {str(ROOT / 'config')!r}, 'CSP_DATA_DIR': {str(tmp_path)!r}}})\n"
        "assert not check_before_start(settings, date(2011, 4, 4)).errors\n"
        "clock = ElapsedClock(datetime(2011, 4, 4, 9, 0, tzinfo=UTC))\n"
        "services = build_services(settings)\n"
        "build_scheduler(services, clock)\n"
        "report = reminders.tick(services, clock)\n"
        "assert report.queued == 0 and report.delivery.sent == 0, report\n"
        "assert holiday_data.public_holidays('GB', 'ENG', 2011), 'the rules had no holidays'\n"
        "import sys\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert "apscheduler.schedulers.blocking" in loaded  # the probe did wire the daemon
    assert {name.split(".")[0] for name in loaded} & _NOT_AT_START == set()
    packages = tuple(f"{name}." for name in _OUR_MODULES_NOT_AT_START)
    assert loaded & _OUR_MODULES_NOT_AT_START == set()
    assert {name for name in loaded if name.startswith(packages)} == set()


def test_reading_one_reply_loads_neither_the_schedule_nor_packs_nor_a_database() -> None:
    message = ROOT / "tests" / "fixtures" / "mail" / "ours" / "outlook_desktop_top_posted.eml"
    probe = (
        "import os, sys, contextlib, io\n"
        f"os.environ['CSP_CONFIG_DIR'] = {str(ROOT / 'config')!r}\n"
        "from scheduler.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    main(['inbox', 'parse', {str(message)!r}])\n"
        "assert 'classification: reply' in out.getvalue(), out.getvalue()\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert "scheduler.domain.replies.reading" in loaded  # the probe did read the reply
    assert {name.split(".")[0] for name in loaded} & {"sqlalchemy", "jinja2", "holidays"} == set()
    slow = (
        "scheduler.services.configuration",
        "scheduler.domain.schedule.",
        "scheduler.domain.pack.",
    )
    assert {name for name in loaded if name.startswith(slow)} == set()
