"""The monitor in the back office: facilitators edit indicators, values and the region's
profile. A value's period must be in a stored form and is placed on the time axis when
saved; nothing here overwrites another source's value (each source's value is its own row)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _lazy

from distretto.accounts.admin import FacilitatorOnly
from distretto.monitor.domain.periods import period_start
from distretto.monitor.models import Indicator, Observation, RegionProfile, Snapshot
from distretto.registry.domain.periods import check_period


class ObservationForm(forms.ModelForm):
    source_url = forms.URLField(
        label=_lazy("source link"), required=False, assume_scheme="https", max_length=500
    )

    class Meta:
        model = Observation
        fields = [
            "indicator",
            "territory_kind",
            "territory_code",
            "period",
            "value",
            "qualifier",
            "change_percent",
            "source",
            "source_url",
            "licence",
            "notes",
            "flagged",
        ]

    def clean_period(self) -> str:
        from django.utils.translation import gettext as _

        text = (self.cleaned_data.get("period") or "").strip()
        problem = check_period(text)
        if problem:
            raise forms.ValidationError(_(problem))
        if text and ("/" in text):
            raise forms.ValidationError(
                _("A value belongs to one period: a year, a half, a quarter, a month or a day.")
            )
        return text


@admin.register(Indicator)
class IndicatorAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["name_en", "name_it", "unit", "featured", "computed", "sort_order"]
    list_filter = ["unit", "featured", "computed"]
    search_fields = ["slug", "name_it", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Observation)
class ObservationAdmin(FacilitatorOnly, admin.ModelAdmin):
    form = ObservationForm
    list_display = [
        "indicator",
        "territory_kind",
        "territory_code",
        "period",
        "value",
        "source",
        "flagged",
    ]
    list_filter = ["indicator", "territory_kind", "flagged"]
    search_fields = ["source", "notes", "territory_code"]

    def save_model(self, request: Any, obj: Observation, form: Any, change: bool) -> None:
        obj.period_start = period_start(obj.period)
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RegionProfile)
class RegionProfileAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["nuts_code", "name_en", "updated_at"]
    exclude = ["updated_by"]

    def save_model(self, request: Any, obj: RegionProfile, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Snapshot)
class SnapshotAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["taken_at", "trigger"]
    readonly_fields = ["taken_at", "trigger", "figures"]

    def has_add_permission(self, request: Any, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
