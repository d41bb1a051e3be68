"""Load a district dataset shipped with Distretto (``registry/data/<name>.yaml``).

``load_dataset("mirandola")`` loads the taxonomies first, then the district, its
organisations, ties, programmes and projects, in one transaction. The YAML
format is described in ``registry.domain.dataset``.

**The dataset never overwrites your edits.** Records are matched by their
natural keys: organisations, programmes and projects by slug (the ``key`` of
the file), the district by slug, ties by (from, to, kind, process step). A
record that is missing is created together with its parts (an organisation
with its codes, sites and facts; the district with its figures and facts; a
programme with its participants; a project with its partners). A record that
exists is left exactly as it is: when it still equals the dataset it counts as
*unchanged*, otherwise as *kept* (a facilitator edited it, or it comes from an
older version of the dataset). Loading twice therefore changes nothing, and a
record deleted by mistake comes back by loading again.

A dataset with a problem (an unknown code, municipality or organisation key, a
field that does not fit) raises ``DatasetError`` naming the record and the
field, and nothing is saved.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from distretto.accounts import audit
from distretto.accounts.enums import AuditAction
from distretto.registry.domain.dataset import check_references, parse_dataset
from distretto.registry.domain.dataset_records import (
    Choices,
    Dataset,
    DatasetError,
    DistrictFactSpec,
    DistrictSpec,
    FigureSpec,
    OrganisationSpec,
    Problem,
    ProgrammeSpec,
    ProjectSpec,
    TieSpec,
    tie_record,
)
from distretto.registry.enums import (
    FigureQualifier,
    FigureUnit,
    OrganisationKind,
    PartnerRole,
    ProgrammeKind,
    StaffBand,
    Status,
    TieKind,
    TurnoverBand,
)
from distretto.registry.models import (
    District,
    DistrictFact,
    DistrictFigure,
    Organisation,
    OrganisationFact,
    Programme,
    ProgrammeParticipant,
    Project,
    ProjectPartner,
    Site,
    Tie,
)
from distretto.registry.services import EDITABLE_FIELDS
from distretto.registry.signals import dataset_loaded
from distretto.taxonomy import loading
from distretto.taxonomy.loading import LoadReport, Progress
from distretto.taxonomy.models import Code, Municipality

DATA_DIR = Path(__file__).resolve().parent / "data"

CHOICES = Choices(
    organisation_kinds=frozenset(OrganisationKind.values),
    statuses=frozenset(Status.values),
    staff_bands=frozenset(StaffBand.values),
    turnover_bands=frozenset(TurnoverBand.values),
    tie_kinds=frozenset(TieKind.values),
    programme_kinds=frozenset(ProgrammeKind.values),
    partner_roles=frozenset(PartnerRole.values),
    figure_units=frozenset(FigureUnit.values),
    figure_qualifiers=frozenset(FigureQualifier.values),
)

# The fields a dataset sets: what a user may edit, plus the publication status.
ORGANISATION_FIELDS = (*EDITABLE_FIELDS, "status")
SITE_FIELDS = (
    "name",
    "address",
    "latitude",
    "longitude",
    "activities_it",
    "activities_en",
    "is_headquarters",
    "source",
)
TIE_FIELDS = ("year_from", "year_to", "note_it", "note_en", "source")
FIGURE_FIELDS = tuple(f.name for f in fields(FigureSpec))
FACT_FIELDS = tuple(f.name for f in fields(DistrictFactSpec))


# --- which datasets there are ----------------------------------------------------------


def available_datasets() -> list[str]:
    """Names of the datasets shipped with Distretto (the YAML files in ``registry/data``)."""
    return sorted(path.stem for path in DATA_DIR.glob("*.yaml"))


def dataset_path(name: str) -> Path:
    """The file of the shipped dataset ``name``; ValueError naming the choices if there is none."""
    if name not in available_datasets():
        raise ValueError(
            f"No dataset named {name!r}; available: {', '.join(available_datasets())}."
        )
    return DATA_DIR / f"{name}.yaml"


def read_dataset(path: Path) -> Dataset:
    """Read and check the structure of a dataset file (raises DatasetError)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DatasetError([Problem(path.name, "-", str(exc))]) from exc
    return parse_dataset(data, CHOICES, datetime.date.today().year)


def dataset_is_loaded(name: str = "mirandola") -> bool:
    """Whether the district of the shipped dataset ``name`` is in the database."""
    district = read_dataset(dataset_path(name)).district
    return District.objects.filter(slug=district.slug).exists()


def database_is_empty() -> bool:
    """True when the registry holds no district and no organisation yet."""
    return not District.objects.exists() and not Organisation.objects.exists()


# --- loading ----------------------------------------------------------------------------


