"""Saved searches in the back office: facilitators can see and pause them (to stop e-mails)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from distretto.accounts.admin import FacilitatorOnly
from distretto.alerts.models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["name", "owner", "frequency", "active", "created_at", "last_sent_at"]
    list_filter = ["frequency", "active"]
    search_fields = ["name", "owner__username", "owner__email"]
    readonly_fields = ["owner", "params", "seen", "created_at", "last_sent_at"]
    fields = [
        "name",
        "owner",
        "frequency",
        "active",
        "params",
        "seen",
        "created_at",
        "last_sent_at",
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Searches are saved from the search page, by their owner.
        return False
