"""Snapshots: what the platform counts from its own records, kept month by month.

``take_snapshot`` counts the registry, the offers and requests, the brokerage events and
the consortia, stores every figure in a new ``Snapshot`` row (its ``figures``), and stores
the headline figures as values of the platform's computed indicators (``Indicator.computed``,
created on first use with the fixed address names of ``COMPUTED``), so that they have
series, charts and open data like any sourced indicator.

Only counts: no name, no person, no organisation is stored.

- The values' territory is the district (``registry.queries.current_district()``), with
  the organisations also per municipality (ISTAT code of their sites). Without a district
  the district values are skipped; the figures are still stored in the snapshot.
- Their period is the snapshot's month (``2026-11``, local time), their source
  "Distretto, snapshot of 2026-11-30 10:02": each snapshot has its own source text.
- Nothing is ever overwritten or deleted. Each snapshot adds its own values and never
  touches another's, so the monthly job gives one value per indicator and month; a second
  snapshot in the same month (on demand) adds its values beside the first one's, each with
  its own source, the later one being the month's latest value. The whole history is in
  any case kept in the ``Snapshot`` rows.

What is counted (the keys of ``Snapshot.figures``):

- ``organisations``: published organisations, in total and by kind, by market segment and
  by process step (the codes they carry), by municipality (those of their sites: an
  organisation with sites in two municipalities counts in both) and by staff band. The
  registry keeps staff bands, not head counts: the known employees are given as "at
  least" the sum of the bands' lower ends.
- ``ties``: ties between two published organisations, in total and by kind.
- ``profiles``: cooperation profiles (offers and requests) published now, by type;
  ``interests``: expressions of interest ever sent, by their answer.
- ``events``: brokerage events published or closed (not drafts); ``meetings``: meetings
  scheduled (accepted, with a slot) and held (a side reported it took place);
  ``agreements``: meetings a side reported with an agreement signed.
- ``consortia``: consortium drafts formed (not abandoned, at least two partners accepted;
  the lead's own place counts as accepted) and all drafts not abandoned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from distretto.monitor.domain.periods import period_start
from distretto.monitor.enums import SnapshotTrigger, TerritoryKind, Unit
from distretto.monitor.models import Indicator, Observation, Snapshot

SOURCE_PREFIX = "Distretto, snapshot of"


@dataclass(frozen=True)
class ComputedIndicator:
    """A computed indicator: its fixed address name, names, definitions and figure."""

    slug: str
    name_it: str
    name_en: str
    definition_it: str
    definition_en: str
    figure: tuple[str, str]  # (group, key) in the snapshot's figures


def _band_floor(band: str) -> int:
    """The lower end of a staff band (``10-49`` → 10, ``1000+`` → 1000; unknown → 0)."""
    digits = band.replace("+", "-").split("-")[0]
    return int(digits) if digits.isdigit() else 0


COMPUTED: tuple[ComputedIndicator, ...] = (
    ComputedIndicator(
        "platform-organisations",
        "Organizzazioni nel registro",
        "Organisations in the registry",
        "Organizzazioni pubblicate nel registro della piattaforma (per comune: quelle con "
        "una sede nel comune).",
        "Organisations published in the platform's registry (per municipality: those with a "
        "site there).",
        ("organisations", "total"),
    ),
    ComputedIndicator(
        "platform-employees-at-least",
        "Addetti noti (almeno)",
        "Known employees (at least)",
        "Somma dei valori minimi delle classi di addetti dichiarate dalle organizzazioni "
        "pubblicate: il registro conosce le classi, non il numero esatto.",
        "Sum of the lower ends of the staff bands stated by the published organisations: the "
        "registry knows the bands, not the exact head counts.",
        ("organisations", "employees_at_least"),
    ),
    ComputedIndicator(
        "platform-ties",
        "Legami nella rete",
        "Ties in the network",
        "Legami registrati tra due organizzazioni pubblicate (forniture, progetti, gruppi...).",
        "Ties recorded between two published organisations (supplies, projects, groups...).",
        ("ties", "total"),
    ),
    ComputedIndicator(
        "platform-profiles",
        "Offerte e richieste pubblicate",
        "Offers and requests published",
        "Profili di cooperazione (offerte e richieste) pubblicati al momento della rilevazione.",
        "Cooperation profiles (offers and requests) published when the snapshot was taken.",
        ("profiles", "published"),
    ),
    ComputedIndicator(
        "platform-interests",
        "Manifestazioni di interesse",
        "Expressions of interest",
        "Manifestazioni di interesse inviate per un'offerta o una richiesta, dall'inizio.",
        "Expressions of interest sent for an offer or a request, since the start.",
        ("interests", "total"),
    ),
    ComputedIndicator(
        "platform-events",
        "Eventi di brokeraggio",
        "Brokerage events",
        "Eventi di brokeraggio pubblicati o conclusi, dall'inizio.",
        "Brokerage events published or closed, since the start.",
        ("events", "total"),
    ),
    ComputedIndicator(
        "platform-meetings-scheduled",
        "Incontri in agenda",
        "Meetings scheduled",
        "Incontri accettati con un orario e un tavolo agli eventi, dall'inizio.",
        "Meetings accepted and given a time and a table at the events, since the start.",
        ("meetings", "scheduled"),
    ),
    ComputedIndicator(
        "platform-meetings-held",
        "Incontri svolti",
        "Meetings held",
        "Incontri che almeno una delle parti dichiara svolti, dall'inizio.",
        "Meetings that at least one side reported as held, since the start.",
        ("meetings", "held"),
    ),
    ComputedIndicator(
        "platform-agreements",
        "Accordi firmati",
        "Agreements signed",
        "Incontri da cui almeno una delle parti dichiara un accordo firmato, dall'inizio.",
        "Meetings after which at least one side reported an agreement signed, since the start.",
        ("agreements", "signed"),
    ),
    ComputedIndicator(
        "platform-consortia",
        "Consorzi formati",
        "Consortia formed",
        "Bozze di consorzio non abbandonate con almeno due partner che hanno accettato.",
        "Consortium drafts not abandoned with at least two partners that accepted.",
        ("consortia", "formed"),
    ),
)
SORT_ORDER_FROM = 900  # after the sourced indicators


def _counts(rows: Iterable[Mapping[str, Any]], key: str) -> dict[str, int]:
    """``{value: count}`` of ``.values(key).annotate(n=...)`` rows, sorted, empty keys out."""
    return {str(row[key]): row["n"] for row in sorted(rows, key=lambda r: str(r[key])) if row[key]}


def count_figures() -> dict[str, Any]:
    """Every figure of a snapshot, counted now (only counts, JSON-ready)."""
    from distretto.calls.enums import DraftStatus, InvitationStatus
    from distretto.calls.models import ConsortiumDraft
    from distretto.events.enums import EventStatus, MeetingStatus, Outcome
    from distretto.events.models import Event, Meeting
    from distretto.opportunities.enums import ProfileStatus
    from distretto.opportunities.models import CooperationProfile, ExpressionOfInterest
    from distretto.registry.enums import Status
    from distretto.registry.models import Organisation, Tie
    from distretto.taxonomy.models import Code

    published = Organisation.objects.filter(status=Status.PUBLISHED)

    def by_code(taxonomy: str) -> dict[str, int]:
        rows = (
            Code.objects.filter(taxonomy__slug=taxonomy, organisations__in=published)
            .values("code")
            .annotate(n=Count("organisations", distinct=True))
        )
        return _counts(rows, "code")

    organisations = {
        "total": published.count(),
        "by_kind": _counts(published.values("kind").annotate(n=Count("pk")), "kind"),
        "by_segment": by_code("segment"),
        "by_process_step": by_code("process_step"),
        "by_municipality": _counts(
            published.values("sites__municipality__istat_code").annotate(
                n=Count("pk", distinct=True)
            ),
            "sites__municipality__istat_code",
        ),
        "by_staff_band": _counts(
            published.values("staff_band").annotate(n=Count("pk")), "staff_band"
        ),
    }
    # The registry states staff bands, not head counts: the known employees are at least
    # the sum of the lower ends of the bands stated.
    bands = _counts(published.values("staff_band").annotate(n=Count("pk")), "staff_band")
    organisations["employees_at_least"] = sum(_band_floor(b) * n for b, n in bands.items())
    ties = Tie.objects.filter(
        from_organisation__status=Status.PUBLISHED, to_organisation__status=Status.PUBLISHED
    )
    profiles = CooperationProfile.objects.filter(status=ProfileStatus.PUBLISHED)
    interests = ExpressionOfInterest.objects.all()
    events = Event.objects.exclude(status=EventStatus.DRAFT)
    meetings = Meeting.objects.filter(event__in=events)
    consortia = ConsortiumDraft.objects.exclude(status=DraftStatus.ABANDONED).annotate(
        accepted=Count("partners", filter=Q(partners__status=InvitationStatus.ACCEPTED))
    )
    return {
        "organisations": organisations,
        "ties": {
            "total": ties.count(),
            "by_kind": _counts(ties.values("kind").annotate(n=Count("pk")), "kind"),
        },
        "profiles": {
            "published": profiles.count(),
            "by_type": _counts(
                profiles.values("profile_type").annotate(n=Count("pk")), "profile_type"
            ),
        },
        "interests": {
            "total": interests.count(),
            "by_status": _counts(interests.values("status").annotate(n=Count("pk")), "status"),
        },
        "events": {"total": events.count()},
        "meetings": {
            "scheduled": meetings.filter(status=MeetingStatus.ACCEPTED, slot__isnull=False).count(),
            "held": meetings.filter(reports__took_place=True).distinct().count(),
        },
        "agreements": {
            "signed": meetings.filter(reports__outcome=Outcome.SIGNED).distinct().count(),
        },
        "consortia": {
            "formed": consortia.filter(accepted__gte=2).count(),
            "drafts": consortia.count(),
        },
    }


def computed_indicators() -> dict[str, Indicator]:
    """The computed indicators by address name, created on first use (never changed)."""
    found = {i.slug: i for i in Indicator.objects.filter(slug__in=[c.slug for c in COMPUTED])}
    for order, spec in enumerate(COMPUTED):
        if spec.slug not in found:
            found[spec.slug] = Indicator.objects.create(
                slug=spec.slug,
                name_it=spec.name_it,
                name_en=spec.name_en,
                definition_it=spec.definition_it,
                definition_en=spec.definition_en,
                unit=Unit.COUNT,
                computed=True,
                sort_order=SORT_ORDER_FROM + order,
            )
    return found


def source_text(taken_at: datetime) -> str:
    """The source of a snapshot's values: "Distretto, snapshot of 2026-11-30 10:02"."""
    return f"{SOURCE_PREFIX} {timezone.localtime(taken_at):%Y-%m-%d %H:%M}"


