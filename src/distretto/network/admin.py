"""Saved scenarios in the back office: facilitators see and delete them (they are run and
saved from the scenarios page or the command line, never edited by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from distretto.accounts.admin import FacilitatorOnly
from distretto.network.models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["name", "kind", "area", "result", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
