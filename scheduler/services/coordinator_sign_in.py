"""The coordinator signs in to the web app with a one-time link emailed to them.

Only addresses people.yaml lists for the coordinator (theirs and their delegates') get a
link; it works once, for 15 minutes, and at most three are sent to an address in any 15
minutes. The link goes through the outbox like every other email; only a hash of its token
is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from scheduler.domain.errors import ConfigError
from scheduler.domain.schedule.notification import Notification, NotificationKind
from scheduler.services.app import Services
from scheduler.services.compose import EmailContext
from scheduler.services.configuration import Configuration
from scheduler.services.email_rendering import new_outbox_message, rendered

LINK_LIFETIME = timedelta(minutes=15)
LINKS_PER_LIFETIME = 3


def coordinator_addresses(config: Configuration) -> frozenset[str]:
    """The addresses that may sign in: the coordinator's in people.yaml, and their delegates'."""
    coordinator = config.people.coordinator
    if coordinator is None:
        return frozenset()
    listed = (coordinator.email, *coordinator.delegates)
    return frozenset(a.casefold() for a in listed if a)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_sign_in_link(services: Services, address: str, now: datetime) -> bool:
    """Queue a sign-in link for `address` if it is the coordinator's and under the limit.

    Whether one was queued is for the log and tests only: the page says the same either way,
    so it tells nobody which addresses are the coordinator's.
    """
    base_url = services.settings.web.base_url
    if base_url is None:
        raise ConfigError("environment", None, "CSP_BASE_URL must be set to email sign-in links")
    config = services.config.current()
    wanted = address.strip().casefold()
    with services.uow_factory() as uow:
        if wanted not in coordinator_addresses(config):
            uow.audit.record(now, "sign_in_refused", wanted[:300], reason="not the coordinator")
            uow.commit()
            return False
        if uow.sign_in_links.issued_since(wanted, now - LINK_LIFETIME) >= LINKS_PER_LIFETIME:
            uow.audit.record(now, "sign_in_refused", wanted, reason="too many links")
            uow.commit()
            return False
    token = secrets.token_urlsafe(32)
    hashed = token_hash(token)
    notification = Notification(
        key=f"sign_in_link/{wanted}/{hashed[:16]}",
        kind=NotificationKind.SIGN_IN_LINK,
        send_at=now,
        to=(wanted,),
    )
    coordinator = config.people.coordinator
    ctx = EmailContext(
        notification=notification,
        lead_name=coordinator.name if coordinator else "",
        partnership=config.partnership,
        timezone=config.policy.timezone,
        web_link=f"{base_url}/sign-in/{token}",
    )
    message = rendered(services, new_outbox_message(services, notification, now), ctx, now)
    with services.uow_factory() as uow:
        uow.sign_in_links.add(hashed, wanted, now, now + LINK_LIFETIME)
        uow.outbox.add_new(message)
        uow.audit.record(now, "sign_in_link_sent", wanted)
        uow.commit()
    return True


def use_sign_in_link(services: Services, token: str, now: datetime) -> str | None:
    """The coordinator's address if the link is unused and unexpired (it is used up now)."""
    with services.uow_factory() as uow:
        address = uow.sign_in_links.use(token_hash(token), now)
        if address is None:
            uow.audit.record(now, "sign_in_refused", token_hash(token)[:16], reason="link")
        else:
            uow.audit.record(now, "signed_in", address, method="link")
        uow.commit()
    return address
