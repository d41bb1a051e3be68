"""The district's network read from the registry, for the acting user.

``district_network`` turns what ``user`` may see into a plain ``Network`` (see
``domain/graph.py``): the organisations of the public directory (every one for
facilitators) with their codes and sites, and as edges the registry's ties, the
partners of the same past project, and the partners who accepted a place in the same
consortium draft. Meetings with a positive outcome are already ties
(``meeting_outcome``).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from distretto.calls.enums import InvitationStatus
from distretto.calls.models import ConsortiumPartner
from distretto.network.domain.graph import Edge, Network, Node
from distretto.registry.models import ProjectPartner, Tie
from distretto.registry.queries import district_organisation_ids
from distretto.registry.rules import visible_organisations


def district_network(user: Any, only: set[int] | None = None) -> Network:
    """Everything ``user`` may see of the network, as plain data (with ``only``: of those
    organisations and the ties among them)."""
    visible = visible_organisations(user)
    if only is not None:
        visible = visible.filter(pk__in=only)
    organisations = list(visible.prefetch_related("sites__municipality", "codes__taxonomy"))
    inside = district_organisation_ids()
    nodes = []
    for o in organisations:
        sites = sorted(o.sites.all(), key=lambda s: (not s.is_headquarters, s.pk))
        points = tuple((*s.point, s.municipality.istat_code) for s in sites)
        lat, lon, istat = points[0] if points else (None, None, "")
        nodes.append(
            Node(
                id=o.pk,
                name=o.name,
                kind=o.kind,
                slug=o.slug,
                codes=frozenset(f"{c.taxonomy.slug}:{c.code}" for c in o.codes.all()),
                lat=lat,
                lon=lon,
                municipality=istat,
                in_district=inside is None or o.pk in inside,
                sites=points,
            )
        )
    ids = {n.id for n in nodes}
    edges = [
        Edge(
            source=t.from_organisation_id,
            target=t.to_organisation_id,
            kind=t.kind,
            process_step=f"process_step:{t.process_step.code}" if t.process_step else None,
            year_from=t.year_from,
            year_to=t.year_to,
            source_text=t.source,
        )
        for t in Tie.objects.filter(from_organisation__in=ids, to_organisation__in=ids)
        .select_related("process_step")
        .order_by("pk")
    ]
    edges += _together(
        ProjectPartner.objects.filter(organisation__in=ids)
        .select_related("project")
        .order_by("project_id", "organisation_id"),
        lambda p: p.project_id,
        lambda p: Edge(
            0,
            0,
            "project_partner",
            year_from=p.project.year_start,
            year_to=p.project.year_end,
            source_text=p.source or p.project.source,
        ),
    )
    edges += _together(
        ConsortiumPartner.objects.filter(
            organisation__in=ids, status=InvitationStatus.ACCEPTED
        ).order_by("draft_id", "organisation_id"),
        lambda p: p.draft_id,
        lambda p: Edge(0, 0, "consortium_partner", source_text=f"consortium draft {p.draft_id}"),
    )
    return Network.of(nodes, edges)


def _together(rows: Any, group_of: Any, edge_of: Any) -> list[Edge]:
    """An edge between every two organisations of the same group (project, draft)."""
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(group_of(row), []).append(row)
    edges = []
    for members in groups.values():
        for a, b in combinations(members, 2):
            if a.organisation_id != b.organisation_id:
                template = edge_of(a)
                edges.append(
                    Edge(
                        a.organisation_id,
                        b.organisation_id,
                        template.kind,
                        year_from=template.year_from,
                        year_to=template.year_to,
                        source_text=template.source_text,
                    )
                )
    return edges


def segment_choices() -> list[tuple[str, str]]:
    """Market segments, as ``segment:<code>`` and their label, for the filters."""
    from distretto.taxonomy.models import Code

    return [
        (f"segment:{c.code}", c.label)
        for c in Code.objects.filter(taxonomy__slug="segment").order_by("label_en")
    ]


def district_map(user: Any) -> dict[str, Any]:
    """What the district map draws (JSON for the page's script): every site of the
    organisations ``user`` may see with its kind and segments, the district's centre and
    radius, and the number of organisations per municipality."""
    from django.urls import reverse

    from distretto.registry.queries import current_district, district_area
    from distretto.registry.rules import visible_organisations

    organisations = visible_organisations(user).prefetch_related(
        "sites__municipality", "codes__taxonomy"
    )
    sites = []
    per_municipality: dict[str, dict[str, Any]] = {}
    for o in organisations:
        segments = sorted(c.label for c in o.codes.all() if c.taxonomy.slug == "segment")
        seen: set[str] = set()
        for site in o.sites.all():
            lat, lon = site.point
            sites.append(
                {
                    "id": o.pk,
                    "name": o.name,
                    "kind": o.kind,
                    "kind_label": str(o.get_kind_display()),
                    "segments": segments,
                    "municipality": site.municipality.name,
                    "lat": lat,
                    "lon": lon,
                    "exact": site.has_exact_position,
                    "url": reverse("web:organisation", args=[o.slug]),
                }
            )
            m = site.municipality
            place = per_municipality.setdefault(
                m.istat_code,
                {
                    "name": m.name,
                    "lat": float(m.latitude),
                    "lon": float(m.longitude),
                    "organisations": 0,
                },
            )
            if m.istat_code not in seen:
                place["organisations"] += 1
                seen.add(m.istat_code)
    district = current_district()
    area = district_area()
    return {
        "district": district.tr("name") if district else "",
        "centre": {"lat": area[0], "lon": area[1], "radius_km": area[2]} if area else None,
        "sites": sites,
        "municipalities": sorted(per_municipality.values(), key=lambda m: -m["organisations"]),
    }


def narrower_codes() -> dict[str, set[str]]:
    """For each process step, the steps under it in the taxonomy (``sterilisation`` →
    ``sterilisation_eo``...), so that a supplier of a narrower step counts for it."""
    from distretto.taxonomy.models import Code

    children: dict[str, set[str]] = {}
    for code, parent in Code.objects.filter(
        taxonomy__slug="process_step", parent__isnull=False
    ).values_list("code", "parent__code"):
        children.setdefault(f"process_step:{parent}", set()).add(f"process_step:{code}")
    narrower: dict[str, set[str]] = {}
    for step in children:
        seen: set[str] = set()
        todo = list(children[step])
        while todo:
            code = todo.pop()
            if code not in seen:
                seen.add(code)
                todo.extend(children.get(code, ()))
        narrower[step] = seen
    return narrower


def organisation_network(user: Any, organisation_id: int) -> Network:
    """The organisation's neighbourhood read from the database alone (for its page): the
    organisations tied to it (ties, past projects, accepted consortium places) and the ties
    among them."""
    from django.db.models import Q

    around = {organisation_id}
    for a, b in Tie.objects.filter(
        Q(from_organisation=organisation_id) | Q(to_organisation=organisation_id)
    ).values_list("from_organisation_id", "to_organisation_id"):
        around |= {a, b}
    projects = ProjectPartner.objects.filter(organisation=organisation_id).values("project_id")
    around |= set(
        ProjectPartner.objects.filter(project__in=projects).values_list(
            "organisation_id", flat=True
        )
    )
    drafts = ConsortiumPartner.objects.filter(
        organisation=organisation_id, status=InvitationStatus.ACCEPTED
    ).values("draft_id")
    around |= set(
        ConsortiumPartner.objects.filter(
            draft__in=drafts, status=InvitationStatus.ACCEPTED
        ).values_list("organisation_id", flat=True)
    )
    return neighbourhood(district_network(user, only=around), organisation_id)


def neighbourhood(network: Network, organisation_id: int) -> Network:
    """The organisation, the organisations tied to it, and the ties among them."""
    around = {organisation_id}
    for e in network.edges:
        if e.source == organisation_id:
            around.add(e.target)
        elif e.target == organisation_id:
            around.add(e.source)
    return Network(
        {i: n for i, n in network.nodes.items() if i in around},
        [e for e in network.edges if e.source in around and e.target in around],
    )
