"""Back office for taxonomies, their codes, and municipalities (facilitators only)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from distretto.accounts.admin import FacilitatorOnly
from distretto.taxonomy.models import Code, Municipality, Taxonomy

# Autocomplete widgets whose codes come from one taxonomy only:
# (app label, model name, field name) -> taxonomy slug.
AUTOCOMPLETE_TAXONOMY = {
    ("registry", "tie", "process_step"): "process_step",
}


@admin.register(Taxonomy)
class TaxonomyAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["slug", "name_it", "name_en", "hierarchical", "is_filter", "sort_order"]
    list_filter = ["hierarchical", "is_filter"]
    search_fields = ["slug", "name_it", "name_en"]
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Code)
class CodeAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["code", "label_it", "label_en", "taxonomy", "parent", "level"]
    list_filter = ["taxonomy"]
    list_select_related = ["taxonomy", "parent"]
    search_fields = ["code", "label_it", "label_en"]
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["taxonomy", "code", "label_it", "label_en"]}),
        (_("Hierarchy"), {"fields": ["parent", "level", "sort_order"]}),
        (_("Source"), {"fields": ["source"]}),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Code], search_term: str
    ) -> tuple[QuerySet[Code], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Django's autocomplete view names the field it fills; a tie's process step
        # is offered only the process-step codes, not every EMDN or ATECO code.
        key = (
            request.GET.get("app_label"),
            request.GET.get("model_name"),
            request.GET.get("field_name"),
        )
        taxonomy_slug = AUTOCOMPLETE_TAXONOMY.get(key)  # type: ignore[arg-type]
        if taxonomy_slug:
            queryset = queryset.filter(taxonomy__slug=taxonomy_slug)
        return queryset, may_have_duplicates

    def get_queryset(self, request: HttpRequest) -> QuerySet[Code]:
        return super().get_queryset(request).select_related("taxonomy")


@admin.register(Municipality)
class MunicipalityAdmin(FacilitatorOnly, admin.ModelAdmin):
    list_display = ["istat_code", "name", "province", "nuts3", "latitude", "longitude"]
    list_filter = ["province"]
    search_fields = ["istat_code", "name"]
