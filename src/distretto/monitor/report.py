"""The district report: the monitor's key figures, the segment and supply-chain picture,
the network's headline and the brokerage events' outcomes, each figure with its source.

``report_data`` reads everything once and returns a frozen tree of plain values
(``Report``): the HTML page (``monitor/report.html``) and the PDF (``report_pdf``) draw it
without reading the database, and the web view and the CLI build it with the same call.

The report holds public figures only, whoever asks for it: the network and the counts
of organisations are those of the published directory, the events those that are
published (or closed), and the meetings are counted, never named. The figures the
platform counts itself cite "Distretto, <date>"; the indicators cite their own source.
Texts are in the active language (numbers, periods and dates included).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from distretto.monitor import queries
from distretto.web.templatetags.distretto_figures import format_figure
from distretto.web.templatetags.distretto_figures import period as period_words

__all__ = [
    "CodeCount",
    "Dependency",
    "EventFigures",
    "FigurePoint",
    "KeyFigure",
    "NetworkHeadline",
    "OutcomeCount",
    "RankedOrganisation",
    "Report",
    "Source",
    "report_data",
]

# The taxonomies of the segment and supply-chain picture (those the network app reads).
SEGMENT_TAXONOMY = "segment"
STEP_TAXONOMY = "process_step"
# The longest lists the report prints of the network's organisations and dependencies.
TOP_ORGANISATIONS = 10
TOP_DEPENDENCIES = 20


@dataclass(frozen=True)
class Source:
    """Where figures come from: the source as stated, its link and licence (may be "")."""

    text: str
    url: str = ""
    licence: str = ""


@dataclass(frozen=True)
class FigurePoint:
    """A value of an indicator's series: period and value in words, with its source."""

    period: str  # in words: "Q1 2025", "2022", "period not stated"
    start: date | None
    number: float
    value: str  # in words: "EUR 131 million"
    source: str
    source_url: str
    flagged: bool  # another source states another value for the same period


@dataclass(frozen=True)
class KeyFigure:
    """A featured indicator in its main territory: the latest value, the one before it
    (same period length) and the trend drawn as a line (``trend``, oldest first)."""

    slug: str
    indicator: str
    definition: str
    unit: str
    territory: str
    latest: FigurePoint
    previous: FigurePoint | None
    trend: tuple[FigurePoint, ...]  # the periods of the latest one's length
    points: tuple[FigurePoint, ...]  # every value of the series, oldest first


@dataclass(frozen=True)
class CodeCount:
    """A segment or process step with the published organisations carrying it (or a
    narrower code of it), and how many of them lie in the district."""

    code: str
    label: str
    level: int  # 1 for a top code, 2 for a narrower one...
    organisations: int
    in_district: int


@dataclass(frozen=True)
class RankedOrganisation:
    name: str
    value: float  # the metric's value (0 when the list is not ranked by one)


@dataclass(frozen=True)
class Dependency:
    """A customer that buys a process step from a single supplier."""

    customer: str
    supplier: str
    step: str


@dataclass(frozen=True)
class NetworkHeadline:
    """The network of the published organisations: its size and its weak spots."""

    organisations: int
    ties: int
    components: int
    largest_component_share: float  # 0..1
    density: float
    communities: int
    modularity: float
    brokers: tuple[str, ...]
    betweenness: tuple[RankedOrganisation, ...]
    single_supplier: tuple[Dependency, ...]
    single_supplier_total: int
    single_source_steps: tuple[tuple[str, str], ...]  # (step, the only organisation)
    no_district_source: tuple[str, ...]  # steps no district organisation carries
    source: str


@dataclass(frozen=True)
class OutcomeCount:
    code: str
    label: str
    meetings: int


@dataclass(frozen=True)
class EventFigures:
    """The brokerage events: how many were held, their meetings and reported outcomes.

    A meeting counts once under the best outcome either side reports (as for its tie in
    the network: signed, then under negotiation, then further contact, then none)."""

    events_held: int
    events_upcoming: int
    meetings_scheduled: int
    meetings_held: int
    outcomes: tuple[OutcomeCount, ...]
    source: str


