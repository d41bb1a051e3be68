"""From the database to the event's documents and downloads (agenda, grid, figures).

Reads what the caller has already been allowed to see (the views check
permission first) and hands plain data to ``documents.py``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from distretto.events import documents, queries, services
from distretto.events.models import Event, Meeting, Registration, ScheduleRun
from distretto.registry.tabular import write_csv, write_xlsx
from distretto.web.downloads import download


def _people(registration: Registration) -> list[str]:
    return [p.full_name for p in registration.people.all()]


def agenda_data(registration: Registration) -> documents.Agenda:
    event = registration.event
    items = []
    for meeting in queries.agenda(registration).prefetch_related(
        "requester__people", "recipient__people"
    ):
        other = meeting.other(registration)
        assert meeting.slot is not None
        items.append(
            documents.AgendaItem(
                starts_at=meeting.slot.starts_at,
                ends_at=meeting.slot.ends_at,
                table=meeting.table,
                with_name=other.organisation.name,
                with_people=", ".join(_people(other)),
                reason=meeting.reason,
                session=meeting.slot.session.name,
                meeting_id=meeting.pk,
            )
        )
    return documents.Agenda(
        event_name=event.name,
        event_slug=event.slug,
        venue=event.venue,
        address=event.address,
        participant_name=registration.organisation.name,
        people=_people(registration),
        items=items,
        generated_at=timezone.now(),
        site_domain=urlsplit(settings.SITE_URL).hostname or "localhost",
    )


def agenda_response(request: HttpRequest, registration: Registration, kind: str) -> HttpResponse:
    data = agenda_data(registration)
    name = f"{registration.event.slug}-{slugify(registration.organisation.name)}"
    if kind == "ics":
        return download(documents.agenda_ical(data), name, "ics")
    return download(documents.agenda_pdf(data), name, "pdf")


def grid_data(event: Event) -> documents.Grid:
    slots = list(queries.slots(event).order_by("starts_at"))
    position = {slot.pk: i for i, slot in enumerate(slots)}
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for meeting in queries.scheduled(event):
        if meeting.slot_id in position and meeting.table:
            cells[(position[meeting.slot_id], meeting.table)] = (
                meeting.requester.organisation.name,
                meeting.recipient.organisation.name,
            )
    days = sorted({timezone.localtime(s.starts_at).date() for s in slots})
    return documents.Grid(
        event_name=event.name,
        venue=event.venue,
        day_label=", ".join(formats.date_format(d, "DATE_FORMAT") for d in days),
        slots=[
            documents.GridSlot(
                label=f"{timezone.localtime(s.starts_at):%H:%M}–{timezone.localtime(s.ends_at):%H:%M}",
                session=s.session.name,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
            )
            for s in slots
        ],
        tables=event.tables,
        cells=cells,
        booths={
            r.booth: r.organisation.name
            for r in event.registrations.exclude(booth=None).select_related("organisation")
            if r.booth is not None
        },
        generated_at=timezone.now(),
    )


def grid_rows(event: Event) -> dict[str, Any]:
    """The grid as the page shows it: a row per slot, a cell per table."""
    data = grid_data(event)
    tables = list(range(1, data.tables + 1))
    return {
        "tables": tables,
        "booths": data.booths,
        "rows": [
            {
                "slot": slot,
                "cells": [data.cells.get((i, table)) for table in tables],
            }
            for i, slot in enumerate(data.slots)
        ],
    }


def organiser_response(request: HttpRequest, event: Event, name: str) -> HttpResponse:
    if name == "grid.pdf":
        return download(documents.grid_pdf(grid_data(event)), f"{event.slug}-grid", "pdf")
    if name == "tables.pdf":
        return download(documents.table_sheets_pdf(grid_data(event)), f"{event.slug}-tables", "pdf")
    if name == "programme.xlsx":
        return download(
            documents.programme_xlsx(grid_data(event)), f"{event.slug}-programme", "xlsx"
        )
    if name in ("statistics.csv", "statistics.xlsx"):
        figures = services.statistics(request.user, event, timezone.now())
        header = [_("Group"), _("Item"), _("Number")]
        rows = services.statistics_rows(figures)
        if name.endswith(".csv"):
            content = write_csv(header, [[str(v) for v in row] for row in rows])
            return download(content, f"{event.slug}-statistics", "csv")
        content = write_xlsx(header, [list(row) for row in rows], title=_("Statistics"))
        return download(content, f"{event.slug}-statistics", "xlsx")
    raise Http404(_("No such file."))


def describe_changes(run: ScheduleRun) -> dict[str, Any]:
    """A run's changes with the meetings named, for its page."""
    changes = run.changes or {}
    ids = {m["meeting"] for m in changes.get("moved", [])}
    ids |= set(changes.get("added", [])) | set(changes.get("dropped", []))
    ids |= {u["meeting"] for u in changes.get("unscheduled", [])}
    meetings = {
        m.pk: m
        for m in Meeting.objects.filter(pk__in=ids).select_related(
            "requester__organisation", "recipient__organisation"
        )
    }
    slots = {s.pk: s for s in queries.slots(run.event)}

    def named(pk: int) -> str:
        meeting = meetings.get(pk)
        return str(meeting) if meeting else f"#{pk}"

    def place(pair: list[int]) -> str:
        slot = slots.get(pair[0])
        when = f"{timezone.localtime(slot.starts_at):%H:%M}" if slot is not None else f"#{pair[0]}"
        return _("%(time)s, table %(table)s") % {"time": when, "table": pair[1]}

    return {
        "moved": [
            {"meeting": named(m["meeting"]), "from": place(m["from"]), "to": place(m["to"])}
            for m in changes.get("moved", [])
        ],
        "added": [named(pk) for pk in changes.get("added", [])],
        "dropped": [named(pk) for pk in changes.get("dropped", [])],
        "unscheduled": [
            {"meeting": named(u["meeting"]), "reason": u["reason"]}
            for u in changes.get("unscheduled", [])
        ],
        "kept": changes.get("kept", 0),
        "idle_gaps": changes.get("idle_gaps"),
    }
