"""The replies mailbox: fetch what is waiting, record each message, move it out when stored;
and the nightly purge of raw messages past their retention."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scheduler.events import log_event

if TYPE_CHECKING:
    from scheduler.services.app import Services


@dataclass(frozen=True)
class PollReport:
    fetched: int = 0
    processed: int = 0
    review: int = 0
    error: str | None = None


# Messages stored and processed per transaction: a poll of a busy morning goes in a few.
INGEST_BATCH = 100


def poll_mailbox(services: Services, now: datetime) -> PollReport:
    """Fetch new messages; store and process them a batch at a time; then move them out."""
    # Here rather than at the top, so the nightly purge does not load the reply rules.
    from scheduler.adapters.imap_mailbox import MailboxError
    from scheduler.services.email_rendering import render_queued
    from scheduler.services.inbox import ingest_all
    from scheduler.services.reminders import deliver_queued

    if services.open_mailbox is None:
        return PollReport(error="no mailbox configured (CSP_IMAP_HOST or CSP_MAIL_PROVIDER)")
    fetched = processed = review = 0
    try:
        with services.open_mailbox() as mailbox:
            mailbox.ensure_folders()
            waiting = mailbox.fetch_new()
            for start in range(0, len(waiting), INGEST_BATCH):
                if services.sender.stopping.is_set():
                    break
                batch = waiting[start : start + INGEST_BATCH]
                fetched += len(batch)
                try:
                    results = ingest_all(services, [m.raw for m in batch], now)
                except Exception as exc:  # e.g. the database is down: leave them in the inbox
                    log_event(
                        "inbound_not_stored",
                        logging.ERROR,
                        uids=[m.uid for m in batch],
                        error=repr(exc),
                        retry="next poll",
                    )
                    continue
                for message, result in zip(batch, results, strict=True):
                    folder = (
                        mailbox.review_folder if result.needs_review else mailbox.processed_folder
                    )
                    # Stored and committed above: only now may it leave the inbox.
                    mailbox.move(message.uid, folder, uidvalidity=message.uidvalidity)
                    review += result.needs_review
                    processed += not result.needs_review
    except MailboxError as exc:
        log_event("mailbox_unavailable", logging.WARNING, reason=exc.reason, retry="next poll")
        return PollReport(fetched, processed, review, exc.reason)
    if fetched:
        log_event("inbox_polled", fetched=fetched, processed=processed, review=review)
        config = services.config.current()
        render_queued(services, config, now)
        deliver_queued(services, config, now)
    return PollReport(fetched, processed, review)


def purge_raw_messages(services: Services, now: datetime) -> int:
    """Drop raw messages older than CSP_RAW_RETENTION_DAYS; the extracted updates stay."""
    cutoff = now - timedelta(days=services.settings.raw_retention_days)
    with services.uow_factory() as uow:
        purged = uow.inbound.purge_raw_before(cutoff, now)
        uow.commit()
    if purged:
        log_event("raw_messages_purged", count=purged, before=cutoff.date().isoformat())
    return purged
