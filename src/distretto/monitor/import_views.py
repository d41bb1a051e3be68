"""The facilitators' import of indicator values: the registry's two-step import page.

Thin: the upload shows a dry run (nothing written) with the errors by row and
column and the values kept side by side with another source's; the file waits
on the server (``registry/staged_uploads.py``) and the confirmation imports that
same file. The steps are the registry's own (:func:`distretto.registry.views.import_flow`),
with this app's service and page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from distretto.monitor import imports
from distretto.monitor.domain import rows
from distretto.monitor.enums import TerritoryKind, Unit
from distretto.monitor.models import Indicator
from distretto.registry import views as registry_views


def _context() -> dict[str, Any]:
    aliases: dict[str, list[str]] = {}
    for alias, name in rows.ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    return {
        "columns": [(column, aliases.get(column.name, [])) for column in rows.COLUMNS],
        "choices": [
            (_("Kinds of territory"), TerritoryKind.values),
            (_("Units"), Unit.values),
        ],
        "indicators": Indicator.objects.filter(computed=False),
    }


OBSERVATIONS = registry_views.Importer(
    "monitor:import",
    "monitor/import.html",
    imports.ensure_can_import_observations,
    imports.import_observations,
    _context,
    "observations",
)


@require_http_methods(["GET", "POST"])
def import_observations(request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it (POST with ``file``), or import it (POST with ``upload``)."""
    return registry_views.import_flow(request, OBSERVATIONS)
