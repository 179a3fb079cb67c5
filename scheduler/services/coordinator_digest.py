"""Queue the coordinator's digest: what needs a person, one email a working day.

The records come from the unit of work and the process (the mail sign-in state, the
configuration's warnings); which of them the day's digest lists is decided in
`scheduler.domain.schedule.coordinator_digest`. The digest is rendered when it is queued and
goes through the outbox like any email: if sending is what is broken, it waits there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scheduler.domain.replies.records import InboundStatus
from scheduler.domain.schedule.coordinator_digest import (
    DayRecords,
    DigestDay,
    NeedsAttention,
    coordinator_digest,
    digest_day,
    digest_items,
)
from scheduler.domain.schedule.outbox import OutboxStatus
from scheduler.services.app import Services
from scheduler.services.compose import EmailContext
from scheduler.services.configuration import Configuration
from scheduler.services.email_rendering import new_outbox_message, rendered, store_rendered
from scheduler.services.unit_of_work import UnitOfWork


def queue_coordinator_digest(services: Services, config: Configuration, now: datetime) -> bool:
    """Queue today's digest if it is due at `now`, not queued yet and has anything to tell;
    whether this call queued it. Its key is the day's, so two daemons queue it once."""
    digest = digest_day(now, config.policy)
    if digest is None:
        return False
    records = services.digest_records
    if records is None or records.day != digest.day:
        with services.uow_factory() as uow:
            records = DayRecords(digest.day, recorded_attention(config, uow, digest))
        services.digest_records = records
    if records.queued:
        return False
    tokens = services.tokens
    attention = replace(
        records.attention,
        config_warnings=config.warnings,
        sign_in_problem=tokens.problem if tokens is not None else None,
    )
    items = digest_items(attention, digest, config.policy)
    coordinator_email = config.coordinator_email(services.settings.coordinator_email)
    coordinator = config.people.coordinator
    notification = coordinator_digest(
        digest, items, coordinator_email, coordinator.name if coordinator else None
    )
    if notification is None:
        return False
    with services.uow_factory() as uow:
        if uow.outbox.has_key(digest.key):  # another daemon, or this one before a restart
            services.digest_records = replace(records, queued=True)
            return False
    message = new_outbox_message(services, notification, now)
    ctx = EmailContext(
        notification=notification,
        lead_name=notification.lead_name or "",
        partnership=config.partnership,
        timezone=config.policy.timezone,
        digest=items,  # no coordinator sign-off: the coordinator is the reader
    )
    message = rendered(services, message, ctx, now)
    # Refused if another daemon queued the day's first.
    added = store_rendered(services, message, items=len(items))
    services.digest_records = replace(records, queued=True)
    return added


def recorded_attention(config: Configuration, uow: UnitOfWork, digest: DigestDay) -> NeedsAttention:
    """Every record the digest rules may list, read in the caller's transaction (the
    process's own state, warnings and the mail sign-in, is added by the caller)."""
    upcoming = [m.date for m in config.meetings if m.date >= digest.day]
    names = {
        person.email.strip().lower(): person.name for person in config.people.people if person.email
    }
    return NeedsAttention(
        failed=uow.outbox.with_status(OutboxStatus.FAILED),
        failing_addresses=uow.inbound.failing_addresses(),
        for_review=uow.inbound.with_status(InboundStatus.REVIEW),
        held=uow.updates.held(),
        away=[notice for day in upcoming for notice in uow.inbound.away_for_meeting(day)],
        names=names,
    )
