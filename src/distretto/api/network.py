"""The district's network: the graph, its metrics, link suggestions, disruption scenarios.

Handlers are thin: parse, call the network queries and services (which check permission
and name the field at fault), serialise. Everything is computed on what the caller may
see of the network (published organisations; facilitators see every one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from distretto.api.auth import READ_SECURITY, WRITE_AUTH, acting_user, authenticated_user
from distretto.api.schemas import READ_ERRORS, WRITE_ERRORS, _enum
from distretto.network import services
from distretto.network.domain.graph import EDGE_KINDS, Network
from distretto.network.models import Scenario, ScenarioKind
from distretto.network.queries import district_network, segment_choices

router = Router(tags=["network"])


# --- the graph ------------------------------------------------------------------------------


class GraphQuery(Schema):
    kinds: list[str] = Field(
        default_factory=list,
        description="Only ties of these kinds (repeat the parameter; commas also separate).",
        json_schema_extra={"items": {"type": "string", **_enum(list(EDGE_KINDS))}},
    )
    segment: str = Field(
        "", description="Only organisations of this market segment, as `segment:<code>`."
    )
    year: int | None = Field(None, ge=1900, le=2100, description="Only ties active in this year.")


class NodeOut(Schema):
    slug: str
    name: str
    kind: str
    in_district: bool = Field(description="Has a site in the district's municipalities.")
    lat: float | None = Field(description="The main site; null when unknown.")
    lon: float | None
    codes: list[str] = Field(description="Its codes as `taxonomy:code`.")


class EdgeOut(Schema):
    source: str = Field(description="Address name of the organisation the tie goes from.")
    target: str = Field(description="Address name of the organisation the tie goes to.")
    kind: str = Field(json_schema_extra=_enum(list(EDGE_KINDS)))
    process_step: str | None = Field(description="`process_step:<code>` of a supply, if known.")
    year_from: int | None
    year_to: int | None
    provenance: str = Field(description="Where the fact comes from.")


class GraphOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


def _kinds(values: list[str]) -> list[str] | None:
    kinds = [k.strip() for value in values for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in EDGE_KINDS]
    if unknown:
        raise ValidationError(
            {
                "kinds": [
                    _("Unknown kinds of tie: %(kinds)s (known: %(known)s).")
                    % {"kinds": ", ".join(unknown), "known": ", ".join(EDGE_KINDS)}
                ]
            }
        )
    return kinds or None


def _segment(value: str) -> list[str] | None:
    if not value:
        return None
    if value not in {code for code, _label in segment_choices()}:
        raise ValidationError(
            {
                "segment": [
                    _("Unknown market segment: %(segment)s (write it as segment:<code>).")
                    % {"segment": value}
                ]
            }
        )
    return [value]


def graph_out(network: Network) -> dict[str, Any]:
    slugs = {i: n.slug for i, n in network.nodes.items()}
    return {
        "nodes": [
            {
                "slug": n.slug,
                "name": n.name,
                "kind": n.kind,
                "in_district": n.in_district,
                "lat": n.lat,
                "lon": n.lon,
                "codes": sorted(n.codes),
            }
            for n in sorted(network.nodes.values(), key=lambda n: (n.name, n.id))
        ],
        "edges": [
            {
                "source": slugs[e.source],
                "target": slugs[e.target],
                "kind": e.kind,
                "process_step": e.process_step,
                "year_from": e.year_from,
                "year_to": e.year_to,
                "provenance": e.source_text,
            }
            for e in network.edges
        ],
    }


@router.get(
    "/network/graph",
    response={200: GraphOut, **READ_ERRORS},
    summary="The district's network: organisations and their ties",
    openapi_extra=READ_SECURITY,
)
def get_graph(request: HttpRequest, query: Query[GraphQuery]) -> Any:
    """Organisations (nodes) and their ties (edges, by address name), optionally only ties
    of some kinds, active in a year, between organisations of a market segment."""
    kinds = _kinds(query.kinds)
    codes = _segment(query.segment)
    network = district_network(acting_user(request)).filtered(kinds, query.year, codes)
    return graph_out(network)


# --- metrics ----------------------------------------------------------------------------------


class NetworkOrganisationOut(Schema):
    id: int
    name: str
    slug: str
    in_district: bool


class RankedOut(NetworkOrganisationOut):
    value: float


class ArticulationOut(NetworkOrganisationOut):
    cut_off: int = Field(description="How many other organisations its loss disconnects.")


class FiguresOut(Schema):
    nodes: int
    edges: int
    components: int
    largest_component_share: float
    density: float
    average_clustering: float
    communities: int
    modularity: float


class CoreOut(Schema):
    k: int
    members: list[NetworkOrganisationOut]


class CommunityOut(Schema):
    number: int
    members: list[NetworkOrganisationOut]


class CoverageOut(Schema):
    code: str
    label: str
    in_district: int = Field(description="Organisations in the district carrying the code.")
    outside: int = Field(description="Organisations outside the district carrying it.")


class SingleSupplierOut(Schema):
    customer: NetworkOrganisationOut
    step: str
    step_label: str
    supplier: NetworkOrganisationOut


class SingleSourceOut(Schema):
    step: str
    step_label: str
    organisation: NetworkOrganisationOut


class StepOut(Schema):
    step: str
    step_label: str


class MetricsOut(Schema):
    figures: FiguresOut
    betweenness_method: str = Field(description='"exact" or "sampled from N sources".')
    degree: list[RankedOut]
    betweenness: list[RankedOut]
    eigenvector: list[RankedOut]
    brokers: list[NetworkOrganisationOut]
    articulation: list[ArticulationOut] = Field(
        description="Organisations whose loss disconnects others, most first."
    )
    core: CoreOut
    communities: list[CommunityOut]
    steps: list[CoverageOut]
    segments: list[CoverageOut]
    single_supplier: list[SingleSupplierOut] = Field(
        description="Customers with only one supplier of a process step."
    )
    single_source_steps: list[SingleSourceOut] = Field(
        description="Process steps only one district organisation carries."
    )
    no_district_source: list[StepOut]
    explanations: dict[str, str] = Field(
        description="What each figure measures, in the request's language."
    )


@router.get(
    "/network/metrics",
    response={200: MetricsOut, **READ_ERRORS},
    summary="The network's figures, central organisations and supply dependencies",
    openapi_extra=READ_SECURITY,
)
def get_metrics(request: HttpRequest) -> Any:
    return services.network_metrics(district_network(acting_user(request)))


# --- suggestions ------------------------------------------------------------------------------


class SuggestionQuery(Schema):
    organisation: str = Field(description="Address name (slug) of the organisation.")
    limit: int = Field(10, ge=1, le=50)


class SuggestionOut(NetworkOrganisationOut):
    score: float
    reasons: list[str] = Field(description="Why, in the request's language.")


@router.get(
    "/network/suggestions",
    response={200: list[SuggestionOut], **READ_ERRORS},
    summary="Who an organisation should work with next",
    openapi_extra=READ_SECURITY,
)
def get_suggestions(request: HttpRequest, query: Query[SuggestionQuery]) -> Any:
    """Organisations not yet tied to it, close in the network and complementary in profile,
    best first, each with its reasons. 404 for an organisation the caller may not see."""
    network = district_network(acting_user(request))
    found = next((n.id for n in network.nodes.values() if n.slug == query.organisation), None)
    if found is None:
        raise Http404(_("No such organisation."))
    return services.suggestions(network, found, query.limit)


# --- scenarios --------------------------------------------------------------------------------


class AreaIn(Schema):
    model_config = ConfigDict(extra="forbid")

    radius_km: float | None = Field(None, description="A circle: its radius, with lat and lon.")
    lat: float | None = Field(None, description="Latitude of the circle's centre.")
    lon: float | None = Field(None, description="Longitude of the circle's centre.")
    municipalities: list[str] = Field(
        default_factory=list, description="Or: ISTAT codes of the municipalities hit."
    )
    organisations: list[str] = Field(
        default_factory=list, description="Or: address names of the organisations hit."
    )


class ScenarioIn(AreaIn):
    name: str = Field(description="At most 200 characters.")


class LostSupplyOut(Schema):
    customer: NetworkOrganisationOut
    step: str
    step_label: str
    suppliers: list[NetworkOrganisationOut] = Field(description="The district suppliers lost.")
    others_left: list[NetworkOrganisationOut] = Field(
        description="Suppliers from outside the district it still has."
    )
    candidates: list[NetworkOrganisationOut] = Field(
        description="Who could replace them, best first."
    )


class StepLostOut(Schema):
    step: str
    step_label: str
    organisations: list[NetworkOrganisationOut]
    outside: list[NetworkOrganisationOut]


class ScenarioResultOut(Schema):
    removed: list[NetworkOrganisationOut] = Field(description="Organisations hit.")
    location_unknown: list[str] = Field(description="Names of organisations with no position.")
    lost_supplies: list[LostSupplyOut]
    steps_lost: list[StepLostOut] = Field(description="Process steps the district loses.")
    connected_before: float = Field(description="% of the supply chain connected before.")
    connected_after: float = Field(description="% connected after.")
    supplies_kept: float = Field(description="% of the supply ties kept.")


class AreaOut(Schema):
    radius_km: float | None
    lat: float | None
    lon: float | None
    municipalities: list[str]
    organisations: list[str] = Field(description="Address names (those the caller may see).")


class ScenarioSummary(Schema):
    id: int
    name: str
    kind: str = Field(json_schema_extra=_enum(list(ScenarioKind.values)))
    area: AreaOut
    created_at: datetime


class ScenarioOut(ScenarioSummary):
    result: ScenarioResultOut


def area_out(area: dict[str, Any], network: Network) -> dict[str, Any]:
    centre = area.get("centre") or [None, None]
    ids = set(area.get("organisations") or [])
    return {
        "radius_km": area.get("radius_km"),
        "lat": centre[0],
        "lon": centre[1],
        "municipalities": list(area.get("municipalities") or []),
        "organisations": sorted(network.nodes[i].slug for i in ids if i in network.nodes),
    }


def scenario_summary(scenario: Scenario, network: Network) -> dict[str, Any]:
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "kind": scenario.kind,
        "area": area_out(scenario.area, network),
        "created_at": scenario.created_at,
    }


def scenario_out(scenario: Scenario, network: Network) -> dict[str, Any]:
    from distretto.network.domain.scenario import ScenarioResult

    result = ScenarioResult.from_dict(scenario.result)
    return {
        **scenario_summary(scenario, network),
        "result": services.describe_scenario(result, network),
    }


@router.post(
    "/network/scenarios/run",
    response={200: ScenarioResultOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Run a disruption scenario (nothing is saved)",
)
def run_scenario(request: HttpRequest, payload: AreaIn) -> Any:
    """Take an area out of the network (a circle, municipalities, or organisations: one
    kind) and see who loses all district suppliers of a process step, who could replace
    them, and how much of the supply chain stays connected. A bad area answers 422 naming
    the field (``lat``, ``radius_km``, ``municipalities``, ``organisations``, or ``area``)."""
    result, network = services.run_scenario(authenticated_user(request), payload.model_dump())
    return services.describe_scenario(result, network)


@router.post(
    "/network/scenarios",
    response={201: ScenarioOut, **WRITE_ERRORS},
    auth=WRITE_AUTH,
    summary="Run and keep a disruption scenario (facilitators)",
)
def save_scenario(request: HttpRequest, payload: ScenarioIn) -> Any:
    user = authenticated_user(request)
    data = payload.model_dump()
    name = data.pop("name")
    saved = services.save_scenario(user, name, data)
    return Status(201, scenario_out(saved, district_network(user)))


@router.get(
    "/network/scenarios",
    response={200: list[ScenarioSummary], **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="List the saved scenarios",
)
def list_scenarios(request: HttpRequest) -> Any:
    """The saved scenarios, newest first (the latest 200)."""
    network = district_network(authenticated_user(request))
    return [scenario_summary(s, network) for s in Scenario.objects.all()[:200]]


@router.get(
    "/network/scenarios/{scenario_id}",
    response={200: ScenarioOut, **READ_ERRORS},
    auth=WRITE_AUTH,
    summary="A saved scenario and its result",
)
def get_scenario(request: HttpRequest, scenario_id: int) -> Any:
    found = Scenario.objects.filter(pk=scenario_id).first()
    if found is None:
        raise Http404(_("No such scenario."))
    return scenario_out(found, district_network(authenticated_user(request)))
