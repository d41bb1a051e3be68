"""The records of a district dataset as plain, checked data, and the problems a dataset can have.

``domain.dataset`` reads a YAML document into these; ``registry.dataset`` writes
them to the database. Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Problem:
    """One problem in a dataset: which record, which field, what is wrong (English source text)."""

    record: str
    field: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The message, translated by ``translate`` (e.g. gettext), with its values filled in."""
        message = translate(self.message)
        return message % dict(self.params) if self.params else message

    def describe(self, translate: Callable[[str], str] = str) -> str:
        return f"{self.record}, {self.field}: {self.text(translate)}"


class DatasetError(ValueError):
    """A dataset that cannot be loaded, with every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.describe() for problem in self.problems))


@dataclass(frozen=True)
class Choices:
    """The allowed values of the registry's choice fields, handed in by the caller."""

    organisation_kinds: frozenset[str]
    statuses: frozenset[str]
    staff_bands: frozenset[str]
    turnover_bands: frozenset[str]
    tie_kinds: frozenset[str]
    programme_kinds: frozenset[str]
    partner_roles: frozenset[str]
    figure_units: frozenset[str]
    figure_qualifiers: frozenset[str]


@dataclass(frozen=True)
class DistrictSpec:
    slug: str
    name_it: str
    name_en: str
    description_it: str
    description_en: str
    nuts: tuple[str, ...]
    municipalities: tuple[str, ...]
    source: str
    centre: str | None = None
    radius_km: int | None = None


@dataclass(frozen=True)
class FigureSpec:
    label_it: str
    label_en: str
    number: Decimal
    unit: str
    qualifier: str
    change_percent: Decimal | None
    period: str
    territory_it: str
    territory_en: str
    featured: bool
    source: str


@dataclass(frozen=True)
class DistrictFactSpec:
    topic: str
    text_it: str
    text_en: str
    territory: str
    period: str
    source: str


@dataclass(frozen=True)
class SiteSpec:
    municipality: str
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    activities_it: str
    activities_en: str
    is_headquarters: bool
    source: str


@dataclass(frozen=True)
class FactSpec:
    text_it: str
    text_en: str
    period: str
    source: str


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str
    legal_name: str
    kind: str
    status: str
    summary_it: str
    summary_en: str
    description_it: str
    description_en: str
    website: str
    founded: int | None
    staff_band: str
    staff_year: int | None
    turnover_band: str
    turnover_year: int | None
    vat_number: str
    parent: str
    codes: tuple[str, ...]
    sites: tuple[SiteSpec, ...]
    facts: tuple[FactSpec, ...]
    source: str


@dataclass(frozen=True)
class TieSpec:
    from_key: str
    to_key: str
    kind: str
    process_step: str
    year_from: int | None
    year_to: int | None
    note_it: str
    note_en: str
    source: str


@dataclass(frozen=True)
class ParticipantSpec:
    organisation: str
    role_it: str
    role_en: str
    source: str


@dataclass(frozen=True)
class ProgrammeSpec:
    key: str
    name: str
    kind: str
    edition: str
    year: int | None
    url: str
    organiser: str
    description_it: str
    description_en: str
    participants: tuple[ParticipantSpec, ...]
    source: str


@dataclass(frozen=True)
class PartnerSpec:
    organisation: str
    role: str
    source: str


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    acronym: str
    name: str
    description_it: str
    description_en: str
    programme: str
    year_start: int | None
    year_end: int | None
    partners: tuple[PartnerSpec, ...]
    source: str


@dataclass(frozen=True)
class Dataset:
    """A whole district dataset, checked."""

    district: DistrictSpec
    figures: tuple[FigureSpec, ...]
    facts: tuple[DistrictFactSpec, ...]
    organisations: tuple[OrganisationSpec, ...]
    ties: tuple[TieSpec, ...]
    programmes: tuple[ProgrammeSpec, ...]
    projects: tuple[ProjectSpec, ...]

    def code_references(self) -> list[tuple[str, str, str]]:
        """Every ``taxonomy:code`` the dataset uses, as (record, field, code)."""
        refs = [("district", "nuts", code) for code in self.district.nuts]
        for org in self.organisations:
            refs += [(f"organisations[{org.key}]", "codes", code) for code in org.codes]
        for n, tie in enumerate(self.ties):
            if tie.process_step:
                refs.append((tie_record(n, tie), "process_step", tie.process_step))
        return refs

    def municipality_references(self) -> list[tuple[str, str, str]]:
        """Every ISTAT code the dataset uses, as (record, field, code)."""
        refs = [("district", "municipalities", code) for code in self.district.municipalities]
        if self.district.centre:
            refs.append(("district", "centre", self.district.centre))
        for org in self.organisations:
            refs += [
                (f"organisations[{org.key}].sites[{n}]", "municipality", site.municipality)
                for n, site in enumerate(org.sites)
            ]
        return refs


def tie_record(n: int, tie: TieSpec) -> str:
    return f"ties[{n}] ({tie.from_key} → {tie.to_key})"
