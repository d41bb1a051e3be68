"""Registry pages: the facilitators' imports (organisations, ties) and the directory export.

Thin: parse the request, call one service, render. An import is two steps:
the upload shows a dry run (nothing written) and keeps the file on the server;
the confirmation imports that same file. Organisations and ties go through the
same two steps, each with its own service and page (see :class:`Importer`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from distretto.registry import imports, staged_uploads, tie_imports
from distretto.registry.domain import import_rows, tie_rows
from distretto.registry.enums import OrganisationKind, StaffBand, Status, TieKind, TurnoverBand
from distretto.registry.forms import ImportConfirmForm, ImportUploadForm


@dataclass(frozen=True)
class Importer:
    """One kind of import: its service, its page and what the page explains."""

    url_name: str
    template: str
    ensure_allowed: Callable[[Any], None]
    run: Callable[..., Any]  # (user, content, *, dry_run=, skip_bad_rows=) -> a result
    context: Callable[[], dict[str, Any]]
    planned: str  # the result's list of what the file creates (shown, and needed to import)


def _organisation_context() -> dict[str, Any]:
    return {
        "export_formats": imports.EXPORT_FORMATS,
        "columns": import_rows.COLUMNS,
        "choices": [
            (_("Kinds"), OrganisationKind.values),
            (_("Staff bands"), StaffBand.values),
            (_("Turnover bands (EUR million)"), TurnoverBand.values),
            (_("Statuses"), Status.values),
        ],
    }


def _tie_context() -> dict[str, Any]:
    aliases: dict[str, list[str]] = {}
    for alias, name in tie_rows.ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    return {
        "columns": [(column, aliases.get(column.name, [])) for column in tie_rows.COLUMNS],
        "choices": [(_("Types"), TieKind.values)],
    }


ORGANISATIONS = Importer(
    "registry:import",
    "registry/import.html",
    imports.ensure_can_import,
    imports.import_organisations,
    _organisation_context,
    "organisations",
)
TIES = Importer(
    "registry:import_ties",
    "registry/import_ties.html",
    tie_imports.ensure_can_import_ties,
    tie_imports.import_ties,
    _tie_context,
    "ties",
)


def _page(request: HttpRequest, importer: Importer, **context: Any) -> HttpResponse:
    context.setdefault("form", ImportUploadForm())
    context.update(importer.context())
    context["import_url_name"] = importer.url_name
    if context.get("result") is not None:
        context["planned"] = getattr(context["result"], importer.planned, [])
    return render(request, importer.template, context)


@require_http_methods(["GET", "POST"])
def import_organisations(request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it (POST with ``file``), or import it (POST with ``upload``)."""
    return import_flow(request, ORGANISATIONS)


@require_http_methods(["GET", "POST"])
def import_ties(request: HttpRequest) -> HttpResponse:
    """The same two steps for ties between organisations already in the registry."""
    return import_flow(request, TIES)


def import_flow(request: HttpRequest, importer: Importer) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    importer.ensure_allowed(request.user)
    if request.method == "GET":
        return _page(request, importer)
    if "upload" in request.POST:
        return _confirm(request, importer)
    return _preview(request, importer)


def _preview(request: HttpRequest, importer: Importer) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, importer, form=form)
    upload = form.cleaned_data["file"]
    content = upload.read()
    skip = form.cleaned_data["skip_bad_rows"]
    result = importer.run(request.user, content, dry_run=True, skip_bad_rows=skip)
    confirm = None
    if not result.fatal:
        token = staged_uploads.stage(request.session, content)
        confirm = ImportConfirmForm(initial={"upload": token, "skip_bad_rows": skip})
    return _page(
        request,
        importer,
        form=ImportUploadForm(initial={"skip_bad_rows": skip}),
        result=result,
        filename=upload.name,
        confirm_form=confirm,
    )


def _confirm(request: HttpRequest, importer: Importer) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    content = None
    if form.is_valid():
        content = staged_uploads.load(request.session, form.cleaned_data["upload"])
    if content is None:
        return _page(
            request,
            importer,
            expired=_("This upload is no longer available; choose the file again."),
        )
    token = form.cleaned_data["upload"]
    skip = form.cleaned_data["skip_bad_rows"]
    result = importer.run(request.user, content, skip_bad_rows=skip)
    if result.written:
        staged_uploads.discard(request.session, token)
        return _page(request, importer, result=result, done=True)
    return _page(
        request,
        importer,
        result=result,
        confirm_form=ImportConfirmForm(initial={"upload": token, "skip_bad_rows": skip}),
    )


@require_GET
def export_organisations(request: HttpRequest) -> HttpResponse:
    """The directory as the visitor may see it, as ``?format=csv|xlsx|json`` (csv by default)."""
    try:
        export = imports.export_organisations(request.user, request.GET.get("format", "csv"))
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename) or ""
    return response
