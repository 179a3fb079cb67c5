"""Agenda packs for the coordinator: which have been built for each meeting, the files to
preview or download, and building (or rebuilding) a pack or its addendum, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from scheduler.adapters.pack_render import PackFiles
from scheduler.domain.audit import AuditEntry
from scheduler.domain.errors import UserError
from scheduler.domain.schedule.meeting import Meeting
from scheduler.services.app import Services
from scheduler.services.pack_timeline import pack_compiled_at
from scheduler.services.packs import build_meeting_pack, pack_folder

SUFFIXES = ("html", "pdf")


@dataclass(frozen=True)
class PackVariant:
    """One of a meeting's packs: the pack or its addendum, public or private."""

    addendum: bool
    private: bool

    @property
    def stem(self) -> str:
        return ("addendum" if self.addendum else "pack") + ("-private" if self.private else "")

    @property
    def label(self) -> str:
        return ("Addendum" if self.addendum else "Pack") + (" (private)" if self.private else "")


VARIANTS = tuple(PackVariant(a, p) for a in (False, True) for p in (False, True))


@dataclass(frozen=True)
class BuiltPack:
    variant: PackVariant
    built_at: datetime  # when its files were last written (UTC)


@dataclass(frozen=True)
class MeetingPacks:
    meeting: Meeting
    built: tuple[BuiltPack, ...]
    sent_at: datetime | None  # when the pack was emailed: an addendum is possible after
    builds: tuple[AuditEntry, ...]  # who built which pack when, from the audit log


def _subject(meeting: date) -> str:
    return f"pack/{meeting.isoformat()}"


def meeting_packs(services: Services) -> list[MeetingPacks]:
    """Every meeting, newest first, with the packs built for it and when the pack went."""
    config = services.config.current()
    found = []
    with services.uow_factory() as uow:
        builds = uow.audit.about([_subject(m.date) for m in config.meetings])
        for meeting in sorted(config.meetings, key=lambda m: m.date, reverse=True):
            built = []
            for variant in VARIANTS:
                pdf = _path(services, meeting.date, variant, "pdf")
                if pdf.is_file():
                    written = datetime.fromtimestamp(pdf.stat().st_mtime, UTC)
                    built.append(BuiltPack(variant, written))
            sent = pack_compiled_at(uow, meeting.date)
            mine = tuple(b for b in builds if b.subject == _subject(meeting.date))
            found.append(MeetingPacks(meeting, tuple(built), sent, mine))
    return found


def _path(services: Services, meeting: date, variant: PackVariant, suffix: str) -> Path:
    folder = pack_folder(services, meeting, addendum=variant.addendum, private=variant.private)
    return folder / f"{variant.stem}.{suffix}"


def pack_file(services: Services, meeting: date, variant: PackVariant, suffix: str) -> Path:
    """A built pack's HTML or PDF file; `UserError` if it has not been built."""
    if suffix not in SUFFIXES:
        raise UserError(f"no pack file .{suffix}")
    path = _path(services, meeting, variant, suffix)
    if not path.is_file():
        raise UserError(f"the {variant.label.lower()} for {meeting:%d %B %Y} is not built yet")
    return path


def build_pack(
    services: Services, meeting: date, variant: PackVariant, now: datetime, by: str
) -> PackFiles:
    """Build (or rebuild) a meeting's pack or addendum from the database as it is now."""
    config = services.config.current()
    if meeting not in {m.date for m in config.meetings}:
        raise UserError(f"no meeting on {meeting.isoformat()}")
    if variant.addendum:
        with services.uow_factory() as uow:
            if pack_compiled_at(uow, meeting) is None:
                raise UserError(
                    f"the pack for {meeting:%d %B %Y} has not been emailed yet: build the pack"
                )
    files = build_meeting_pack(
        services, config, meeting, now, addendum=variant.addendum, private=variant.private
    )
    with services.uow_factory() as uow:
        uow.audit.record(
            now, "pack_built", _subject(meeting), by=by, variant=variant.stem,
            pages=files.page_count,
        )  # fmt: skip
        uow.commit()
    return files
