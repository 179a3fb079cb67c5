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
