"""The send path under chaos, in short: real daemons killed with SIGKILL, the database taken
away, the SMTP server refusing a connection, answering 421 and 451 to DATA, and dropping the
line after taking a message. Every lead still gets the update request, and gets it twice
only inside the window the delivery service documents (taken by the server, not yet marked
sent).

`bench/chaos_send.py --quick` is the same run by hand; without --quick it is the long one.
SQLite always (one daemon); PostgreSQL too (two daemons) when CSP_TEST_DATABASE_URL is set.
A round lasts about four minutes even when all is well: a killed daemon's claims wait for
its lease to run out, and a refused connection or a 451 puts messages back by the first
retry delays (a minute, then two).
"""

from __future__ import annotations

import os
import sys

import pytest

from bench.chaos_send import QUICK, Round, run_round
from bench.chaos_sink import FAULTS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def chaos_round(request: pytest.FixtureRequest) -> Round:
    """One quick chaos round per database, shared by the tests below."""
    base_url = os.environ.get("CSP_TEST_DATABASE_URL") or None
    if request.param == "postgresql" and base_url is None:
        pytest.skip("CSP_TEST_DATABASE_URL is not set; PostgreSQL variant not run")
    return run_round(request.param, QUICK, base_url or "")


def _report(chaos_round: Round) -> str:
    return "\n".join(chaos_round.report())


def test_the_chaos_strikes_as_planned(chaos_round: Round) -> None:
    assert chaos_round.chaos.actions_left == 0, _report(chaos_round)
    assert chaos_round.figures.kills == QUICK.kills, _report(chaos_round)
    assert sum(chaos_round.chaos.outages.values()) == QUICK.outages, _report(chaos_round)
    assert all(chaos_round.faults_struck[fault] >= 1 for fault in FAULTS), _report(chaos_round)


def test_every_lead_gets_the_update_request(chaos_round: Round) -> None:
    assert chaos_round.figures.missing == 0, _report(chaos_round)


def test_a_lead_gets_a_second_copy_only_inside_the_resend_window(chaos_round: Round) -> None:
    assert chaos_round.figures.outside_window == 0, _report(chaos_round)
