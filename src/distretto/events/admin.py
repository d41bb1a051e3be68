"""Brokerage events in the back office: a read-only view for facilitators.

Events are set up and run on their own pages (``/events/``), where every change
goes through ``services.py`` and its checks; the back office lists and searches
them and links each event to its pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from distretto.accounts.admin import FacilitatorReadOnly
from distretto.events.models import Event, Meeting, Registration, ScheduleRun

ReadOnly = FacilitatorReadOnly


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "starts_on", "venue", "status", "pages"]
    list_filter = ["status"]
    search_fields = ["name", "venue"]

    @admin.display(description=_("pages"))
    def pages(self, event: Event) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            event.get_absolute_url(),
            _("event"),
            event.get_absolute_url() + "manage/",
            _("run the event"),
        )


@admin.register(Registration)
class RegistrationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["organisation", "event", "participation_type", "status", "max_meetings"]
    list_filter = ["status", "event"]
    search_fields = ["organisation__name"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "event", "status", "priority", "slot", "table"]
    list_filter = ["status", "event"]
    search_fields = ["requester__organisation__name", "recipient__organisation__name"]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["event", "created_at", "status", "scheduled", "requests", "objective"]
    list_filter = ["status"]
