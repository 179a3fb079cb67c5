"""Fixtures for OAuth sign-in: the test authorization server and a dovecot that asks it.

`oauth_server` is the session's OAuthTestServer (tests/oauth_server.py), reset before each
test; `oauth_dovecot` a dovecot whose oauth2 passdb validates bearer tokens at that server's
introspection endpoint, emptied before each test; `oauth_settings` the OAuthSettings that
reach the server with the shared test application's secret.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.mail_settings import OAuthSettings
from tests.dovecot import USER, DovecotServer, running_dovecot
from tests.oauth_server import CLIENT_ID, CLIENT_SECRET, TENANT, OAuthTestServer


@pytest.fixture(scope="session")
def oauth_server_session() -> Iterator[OAuthTestServer]:
    folder = Path(tempfile.mkdtemp(prefix="csp-oauth-"))
    try:
        with OAuthTestServer(folder, mailbox=USER) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def oauth_server(oauth_server_session: OAuthTestServer) -> Iterator[OAuthTestServer]:
    oauth_server_session.reset()
    yield oauth_server_session
    oauth_server_session.reset()
    if not oauth_server_session._servers:  # a test stopped the token endpoint
        oauth_server_session.start()


@pytest.fixture(scope="session")
def oauth_dovecot_session(oauth_server_session: OAuthTestServer) -> Iterator[DovecotServer]:
    yield from running_dovecot(oauth_server_session.introspection_url)


@pytest.fixture
def oauth_dovecot(oauth_dovecot_session: DovecotServer) -> DovecotServer:
    oauth_dovecot_session.clear()
    return oauth_dovecot_session


@pytest.fixture
def oauth_settings(oauth_server: OAuthTestServer) -> OAuthSettings:
    return OAuthSettings(
        client_id=CLIENT_ID,
        tenant_id=TENANT,
        client_secret=CLIENT_SECRET,
        token_url=oauth_server.token_url,
        ca_file=str(oauth_server.ca.ca_cert),
        timeout=5.0,
    )
