"""Reading the registry: what lists and pages show, for the acting user.

Every function takes the acting user and returns only what that user may see
(the rules are in ``rules.py``). Changes go through ``services.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.accounts.roles import is_facilitator
from distretto.registry.enums import Status
from distretto.registry.models import (
    District,
    DistrictFact,
    DistrictFigure,
    Organisation,
    Person,
    ProgrammeParticipant,
    ProjectPartner,
    Site,
    Tie,
)
from distretto.registry.rules import (
    can_edit_organisation,
    can_view_organisation,
    may_see_contact_details,
    visible_organisations,
    visible_people,
)
from distretto.taxonomy.models import Code, Municipality, Taxonomy


@dataclass(frozen=True)
class DirectoryFilters:
    """What a visitor filters the directory by. Codes are given as ``taxonomy_slug -> codes``."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    statuses: tuple[str, ...] = ()


def directory(user: Any, filters: DirectoryFilters) -> QuerySet[Organisation]:
    """The organisations ``user`` may see that match ``filters``, ready for a list page.

    Within one filter the choices are alternatives (OR); different filters all
    apply (AND), the way directory filters usually work.
    """
    qs = visible_organisations(user)
    if filters.statuses and is_facilitator(user):
        qs = qs.filter(status__in=filters.statuses)
    elif not is_facilitator(user):
        # Members see their own drafts on their pages, but the directory is the public one.
        qs = qs.filter(status=Status.PUBLISHED)
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    if filters.municipalities:
        qs = qs.filter(sites__municipality__istat_code__in=filters.municipalities)
    for taxonomy_slug, codes in filters.codes.items():
        if codes:
            qs = qs.filter(codes__taxonomy__slug=taxonomy_slug, codes__code__in=codes)
    text = " ".join(filters.text.split())
    if text:
        for word in text.split(" "):
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(legal_name__icontains=word)
                | Q(summary_it__icontains=word)
                | Q(summary_en__icontains=word)
                | Q(description_it__icontains=word)
                | Q(description_en__icontains=word)
                | Q(codes__label_it__icontains=word)
                | Q(codes__label_en__icontains=word)
                | Q(sites__municipality__name__icontains=word)
            )
    return (
        qs.distinct()
        .select_related("parent")
        .prefetch_related(Prefetch("codes", queryset=Code.objects.select_related("taxonomy")))
        .prefetch_related(Prefetch("sites", queryset=Site.objects.select_related("municipality")))
        .order_by("name")
    )


def get_organisation(user: Any, slug: str) -> Organisation:
    """One organisation for its page; 404 when it does not exist or ``user`` may not see it.

    A hidden record answers 404, not 403, so that drafts do not reveal they exist.
    """
    organisation = (
        Organisation.objects.select_related("parent")
        .prefetch_related(Prefetch("codes", queryset=Code.objects.select_related("taxonomy")))
        .prefetch_related(Prefetch("sites", queryset=Site.objects.select_related("municipality")))
        .prefetch_related("facts", "group_companies")
        .filter(slug=slug)
        .first()
    )
    if organisation is None or not can_view_organisation(user, organisation):
        raise Http404(_("No such organisation."))
    return organisation


def visible_ties(user: Any, organisation: Organisation) -> list[Tie]:
    """Ties of ``organisation`` whose other end ``user`` may see too."""
    visible_ids = set(visible_organisations(user).values_list("pk", flat=True))
    ties = (
        Tie.objects.filter(Q(from_organisation=organisation) | Q(to_organisation=organisation))
        .select_related("from_organisation", "to_organisation", "process_step")
        .order_by("kind", "pk")
    )
    return [
        tie
        for tie in ties
        if tie.from_organisation_id in visible_ids and tie.to_organisation_id in visible_ids
    ]


def district_counts(user: Any) -> dict[str, int]:
    """Counts for the home page, over what ``user`` may see in the public directory."""
    qs = visible_organisations(user).filter(status=Status.PUBLISHED)
    return {
        "organisations": qs.count(),
        "municipalities": qs.aggregate(n=Count("sites__municipality", distinct=True))["n"],
        "ties": Tie.objects.filter(from_organisation__in=qs, to_organisation__in=qs).count(),
    }


# --- pages: what the public web pages show -----------------------------------------

# The taxonomy the home page and the directory cards use to sort organisations by
# market; any district has market segments, and the first filter taxonomy stands in
# for it in a district whose taxonomies are named otherwise.
PRIMARY_TAXONOMY_SLUG = "segment"


def current_district() -> District | None:
    """The district this instance serves (``settings.DISTRICT_SLUG``); None before any data."""
    return District.objects.filter(slug=settings.DISTRICT_SLUG).first()


def district_area() -> tuple[float, float, int] | None:
    """Where the current district lies, for a map: (latitude, longitude, radius in km).

    The latitude and longitude are those of the district's centre (a municipality);
    None when there is no district or it lacks its centre or its radius.
    """
    district = District.objects.filter(slug=settings.DISTRICT_SLUG).select_related("centre").first()
    if district is None or district.centre is None or district.radius_km is None:
        return None
    centre = district.centre
    return float(centre.latitude), float(centre.longitude), district.radius_km


def district_organisation_ids() -> set[int] | None:
    """The organisations with a site in the district's core municipalities; None when the
    district names none (then every organisation counts as the district's)."""
    district = current_district()
    if district is None or not district.municipalities.exists():
        return None
    return set(
        Organisation.objects.filter(sites__municipality__districts=district).values_list(
            "pk", flat=True
        )
    )


@dataclass(frozen=True)
class CodeCount:
    """A code with the number of published organisations carrying it."""

    code: Code
    organisations: int