def _unique_source(taken_at: datetime, period: str) -> str:
    """The snapshot's source text, with seconds (then a number) should another snapshot of
    the same minute have taken it: one snapshot never shares its values' source."""
    local = timezone.localtime(taken_at)
    candidates = [source_text(taken_at), f"{SOURCE_PREFIX} {local:%Y-%m-%d %H:%M:%S}"]
    taken = set(
        Observation.objects.filter(
            period=period, source__startswith=SOURCE_PREFIX, indicator__computed=True
        ).values_list("source", flat=True)
    )
    for text in candidates:
        if text not in taken:
            return text
    number = 2
    while f"{candidates[1]} ({number})" in taken:
        number += 1
    return f"{candidates[1]} ({number})"


@transaction.atomic
def take_snapshot(trigger: str, now: datetime | None = None) -> Snapshot:
    """Count the platform's records now and keep the figures: a new ``Snapshot`` row and
    the month's values of the computed indicators (see the module's docstring)."""
    from distretto.registry.queries import current_district

    if trigger not in SnapshotTrigger.values:
        raise ValueError(f"unknown snapshot trigger: {trigger!r}")
    taken_at = now or timezone.now()
    figures = count_figures()
    district = current_district()
    figures["district"] = district.slug if district is not None else None
    snapshot = Snapshot.objects.create(taken_at=taken_at, trigger=trigger, figures=figures)

    period = f"{timezone.localtime(taken_at):%Y-%m}"
    source = _unique_source(taken_at, period)
    indicators = computed_indicators()
    values: list[tuple[Indicator, str, str, int]] = []
    if district is not None:
        for spec in COMPUTED:
            group, key = spec.figure
            values.append(
                (indicators[spec.slug], TerritoryKind.DISTRICT, district.slug, figures[group][key])
            )
    for istat, count in figures["organisations"]["by_municipality"].items():
        values.append(
            (indicators["platform-organisations"], TerritoryKind.MUNICIPALITY, istat, count)
        )
    start = period_start(period)
    Observation.objects.bulk_create(
        [
            Observation(
                indicator=indicator,
                territory_kind=kind,
                territory_code=code,
                period=period,
                period_start=start,
                value=value,
                source=source,
                snapshot=snapshot,
            )
            for indicator, kind, code, value in values
        ]
    )
    return snapshot


def latest_snapshot() -> Snapshot | None:
    return Snapshot.objects.order_by("-taken_at", "-pk").first()
