"""The audit log in the back office: read-only, for facilitators.

Imported from ``AccountsConfig.ready``. Each entry's page shows its change as a table
of the fields, with the values before and after; a record's own page in the back
office links to its entries ("Audit log", beside "History").
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from distretto.accounts.admin import FacilitatorReadOnly
from distretto.accounts.models import AuditEntry


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _field_label(model_label: str, name: str) -> str:
    try:
        model = apps.get_model(model_label)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def change_rows(entry: AuditEntry) -> list[tuple[str, str, str, bool]]:
    """(field label, before, after, changed) for each field of the entry."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    names = list(dict.fromkeys([*before, *after]))
    rows = []
    for name in names:
        old = _shown(before.get(name)) if name in before else ""
        new = _shown(after.get(name)) if name in after else ""
        rows.append((_field_label(entry.model, name), old, new, old != new))
    return rows


# What an entry shows, all read only.
ENTRY_FIELDS = (
    "at",
    "actor",
    "actor_label",
    "action",
    "model",
    "object_id",
    "object_repr",
    "changes",
)


@admin.register(AuditEntry)
class AuditEntryAdmin(FacilitatorReadOnly, admin.ModelAdmin):
    """Facilitators read the log; nobody adds, changes or deletes an entry here."""

    list_display = ["at", "actor_label", "action", "model", "object_id", "object_repr"]
    list_filter = ["action", "model", "at"]
    search_fields = ["object_id", "actor_label", "object_repr"]
    date_hierarchy = "at"
    list_select_related = False
    show_full_result_count = False
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS  # nothing in the log can be changed

    @admin.display(description=_("changes"))
    def changes(self, entry: AuditEntry) -> SafeString:
        rows = change_rows(entry)
        if not rows:
            return format_html("<p>{}</p>", _("No values recorded."))
        body = format_html_join(
            "",
            '<tr{}><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
            (
                (format_html(' class="{}"', "changed") if changed else "", label, old, new)
                for label, old, new, changed in rows
            ),
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("field"),
            _("before"),
            _("after"),
            body,
        )