@dataclass(frozen=True)
class Report:
    district: str
    district_slug: str
    date: date
    date_text: str
    generated_at: datetime  # aware
    platform_source: str  # "Distretto, 30 November 2026": the figures the platform counts
    key_figures: tuple[KeyFigure, ...]
    segments_title: str
    segments: tuple[CodeCount, ...]
    steps_title: str
    steps: tuple[CodeCount, ...]
    network: NetworkHeadline
    events: EventFigures
    sources: tuple[Source, ...]  # every source cited, in order of first citation


# --- the parts -----------------------------------------------------------------------------


def _point(point: queries.Point, unit: str) -> FigurePoint:
    return FigurePoint(
        period=str(period_words(point.period)),
        start=point.start,
        number=float(point.value),
        value=format_figure(point.value, unit, point.qualifier, point.change_percent),
        source=point.source,
        source_url=point.source_url,
        flagged=point.flagged,
    )


def _key_figures() -> tuple[KeyFigure, ...]:
    figures = []
    for series in queries.dashboard():
        latest = series.latest
        if latest is None:
            continue
        unit = series.indicator.unit
        previous = series.previous
        figures.append(
            KeyFigure(
                slug=series.indicator.slug,
                indicator=series.indicator.tr("name"),
                definition=series.indicator.tr("definition"),
                unit=unit,
                territory=series.territory,
                latest=_point(latest, unit),
                previous=_point(previous, unit) if previous is not None else None,
                trend=tuple(_point(p, unit) for p in series.trend),
                points=tuple(_point(p, unit) for p in series.points),
            )
        )
    return tuple(figures)


def _code_counts(taxonomy_slug: str, inside: set[int] | None) -> tuple[CodeCount, ...]:
    """Each code of the taxonomy, in its order and under its parent, with the published
    organisations carrying it or a narrower code."""
    from distretto.registry.enums import Status
    from distretto.registry.models import Organisation
    from distretto.taxonomy.models import Code

    codes = list(Code.objects.filter(taxonomy__slug=taxonomy_slug).order_by("sort_order", "code"))
    if not codes:
        return ()
    parent = {c.pk: c.parent_id for c in codes}
    carriers: dict[int, set[int]] = {c.pk: set() for c in codes}
    links = Organisation.codes.through.objects.filter(
        organisation__status=Status.PUBLISHED, code__taxonomy__slug=taxonomy_slug
    ).values_list("organisation_id", "code_id")
    for organisation_id, code_id in links:
        seen: set[int] = set()
        current: int | None = code_id
        while current is not None and current in carriers and current not in seen:
            seen.add(current)
            carriers[current].add(organisation_id)
            current = parent.get(current)
    children: dict[int | None, list[Any]] = {}
    for c in codes:
        key = c.parent_id if c.parent_id in carriers else None
        children.setdefault(key, []).append(c)
    ordered: list[tuple[Any, int]] = []
    placed: set[int] = set()

    def walk(key: int | None, level: int) -> None:
        for c in children.get(key, []):
            if c.pk not in placed:
                placed.add(c.pk)
                ordered.append((c, level))
                walk(c.pk, level + 1)

    walk(None, 1)
    return tuple(
        CodeCount(
            code=c.code,
            label=c.label,
            level=level,
            organisations=len(carriers[c.pk]),
            in_district=len(carriers[c.pk] if inside is None else carriers[c.pk] & inside),
        )
        for c, level in ordered
    )


def _taxonomy_name(slug: str, fallback: str) -> str:
    from distretto.taxonomy.models import Taxonomy

    found = Taxonomy.objects.filter(slug=slug).first()
    return found.tr("name") if found is not None else fallback


def _network(user: Any, source: str) -> NetworkHeadline:
    from distretto.network.queries import district_network
    from distretto.network.services import network_metrics
    from distretto.registry.enums import Status
    from distretto.registry.rules import visible_organisations

    published = set(
        visible_organisations(user).filter(status=Status.PUBLISHED).values_list("pk", flat=True)
    )
    found = network_metrics(district_network(user, only=published))
    figures = found["figures"]
    dependencies = found["single_supplier"]
    return NetworkHeadline(
        organisations=figures["nodes"],
        ties=figures["edges"],
        components=figures["components"],
        largest_component_share=figures["largest_component_share"],
        density=figures["density"],
        communities=figures["communities"],
        modularity=figures["modularity"],
        brokers=tuple(o["name"] for o in found["brokers"][:TOP_ORGANISATIONS]),
        betweenness=tuple(
            RankedOrganisation(o["name"], o["value"])
            for o in found["betweenness"][:TOP_ORGANISATIONS]
        ),
        single_supplier=tuple(
            Dependency(d["customer"]["name"], d["supplier"]["name"], d["step_label"])
            for d in dependencies[:TOP_DEPENDENCIES]
        ),
        single_supplier_total=len(dependencies),
        single_source_steps=tuple(
            (s["step_label"], s["organisation"]["name"]) for s in found["single_source_steps"]
        ),
        no_district_source=tuple(s["step_label"] for s in found["no_district_source"]),
        source=source,
    )


