"""The district report as a page or a PDF download (public: it holds public figures only)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from distretto.monitor.report import Report, report_data
from distretto.monitor.report_html import render_report
from distretto.monitor.report_pdf import report_pdf
from distretto.web.downloads import download

FORMATS = ("html", "pdf")


def file_name(report: Report) -> str:
    """``report-mirandola-2026-11-30``: the district and the date."""
    return f"report-{report.district_slug}-{report.date.isoformat()}"


def report(request: HttpRequest) -> HttpResponse:
    """``?format=html`` (the default): the report as a standalone page; ``?format=pdf``: the
    same report as a PDF download."""
    kind = request.GET.get("format", "html") or "html"
    if kind not in FORMATS:
        raise Http404(_("No such file."))
    found = report_data(request.user)
    if kind == "pdf":
        return download(report_pdf(found), file_name(found), "pdf")
    return HttpResponse(render_report(found, request, pdf_url=f"{request.path}?format=pdf"))