def load_dataset(name: str = "mirandola", *, progress: Progress | None = None) -> LoadReport:
    """Load the taxonomies and the shipped dataset ``name``; safe to repeat.

    Returns the counts of created, unchanged and kept records (see the module
    docstring: existing records are never overwritten).
    """
    return load_dataset_file(dataset_path(name), progress=progress)


@transaction.atomic
def load_dataset_file(path: Path, *, progress: Progress | None = None) -> LoadReport:
    """Load the taxonomies and the dataset in ``path`` in one transaction.

    Raises ``DatasetError`` naming the record and field of every problem found;
    then nothing is saved.
    """
    dataset = read_dataset(path)
    steps = _Steps(
        progress,
        loading.step_count()
        + 2
        + len(dataset.organisations)
        + len(dataset.programmes)
        + len(dataset.projects),
    )
    report = loading.load_taxonomies(progress=steps.shim())
    codes = _code_index(dataset)
    municipalities = _municipality_index(dataset)
    check_references(dataset, set(codes), set(municipalities))
    writer = _Writer(report, codes, municipalities)
    writer.district(dataset)
    steps.step(dataset.district.name_it)
    for spec in _parents_first(dataset.organisations):
        writer.organisation(spec)
        steps.step(spec.name)
    for n, tie in enumerate(dataset.ties):
        writer.tie(n, tie)
    steps.step(str(Tie._meta.verbose_name_plural))
    for programme in dataset.programmes:
        writer.programme(programme)
        steps.step(programme.name)
    for project in dataset.projects:
        writer.project(project)
        steps.step(project.acronym)
    dataset_loaded.send(sender=load_dataset_file, path=path, report=report)
    return report


class _Steps:
    """Turns loading steps into calls of the caller's progress function."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def step(self, what: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(what, self.done, self.total)

    def shim(self) -> Progress:
        def report(what: str, done: int, total: int) -> None:
            self.step(what)

        return report


def _code_index(dataset: Dataset) -> dict[str, Code]:
    wanted = {code for _record, _field, code in dataset.code_references()}
    by_taxonomy: dict[str, set[str]] = {}
    for reference in wanted:
        taxonomy, value = reference.split(":", 1)
        by_taxonomy.setdefault(taxonomy, set()).add(value)
    index: dict[str, Code] = {}
    for taxonomy, values in by_taxonomy.items():
        for code in Code.objects.filter(taxonomy__slug=taxonomy, code__in=values):
            index[f"{taxonomy}:{code.code}"] = code
    return index


def _municipality_index(dataset: Dataset) -> dict[str, Municipality]:
    wanted = {code for _record, _field, code in dataset.municipality_references()}
    return {m.istat_code: m for m in Municipality.objects.filter(istat_code__in=wanted)}


def _parents_first(organisations: Iterable[OrganisationSpec]) -> list[OrganisationSpec]:
    """Organisations ordered so that each parent group comes before its companies."""
    pending = list(organisations)
    ordered: list[OrganisationSpec] = []
    placed: set[str] = set()
    in_file = {spec.key for spec in pending}
    while pending:
        ready = [
            s for s in pending if not s.parent or s.parent in placed or s.parent not in in_file
        ]
        ordered += ready
        placed.update(s.key for s in ready)
        pending = [s for s in pending if s.key not in placed]
    return ordered


def _clean(instance: models.Model, record: str, exclude: Iterable[str] = ()) -> None:
    """Django's field checks (lengths, URLs, VAT numbers) as a DatasetError naming the field."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise DatasetError(
            Problem(record, field, " ".join(str(m) for m in messages))
            for field, messages in exc.message_dict.items()
        ) from exc


def _as_row(obj: Any, names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in names)


def _same(instance: models.Model, values: Mapping[str, Any]) -> bool:
    return all(getattr(instance, name) == value for name, value in values.items())