# The best outcome first: a meeting counts under the best one either side reports.
_OUTCOME_RANK = ("signed", "negotiation", "further_contact", "no_follow_up")


def _events(today: date, source: str) -> EventFigures:
    from distretto.events.enums import EventStatus, MeetingStatus, Outcome
    from distretto.events.models import Event, Meeting, MeetingReport

    public = Event.objects.filter(status__in=(EventStatus.PUBLISHED, EventStatus.CLOSED))
    meetings = Meeting.objects.filter(event__in=public)
    reported: dict[int, set[str]] = {}
    for meeting_id, outcome in MeetingReport.objects.filter(
        meeting__in=meetings, took_place=True
    ).values_list("meeting_id", "outcome"):
        reported.setdefault(meeting_id, set()).add(outcome)
    best = Counter(
        next((o for o in _OUTCOME_RANK if o in outcomes), "") for outcomes in reported.values()
    )
    return EventFigures(
        events_held=public.filter(starts_on__lte=today).count(),
        events_upcoming=public.filter(starts_on__gt=today).count(),
        meetings_scheduled=meetings.filter(
            status=MeetingStatus.ACCEPTED, slot__isnull=False
        ).count(),
        meetings_held=len(reported),
        outcomes=tuple(
            OutcomeCount(code, str(Outcome(code).label), best.get(code, 0))
            for code in _OUTCOME_RANK
        ),
        source=source,
    )


def _sources(key_figures: tuple[KeyFigure, ...], platform: str) -> tuple[Source, ...]:
    from distretto.monitor.models import Observation

    found: dict[tuple[str, str], Source] = {}
    licences = {
        (o.source, o.source_url): o.licence
        for o in Observation.objects.filter(indicator__slug__in=[k.slug for k in key_figures])
        .exclude(licence="")
        .only("source", "source_url", "licence")
    }
    for figure in key_figures:
        for p in figure.points:
            key = (p.source, p.source_url)
            found.setdefault(key, Source(p.source, p.source_url, licences.get(key, "")))
    found.setdefault((platform, ""), Source(platform))
    return tuple(found.values())


# --- the report ----------------------------------------------------------------------------


def report_data(user: Any, today: date | None = None) -> Report:
    """The district report as ``user`` may read it (public figures only), as of ``today``
    (the current date by default)."""
    from distretto.registry.queries import current_district, district_organisation_ids

    today = today or timezone.localdate()
    date_text = formats.date_format(today, "DATE_FORMAT")
    platform = _("Distretto, %(date)s") % {"date": date_text}
    district = current_district()
    inside = district_organisation_ids()
    key_figures = _key_figures()
    return Report(
        district=district.tr("name") if district is not None else _("The district"),
        district_slug=district.slug if district is not None else settings.DISTRICT_SLUG,
        date=today,
        date_text=date_text,
        generated_at=timezone.now(),
        platform_source=platform,
        key_figures=key_figures,
        segments_title=_taxonomy_name(SEGMENT_TAXONOMY, _("Segments")),
        segments=_code_counts(SEGMENT_TAXONOMY, inside),
        steps_title=_taxonomy_name(STEP_TAXONOMY, _("Process steps")),
        steps=_code_counts(STEP_TAXONOMY, inside),
        network=_network(user, platform),
        events=_events(today, platform),
        sources=_sources(key_figures, platform),
    )


def share(value: float) -> str:
    """A share (0..1) as a percentage in words of the active language: "87.5%"."""
    return _("%(amount)s%%") % {"amount": formats.number_format(round(100 * value, 1), 1)}
