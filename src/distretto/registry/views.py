"""Registry pages: the facilitators' organisation import and the directory export.

Thin: parse the request, call one service, render. The import is two steps:
the upload shows a dry run (nothing written) and keeps the file on the server;
the confirmation imports that same file.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from distretto.registry import imports, staged_uploads
from distretto.registry.domain import import_rows
from distretto.registry.enums import OrganisationKind, StaffBand, Status, TurnoverBand
from distretto.registry.forms import ImportConfirmForm, ImportUploadForm

TEMPLATE = "registry/import.html"


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("form", ImportUploadForm())
    context.setdefault("export_formats", imports.EXPORT_FORMATS)
    context["columns"] = import_rows.COLUMNS
    context["choices"] = [
        (_("Kinds"), OrganisationKind.values),
        (_("Staff bands"), StaffBand.values),
        (_("Turnover bands (EUR million)"), TurnoverBand.values),
        (_("Statuses"), Status.values),
    ]
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "POST"])
def import_organisations(request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it (POST with ``file``), or import it (POST with ``upload``)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    imports.ensure_can_import(request.user)
    if request.method == "GET":
        return _page(request)
    if "upload" in request.POST:
        return _confirm(request)
    return _preview(request)


def _preview(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    upload = form.cleaned_data["file"]
    content = upload.read()
    skip = form.cleaned_data["skip_bad_rows"]
    result = imports.import_organisations(request.user, content, dry_run=True, skip_bad_rows=skip)
    confirm = None
    if not result.fatal:
        token = staged_uploads.stage(request.session, content)
        confirm = ImportConfirmForm(initial={"upload": token, "skip_bad_rows": skip})
    return _page(
        request,
        form=ImportUploadForm(initial={"skip_bad_rows": skip}),
        result=result,
        filename=upload.name,
        confirm_form=confirm,
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    content = None
    if form.is_valid():
        content = staged_uploads.load(request.session, form.cleaned_data["upload"])
    if content is None:
        return _page(
            request,
            expired=_("This upload is no longer available; choose the file again."),
        )
    token = form.cleaned_data["upload"]
    skip = form.cleaned_data["skip_bad_rows"]
    result = imports.import_organisations(request.user, content, skip_bad_rows=skip)
    if result.written:
        staged_uploads.discard(request.session, token)
        return _page(request, result=result, done=True)
    return _page(
        request,
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
