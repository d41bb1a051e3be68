"""Public pages. Thin: parse the request, call one service, render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from distretto.matching import services as matching
from distretto.opportunities import queries as opportunity_queries
from distretto.registry import queries
from distretto.web import search as search_page
from distretto.web.forms import DirectoryFilterForm, SearchForm

PAGE_SIZE = 24


def _partial(request: HttpRequest) -> bool:
    """An htmx request that is not a history restore: it wants a fragment of the page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def home(request: HttpRequest) -> HttpResponse:
    overview = queries.district_overview(request.user)
    return render(request, "web/home.html", {"overview": overview})


def directory(request: HttpRequest) -> HttpResponse:
    """The directory; an htmx request (not a history restore) gets the results fragment only."""
    form = DirectoryFilterForm(request.GET, user=request.user)
    organisations = queries.directory(request.user, form.directory_filters())
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    partial = _partial(request)
    context = {"form": form, "page": page, "partial": partial}
    template = "web/_directory_results.html" if partial else "web/directory.html"
    response = render(request, template, context)
    # The same address answers a whole page or a fragment: caches must keep both apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    from distretto.network import queries as network_queries
    from distretto.network import services as network_services

    page = queries.organisation_page(request.user, slug)
    around = network_queries.organisation_network(request.user, page.organisation.pk)
    return render(
        request,
        "web/organisation.html",
        {
            "page": page,
            "org": page.organisation,
            "drawing": network_services.drawing(around, centre=page.organisation.pk)
            if around.edges
            else None,
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    """The search page; bad parameters answer 400 with the message next to the field.

    An htmx request (not a history restore) gets the results fragment only.
    """
    form = SearchForm(request.GET or None, user=request.user)
    outcome = search_page.run(request.user, form)
    partial = _partial(request)
    template = "web/_search_results.html" if partial else "web/search.html"
    response = render(request, template, {"form": form, "outcome": outcome, "partial": partial})
    if not outcome.is_valid:
        response.status_code = 400
    patch_vary_headers(response, ("HX-Request",))
    return response


PARTNERS_LIMIT = 12


def profile_partners(request: HttpRequest, pk: int) -> HttpResponse:
    """Who answers one offer or request: matching requests, offers and organisations."""
    profile = opportunity_queries.get_profile(request.user, pk, timezone.localdate())
    results = matching.find_partners(request.user, profile, limit=PARTNERS_LIMIT)
    return render(
        request,
        "web/partners.html",
        {
            "profile": profile,
            "is_request": profile.profile_type in matching.REQUEST_TYPES,
            "cards": search_page.cards(request.user, results),
        },
    )


COMPLEMENTARY_LIMIT = 6


def complementary(request: HttpRequest, slug: str) -> HttpResponse:
    """Organisations covering what this one lacks; htmx loads it into the organisation page."""
    org = queries.get_organisation(request.user, slug)
    results = matching.complementary_partners(request.user, org, limit=COMPLEMENTARY_LIMIT)
    context = {"org": org, "cards": search_page.cards(request.user, results)}
    if _partial(request):
        return render(request, "web/_complementary.html", context)
    return render(request, "web/complementary.html", context)