@dataclass(frozen=True)
class DistrictOverview:
    """Everything the home page shows; ``district`` is None on an empty install."""

    district: District | None
    figures: list[DistrictFigure]
    facts: list[DistrictFact]
    region_facts: list[DistrictFact]
    counts: dict[str, int]
    browse_taxonomy: Taxonomy | None
    browse_codes: list[CodeCount]


def _filter_taxonomies() -> list[Taxonomy]:
    return list(
        Taxonomy.objects.filter(is_filter=True).prefetch_related(
            Prefetch("codes", queryset=Code.objects.order_by("sort_order", "code"))
        )
    )


def _primary_taxonomy(taxonomies: list[Taxonomy]) -> Taxonomy | None:
    for taxonomy in taxonomies:
        if taxonomy.slug == PRIMARY_TAXONOMY_SLUG:
            return taxonomy
    return taxonomies[0] if taxonomies else None


def district_overview(user: Any) -> DistrictOverview:
    """The home page: the district, its featured figures and facts, counts, codes to browse."""
    district = current_district()
    figures: list[DistrictFigure] = []
    facts: list[DistrictFact] = []
    if district is not None:
        figures = list(district.figures.filter(featured=True))
        facts = list(district.facts.all())
    browse_taxonomy = _primary_taxonomy(list(Taxonomy.objects.filter(is_filter=True)))
    browse_codes: list[CodeCount] = []
    if browse_taxonomy is not None:
        codes = (
            Code.objects.filter(taxonomy=browse_taxonomy)
            .annotate(
                n=Count(
                    "organisations",
                    filter=Q(organisations__status=Status.PUBLISHED),
                    distinct=True,
                )
            )
            .filter(n__gt=0)
            .order_by("sort_order", "code")
        )
        browse_codes = [CodeCount(code, code.n) for code in codes]
    return DistrictOverview(
        district=district,
        figures=figures,
        facts=[fact for fact in facts if not fact.territory],
        region_facts=[fact for fact in facts if fact.territory],
        counts=district_counts(user),
        browse_taxonomy=browse_taxonomy,
        browse_codes=browse_codes,
    )


@dataclass(frozen=True)
class DirectoryOptions:
    """The choices the directory's filters offer to ``user``."""

    taxonomies: list[Taxonomy]
    municipalities: list[Municipality]
    primary_taxonomy: Taxonomy | None
    may_filter_status: bool


def directory_options(user: Any) -> DirectoryOptions:
    """Filter choices: the filter taxonomies with their codes, and the municipalities with sites."""
    taxonomies = _filter_taxonomies()
    base = directory(user, DirectoryFilters()).values("pk")
    municipalities = list(
        Municipality.objects.filter(sites__organisation__in=base).distinct().order_by("name")
    )
    return DirectoryOptions(
        taxonomies=taxonomies,
        municipalities=municipalities,
        primary_taxonomy=_primary_taxonomy(taxonomies),
        may_filter_status=is_facilitator(user),
    )


@dataclass(frozen=True)
class ContactPerson:
    person: Person
    show_contact_details: bool


@dataclass(frozen=True)
class Participation:
    """A project or programme the organisation takes part in, with the other visible partners."""

    record: ProjectPartner | ProgrammeParticipant
    others: list[Organisation]


@dataclass(frozen=True)
class OrganisationPage:
    """Everything ``user`` may see about one organisation, for its page."""

    organisation: Organisation
    can_edit: bool
    parent: Organisation | None
    group_companies: list[Organisation]
    code_groups: list[tuple[Taxonomy, list[Code]]]
    sites: list[Site]
    ties: list[Tie]
    people: list[ContactPerson]
    projects: list[Participation]
    programmes: list[Participation]
    district_municipalities: list[Municipality]


def organisation_page(user: Any, slug: str) -> OrganisationPage:
    """One organisation's page; 404 (from ``get_organisation``) when ``user`` may not see it.

    Links to other organisations (group, ties, partners) are limited to those
    ``user`` may see, so a draft never shows through another record's page.
    """
    organisation = get_organisation(user, slug)
    visible_ids = set(visible_organisations(user).values_list("pk", flat=True))
    groups: dict[int, tuple[Taxonomy, list[Code]]] = {}
    for code in sorted(
        organisation.codes.all(), key=lambda c: (c.taxonomy.sort_order, c.sort_order, c.code)
    ):
        groups.setdefault(code.taxonomy_id, (code.taxonomy, []))[1].append(code)
    projects = [
        Participation(
            record=partner,
            others=[
                p.organisation
                for p in partner.project.projectpartner_set.all()
                if p.organisation_id != organisation.pk and p.organisation_id in visible_ids
            ],
        )
        for partner in ProjectPartner.objects.filter(organisation=organisation)
        .select_related("project", "project__programme")
        .prefetch_related(
            Prefetch(
                "project__projectpartner_set",
                queryset=ProjectPartner.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            )
        )
        .order_by("project__acronym")
    ]
    programmes = [
        Participation(record=participant, others=[])
        for participant in ProgrammeParticipant.objects.filter(organisation=organisation)
        .select_related("programme")
        .order_by("-programme__year", "programme__name")
    ]
    district = current_district()
    parent = organisation.parent
    return OrganisationPage(
        organisation=organisation,
        can_edit=can_edit_organisation(user, organisation),
        parent=parent if parent is not None and parent.pk in visible_ids else None,
        group_companies=[o for o in organisation.group_companies.all() if o.pk in visible_ids],
        code_groups=list(groups.values()),
        sites=list(organisation.sites.all()),
        ties=visible_ties(user, organisation),
        people=[
            ContactPerson(person, may_see_contact_details(user, organisation, person))
            for person in visible_people(user, organisation)
        ],
        projects=projects,
        programmes=programmes,
        district_municipalities=list(district.municipalities.all()) if district else [],
    )
