"""GOV.UK Frontend's files as the app serves them: without the GDS Transport typeface
unless the service is on GOV.UK."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from scheduler.domain.errors import ConfigError
from scheduler.web.app import FRONTEND
from scheduler.web.frontend_assets import TYPEFACE, without_gds_transport
from scheduler.web_settings import web_settings_from_env
from tests.service_harness import SetClock
from tests.web_harness import FORM_TIME, web_client, web_services

CSS = FRONTEND / "govuk-frontend.min.css"
needs_frontend = pytest.mark.skipif(not CSS.is_file(), reason="npm ci has not been run")


def test_the_typeface_is_taken_out_of_rules_and_stacks_and_nothing_else() -> None:
    css = (
        '@font-face{font-family:"GDS Transport";src:url(/assets/fonts/light.woff2)}'
        ".govuk-body{font-family:GDS Transport,arial,sans-serif;color:#0b0c0c}"
        "@font-face{font-family:Other;src:url(other.woff2)}"
    )
    assert without_gds_transport(css) == (
        ".govuk-body{font-family:arial,sans-serif;color:#0b0c0c}"
        "@font-face{font-family:Other;src:url(other.woff2)}"
    )


@needs_frontend
def test_the_shipped_stylesheet_keeps_every_stack_with_arial_first() -> None:
    css = CSS.read_text(encoding="utf-8")
    served = without_gds_transport(css)
    assert TYPEFACE not in served
    assert "/assets/fonts/" not in served
    assert served.count("font-family:arial,sans-serif") == css.count(
        "font-family:GDS Transport,arial,sans-serif"
    )
    assert served.count("{") == served.count("}")


@needs_frontend
def test_the_app_serves_arial_unless_the_service_is_on_govuk(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _, council = web_client(web_services(database_url, tmp_path / "council"), SetClock(FORM_TIME))
    css = council.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert TYPEFACE not in css.get_data(as_text=True)
    assert council.get("/assets/fonts/light-94a07e06a1-v2.woff2").status_code == 404

    govuk_services = web_services(database_url, tmp_path / "govuk", CSP_WEB_GDS_TRANSPORT="yes")
    _, govuk = web_client(govuk_services, SetClock(FORM_TIME))
    assert TYPEFACE in govuk.get("/assets/govuk-frontend.min.css").get_data(as_text=True)
    assert govuk.get("/assets/fonts/light-94a07e06a1-v2.woff2").status_code == 200


def test_the_typeface_setting_is_yes_or_no() -> None:
    assert web_settings_from_env({}).gds_transport is False
    assert web_settings_from_env({"CSP_WEB_GDS_TRANSPORT": "Yes"}).gds_transport is True
    with pytest.raises(ConfigError, match="CSP_WEB_GDS_TRANSPORT must be yes or no"):
        web_settings_from_env({"CSP_WEB_GDS_TRANSPORT": "sometimes"})
