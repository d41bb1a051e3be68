"""Public pages. Thin: parse the request, call one service, render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from distretto.registry import queries
from distretto.web.forms import DirectoryFilterForm

PAGE_SIZE = 24


def home(request: HttpRequest) -> HttpResponse:
    overview = queries.district_overview(request.user)
    return render(request, "web/home.html", {"overview": overview})


def directory(request: HttpRequest) -> HttpResponse:
    """The directory; an htmx request (not a history restore) gets the results fragment only."""
    form = DirectoryFilterForm(request.GET, user=request.user)
    organisations = queries.directory(request.user, form.directory_filters())
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    context = {"form": form, "page": page, "partial": partial}
    template = "web/_directory_results.html" if partial else "web/directory.html"
    response = render(request, template, context)
    # The same address answers a whole page or a fragment: caches must keep both apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    page = queries.organisation_page(request.user, slug)
    return render(request, "web/organisation.html", {"page": page, "org": page.organisation})
