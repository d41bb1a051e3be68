"""Pages of the district's network. Thin: parse the request, call one query or service,
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.network import queries, services
from distretto.network.forms import GraphFilterForm, ScenarioForm
from distretto.network.models import Scenario
from distretto.web.feedback import show_errors


def graph(request: HttpRequest) -> HttpResponse:
    """The network drawn: organisations and their ties, filtered by kind, segment and year."""
    form = GraphFilterForm(request.GET or None, segments=queries.segment_choices())
    kinds: list[str] | None = None
    segment = ""
    year = None
    if form.is_bound and form.is_valid():
        kinds = form.cleaned_data["kinds"] or None
        segment = form.cleaned_data["segment"]
        year = form.cleaned_data["year"]
    network = queries.district_network(request.user).filtered(
        kinds, year, [segment] if segment else None
    )
    return render(
        request,
        "network/graph.html",
        {"form": form, "drawing": services.drawing(network), "network": network},
    )


EXPORTS = {"graphml": "graphml", "gexf": "gexf", "csv": "csv"}


def export(request: HttpRequest, extension: str) -> HttpResponse:
    """The network the visitor may see, for Gephi or networkx: GraphML, GEXF or CSV."""
    from distretto.network.domain.export import FORMATS, render

    if extension not in EXPORTS:
        raise Http404(_("No such file."))
    content = render(queries.district_network(request.user), EXPORTS[extension])
    response = HttpResponse(content, content_type=FORMATS[EXPORTS[extension]][0])
    response["Content-Disposition"] = f'attachment; filename="district-network.{extension}"'
    return response


def analysis(request: HttpRequest) -> HttpResponse:
    """The network's figures, each explained in plain words: who is central, who brokers,
    whose loss cuts others off, which steps hang on a single supplier."""
    network = queries.district_network(request.user)
    return render(request, "network/analysis.html", {"found": services.network_metrics(network)})


def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's neighbourhood in the network, and who it should work with next."""
    from distretto.registry.queries import get_organisation

    found = get_organisation(request.user, slug)
    network = queries.district_network(request.user)
    around = queries.organisation_network(request.user, found.pk)
    return render(
        request,
        "network/organisation.html",
        {
            "organisation": found,
            "drawing": services.drawing(around, centre=found.pk),
            "suggestions": services.suggestions(network, found.pk),
        },
    )


@login_required
def scenarios(request: HttpRequest) -> HttpResponse:
    """Run a disruption scenario (GET), save it (POST, facilitators), list the saved ones."""
    form = ScenarioForm(request.POST or request.GET or None, user=request.user)
    shown = None
    if form.is_bound and form.is_valid():
        try:
            if request.method == "POST":
                saved = services.save_scenario(
                    request.user, form.cleaned_data["name"], form.area_data()
                )
                messages.success(request, _("The scenario is saved."))
                return redirect(saved)
            result, network = services.run_scenario(request.user, form.area_data())
            shown = services.describe_scenario(result, network)
        except ValidationError as error:
            show_errors(form, error)
    saved = list(Scenario.objects.all()[:50])
    comparison = None
    first, second = request.GET.get("a"), request.GET.get("b")
    if first and second and first.isdigit() and second.isdigit():
        pair = {s.pk: s for s in Scenario.objects.filter(pk__in=[int(first), int(second)])}
        if int(first) in pair and int(second) in pair:
            comparison = services.compare_scenarios(
                pair[int(first)], pair[int(second)], queries.district_network(request.user)
            )
    return render(
        request,
        "network/scenarios.html",
        {
            "form": form if not comparison else ScenarioForm(user=request.user),
            "shown": shown,
            "saved": saved,
            "comparison": comparison,
            "may_save": is_facilitator(request.user),
        },
    )


@login_required
def scenario(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved scenario, as it was when it was run."""
    found = Scenario.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such scenario."))
    from distretto.network.domain import scenario as domain

    result = domain.ScenarioResult.from_dict(found.result)
    network = queries.district_network(request.user)
    return render(
        request,
        "network/scenario.html",
        {"scenario": found, "shown": services.describe_scenario(result, network)},
    )


def district_map(request: HttpRequest) -> HttpResponse:
    """The district on a map: sites by kind and segment, the district's radius, counts per
    municipality."""
    from django.conf import settings

    found = queries.district_map(request.user)
    area = None
    if request.GET.get("scenario", "").isdigit():
        shown = Scenario.objects.filter(pk=int(request.GET["scenario"])).first()
        if shown is not None and request.user.is_authenticated:
            area = services.scenario_area(shown, found)
    tiles = (
        {"url": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION}
        if settings.MAP_TILES_URL
        else None
    )
    from distretto.registry.enums import OrganisationKind

    present = {site["kind"] for site in found["sites"]}
    context: dict[str, Any] = {
        "kinds": [(k, label) for k, label in OrganisationKind.choices if k in present],
        "segments": sorted({label for site in found["sites"] for label in site["segments"]}),
        "map": found,
        "map_data": {"map": found, "tiles": tiles, "area": area},
    }
    return render(request, "network/map.html", context)