class _Writer:
    """Writes the records of a dataset that are missing, and counts what it finds."""

    def __init__(
        self, report: LoadReport, codes: dict[str, Code], municipalities: dict[str, Municipality]
    ) -> None:
        self.report = report
        self.codes = codes
        self.municipalities = municipalities

    def _count(self, parts: Mapping[type[models.Model], int], outcome: str) -> None:
        for model, n in parts.items():
            self.report.add(model, outcome, n)

    # district --------------------------------------------------------------------------

    def district(self, dataset: Dataset) -> None:
        spec = dataset.district
        parts: dict[type[models.Model], int] = {
            District: 1,
            DistrictFigure: len(dataset.figures),
            DistrictFact: len(dataset.facts),
        }
        existing = District.objects.filter(slug=spec.slug).first()
        if existing is not None:
            same = self._district_matches(existing, dataset)
            self._count(parts, "unchanged" if same else "kept")
            return
        district = District(slug=spec.slug, **self._district_values(spec))
        if spec.centre:
            district.centre = self.municipalities[spec.centre]
        _clean(district, "district")
        district.save()
        district.nuts_codes.set([self.codes[code] for code in spec.nuts])
        district.municipalities.set([self.municipalities[code] for code in spec.municipalities])
        figures = [
            DistrictFigure(district=district, sort_order=n, **vars(figure))
            for n, figure in enumerate(dataset.figures)
        ]
        facts = [
            DistrictFact(district=district, sort_order=n, **vars(fact))
            for n, fact in enumerate(dataset.facts)
        ]
        for n, figure in enumerate(figures):
            _clean(figure, f"figures[{n}]", exclude=["district"])
        for n, fact in enumerate(facts):
            _clean(fact, f"facts[{n}]", exclude=["district"])
        # Bulk writes send no signals: the audit log is told (accounts.audit).
        audit.record_bulk(AuditAction.CREATE, DistrictFigure.objects.bulk_create(figures))
        audit.record_bulk(AuditAction.CREATE, DistrictFact.objects.bulk_create(facts))
        self._count(parts, "created")

    @staticmethod
    def _district_values(spec: DistrictSpec) -> dict[str, Any]:
        return {
            "name_it": spec.name_it,
            "name_en": spec.name_en,
            "description_it": spec.description_it,
            "description_en": spec.description_en,
            "radius_km": spec.radius_km,
            "source": spec.source,
        }

    def _district_matches(self, district: District, dataset: Dataset) -> bool:
        spec = dataset.district
        nuts = {
            f"{c.taxonomy.slug}:{c.code}" for c in district.nuts_codes.select_related("taxonomy")
        }
        municipalities = set(district.municipalities.values_list("istat_code", flat=True))
        centre = district.centre.istat_code if district.centre is not None else None
        figures = [_as_row(f, FIGURE_FIELDS) for f in district.figures.order_by("sort_order", "pk")]
        facts = [_as_row(f, FACT_FIELDS) for f in district.facts.order_by("sort_order", "pk")]
        return (
            _same(district, self._district_values(spec))
            and nuts == set(spec.nuts)
            and municipalities == set(spec.municipalities)
            and centre == (spec.centre or None)
            and figures == [_as_row(f, FIGURE_FIELDS) for f in dataset.figures]
            and facts == [_as_row(f, FACT_FIELDS) for f in dataset.facts]
        )

    # organisations ----------------------------------------------------------------------

    @staticmethod
    def _organisation_values(spec: OrganisationSpec) -> dict[str, Any]:
        return {name: getattr(spec, name) for name in ORGANISATION_FIELDS}

    @staticmethod
    def _site_values(spec: OrganisationSpec) -> list[tuple[Any, ...]]:
        return sorted(
            (site.municipality, *(getattr(site, name) for name in SITE_FIELDS))
            for site in spec.sites
        )

    def organisation(self, spec: OrganisationSpec) -> None:
        record = f"organisations[{spec.key}]"
        parts: dict[type[models.Model], int] = {
            Organisation: 1,
            Site: len(spec.sites),
            OrganisationFact: len(spec.facts),
        }
        existing = Organisation.objects.filter(slug=spec.key).first()
        if existing is not None:
            self._count(
                parts, "unchanged" if self._organisation_matches(existing, spec) else "kept"
            )
            return
        organisation = Organisation(slug=spec.key, **self._organisation_values(spec))
        if spec.parent:
            organisation.parent = Organisation.objects.get(slug=spec.parent)
        _clean(organisation, record)
        organisation.save()
        organisation.codes.set([self.codes[code] for code in spec.codes])
        for n, site_spec in enumerate(spec.sites):
            site = Site(
                organisation=organisation,
                municipality=self.municipalities[site_spec.municipality],
                **{name: getattr(site_spec, name) for name in SITE_FIELDS},
            )
            _clean(site, f"{record}.sites[{n}]")
            site.save()
        for n, fact_spec in enumerate(spec.facts):
            fact = OrganisationFact(organisation=organisation, sort_order=n, **vars(fact_spec))
            _clean(fact, f"{record}.facts[{n}]")
            fact.save()
        self._count(parts, "created")

    def _organisation_matches(self, organisation: Organisation, spec: OrganisationSpec) -> bool:
        parent_slug = organisation.parent.slug if organisation.parent is not None else ""
        codes = {
            f"{c.taxonomy.slug}:{c.code}" for c in organisation.codes.select_related("taxonomy")
        }
        sites = sorted(
            (site.municipality.istat_code, *(getattr(site, name) for name in SITE_FIELDS))
            for site in organisation.sites.select_related("municipality")
        )
        facts = [
            (f.text_it, f.text_en, f.period, f.source)
            for f in organisation.facts.order_by("sort_order", "pk")
        ]
        wanted_facts = [(f.text_it, f.text_en, f.period, f.source) for f in spec.facts]
        return (
            _same(organisation, self._organisation_values(spec))
            and parent_slug == spec.parent
            and codes == set(spec.codes)
            and sites == self._site_values(spec)
            and facts == wanted_facts
        )

    # ties -------------------------------------------------------------------------------

    def tie(self, n: int, spec: TieSpec) -> None:
        step = self.codes[spec.process_step] if spec.process_step else None
        existing = Tie.objects.filter(
            from_organisation__slug=spec.from_key,
            to_organisation__slug=spec.to_key,
            kind=spec.kind,
            process_step=step,
        ).first()
        values = {name: getattr(spec, name) for name in TIE_FIELDS}
        if existing is not None:
            self.report.add(Tie, "unchanged" if _same(existing, values) else "kept")
            return
        tie = Tie(
            from_organisation=Organisation.objects.get(slug=spec.from_key),
            to_organisation=Organisation.objects.get(slug=spec.to_key),
            kind=spec.kind,
            process_step=step,
            **values,
        )
        _clean(tie, tie_record(n, spec))
        tie.save()
        self.report.add(Tie, "created")

    # programmes and projects ------------------------------------------------------------

    @staticmethod
    def _programme_values(spec: ProgrammeSpec) -> dict[str, Any]:
        return {
            name: getattr(spec, name)
            for name in (
                "name",
                "kind",
                "edition",
                "year",
                "url",
                "description_it",
                "description_en",
                "source",
            )
        }

    def programme(self, spec: ProgrammeSpec) -> None:
        record = f"programmes[{spec.key}]"
        parts: dict[type[models.Model], int] = {
            Programme: 1,
            ProgrammeParticipant: len(spec.participants),
        }
        existing = Programme.objects.filter(slug=spec.key).first()
        wanted = sorted((p.organisation, p.role_it, p.role_en, p.source) for p in spec.participants)
        if existing is not None:
            found = sorted(
                (p.organisation.slug, p.role_it, p.role_en, p.source)
                for p in ProgrammeParticipant.objects.filter(programme=existing).select_related(
                    "organisation"
                )
            )
            organiser = existing.organiser.slug if existing.organiser is not None else ""
            same = (
                _same(existing, self._programme_values(spec))
                and organiser == spec.organiser
                and found == wanted
            )
            self._count(parts, "unchanged" if same else "kept")
            return
        programme = Programme(slug=spec.key, **self._programme_values(spec))
        if spec.organiser:
            programme.organiser = Organisation.objects.get(slug=spec.organiser)
        _clean(programme, record)
        programme.save()
        for n, part in enumerate(spec.participants):
            participant = ProgrammeParticipant(
                programme=programme,
                organisation=Organisation.objects.get(slug=part.organisation),
                role_it=part.role_it,
                role_en=part.role_en,
                source=part.source,
            )
            _clean(participant, f"{record}.participants[{n}]")
            participant.save()
        self._count(parts, "created")

    @staticmethod
    def _project_values(spec: ProjectSpec) -> dict[str, Any]:
        return {
            name: getattr(spec, name)
            for name in (
                "acronym",
                "name",
                "description_it",
                "description_en",
                "year_start",
                "year_end",
                "source",
            )
        }

    def project(self, spec: ProjectSpec) -> None:
        record = f"projects[{spec.key}]"
        parts: dict[type[models.Model], int] = {Project: 1, ProjectPartner: len(spec.partners)}
        existing = Project.objects.filter(slug=spec.key).first()
        wanted = sorted((p.organisation, p.role, p.source) for p in spec.partners)
        if existing is not None:
            found = sorted(
                (p.organisation.slug, p.role, p.source)
                for p in ProjectPartner.objects.filter(project=existing).select_related(
                    "organisation"
                )
            )
            programme = existing.programme.slug if existing.programme is not None else ""
            same = (
                _same(existing, self._project_values(spec))
                and programme == spec.programme
                and found == wanted
            )
            self._count(parts, "unchanged" if same else "kept")
            return
        project = Project(slug=spec.key, **self._project_values(spec))
        if spec.programme:
            project.programme = Programme.objects.get(slug=spec.programme)
        _clean(project, record)
        project.save()
        for n, part in enumerate(spec.partners):
            partner = ProjectPartner(
                project=project,
                organisation=Organisation.objects.get(slug=part.organisation),
                role=part.role,
                source=part.source,
            )
            _clean(partner, f"{record}.partners[{n}]")
            partner.save()
        self._count(parts, "created")
