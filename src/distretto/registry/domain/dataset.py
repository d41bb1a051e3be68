"""The shape of a district dataset and its checks: plain data in, plain records or problems out.

A dataset is one YAML file in ``registry/data/`` with these top-level keys (all
texts that a visitor reads come as ``<field>_it`` and ``<field>_en``; every
record carries its ``source``; records nested in another one inherit its
source when they give none):

``district``
    ``slug``, ``name_it/_en``, ``description_it/_en``, ``nuts`` (codes as
    ``nuts:ITH54``), ``municipalities`` (ISTAT codes, quoted), optionally
    ``centre`` (the ISTAT code, quoted, of the municipality at its centre) and
    ``radius_km`` (about how far from the centre it reaches, a whole number of
    km from 1 to 200; the source must state it), ``source``.
``figures``
    key figures: ``label_it/_en``, ``number`` with its ``unit`` (count, eur_million,
    percent, change_percent), ``qualifier`` (about, over) and ``change_percent``
    when the source states both (``EUR 591 million (+22.5%)`` is number 591,
    unit eur_million, change_percent 22.5), ``period`` in the neutral form of
    ``domain/periods.py`` (e.g. ``2022``, ``2025-Q1``, ``2014/``),
    ``territory_it/_en`` (empty for the district), ``featured``, ``source``.
``facts``
    statements about the district and its region: ``topic`` (e.g. ``history``,
    ``region_focus``), ``text_it/_en``, ``territory`` (a NUTS code, empty for the
    district), ``period``, ``source``.
``organisations``
    ``key`` (the slug other records use to point at it), ``name``,
    ``legal_name``, ``kind``, ``status``, ``summary_it/_en``,
    ``description_it/_en``, ``website``, ``founded``, ``staff_band`` +
    ``staff_year``, ``turnover_band`` + ``turnover_year``, ``vat_number``,
    ``parent`` (key), ``codes`` (``taxonomy:code``), ``sites`` (``municipality``,
    ``name``, ``address``, ``latitude``/``longitude`` (empty: the municipality's
    centre), ``activities_it/_en``, ``is_headquarters``, ``source``), ``facts``
    (``text_it/_en``, ``period``, ``source``), ``source``.
``ties``
    ``from`` and ``to`` (keys), ``kind``, ``process_step``
    (``process_step:code``), ``year_from``, ``year_to``, ``note_it/_en``, ``source``.
``programmes``
    ``key``, ``name``, ``kind``, ``edition``, ``year``, ``url``, ``organiser``
    (key), ``description_it/_en``, ``participants`` (``organisation``,
    ``role_it/_en``, ``source``), ``source``.
``projects``
    ``key``, ``acronym``, ``name``, ``description_it/_en``, ``programme`` (key),
    ``year_start``, ``year_end``, ``partners`` (``organisation``, ``role``,
    ``source``), ``source``.

``parse_dataset`` checks the structure and every reference inside the file and
raises ``DatasetError`` with all problems found, each naming the record and the
field; ``check_references`` then checks the codes and municipalities against
those the database knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from typing import Any

from distretto.registry.domain.dataset_records import (
    Choices,
    Dataset,
    DatasetError,
    DistrictFactSpec,
    DistrictSpec,
    FactSpec,
    FigureSpec,
    OrganisationSpec,
    ParticipantSpec,
    PartnerSpec,
    Problem,
    ProgrammeSpec,
    ProjectSpec,
    SiteSpec,
    TieSpec,
    tie_record,
)
from distretto.registry.domain.periods import check_period
from distretto.registry.domain.validation import N_, check_founded_year, check_istat_code

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_REFERENCE = re.compile(r"^[a-z0-9_]+:\S+$")
EARLIEST_YEAR = 1000
MAX_RADIUS_KM = 200


def _keys_of(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


class _Reader:
    """Reads plain YAML values into specs, collecting problems instead of stopping at the first."""

    def __init__(self, choices: Choices, this_year: int) -> None:
        self.choices = choices
        self.this_year = this_year
        self.problems: list[Problem] = []

    def problem(self, record: str, field: str, message: str, **params: Any) -> None:
        self.problems.append(
            Problem(record, field, message, tuple((k, str(v)) for k, v in params.items()))
        )

    def mapping(self, record: str, value: Any, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.problem(record, "-", N_("Expected a mapping of fields."))
            return {}
        for name in sorted(set(value) - allowed):
            self.problem(record, str(name), N_("Unknown field; check its spelling."))
        return value

    def items(self, record: str, data: Mapping[str, Any], field: str) -> list[Any]:
        value = data.get(field)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(record, field, N_("Expected a list."))
            return []
        return value

    def text(self, record: str, data: Mapping[str, Any], field: str, required: bool = False) -> str:
        value = data.get(field)
        if isinstance(value, (bool, list, dict)):
            self.problem(record, field, N_("Expected a text."))
            return ""
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problem(record, field, N_("This field is required."))
        return text

    def decimal(
        self, record: str, data: Mapping[str, Any], field: str, required: bool = False
    ) -> Decimal | None:
        value = data.get(field)
        if value is None or value == "":
            if required:
                self.problem(record, field, N_("This field is required."))
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.problem(record, field, N_("Expected a number, e.g. 479 or 29.1."))
            return None
        try:
            # Through str: a YAML float such as 29.1 must not become 29.100000000000001.
            return Decimal(str(value))
        except InvalidOperation:
            self.problem(record, field, N_("Expected a number, e.g. 479 or 29.1."))
            return None

    def period(self, record: str, data: Mapping[str, Any], field: str) -> str:
        text = self.text(record, data, field)
        problem = check_period(text)
        if problem:
            self.problem(record, field, problem)
        return text

    def flag(self, record: str, data: Mapping[str, Any], field: str) -> bool:
        value = data.get(field, False)
        if not isinstance(value, bool):
            self.problem(record, field, N_("Expected true or false."))
            return False
        return value

    def year(self, record: str, data: Mapping[str, Any], field: str) -> int | None:
        value = data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(record, field, N_("Expected a year, e.g. 2019."))
            return None
        if not EARLIEST_YEAR <= value <= self.this_year:
            self.problem(
                record,
                field,
                N_("The year %(year)s is not between 1000 and this year."),
                year=value,
            )
            return None
        return value

    def choice(
        self,
        record: str,
        data: Mapping[str, Any],
        field: str,
        allowed: frozenset[str],
        required: bool,
    ) -> str:
        value = self.text(record, data, field, required)
        if value and value not in allowed:
            self.problem(
                record,
                field,
                N_("Unknown value %(value)s; use one of: %(allowed)s."),
                value=value,
                allowed=", ".join(sorted(allowed)),
            )
        return value

    def slug(self, record: str, data: Mapping[str, Any], field: str) -> str:
        value = self.text(record, data, field, required=True)
        if value and not SLUG.match(value):
            self.problem(
                record, field, N_("A key is lower-case letters, digits and dashes, e.g. b-braun.")
            )
        return value

    def codes(self, record: str, data: Mapping[str, Any], field: str) -> tuple[str, ...]:
        codes = []
        for item in self.items(record, data, field):
            code = str(item).strip()
            if not CODE_REFERENCE.match(code):
                self.problem(
                    record,
                    field,
                    N_("Write a code as taxonomy:code, e.g. segment:dialysis (not %(value)s)."),
                    value=code,
                )
            elif code in codes:
                self.problem(record, field, N_("The code %(value)s is listed twice."), value=code)
            else:
                codes.append(code)
        return tuple(codes)

    def istat(self, record: str, data: Mapping[str, Any], field: str) -> str:
        value = data.get(field)
        code = value if isinstance(value, str) else ""
        if check_istat_code(code):
            # Unquoted codes such as 036022 reach us as numbers: say how to write them.
            self.problem(
                record,
                field,
                N_('An ISTAT code is six digits in quotes, e.g. "036022" (not %(value)s).'),
                value=value,
            )
        return code

    def whole_number(
        self, record: str, data: Mapping[str, Any], field: str, lowest: int, highest: int
    ) -> int | None:
        value = data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            self.problem(
                record,
                field,
                N_("Expected a whole number from %(lowest)s to %(highest)s (not %(value)s)."),
                lowest=lowest,
                highest=highest,
                value=value,
            )
            return None
        return value

    def coordinate(self, record: str, data: Mapping[str, Any], field: str) -> Decimal | None:
        value = data.get(field)
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            self.problem(record, field, N_("Expected a number, e.g. 44.887207."))
            return None


def _district(reader: _Reader, value: Any) -> DistrictSpec:
    record = "district"
    data = reader.mapping(record, value, _keys_of(DistrictSpec))
    municipalities = [
        reader.istat(record, {"municipalities": code}, "municipalities")
        for code in reader.items(record, data, "municipalities")
    ]
    nuts = reader.codes(record, data, "nuts")
    for code in nuts:
        if not code.startswith("nuts:"):
            reader.problem(
                record, "nuts", N_("%(value)s is not a NUTS code (nuts:...)."), value=code
            )
    return DistrictSpec(
        slug=reader.slug(record, data, "slug"),
        name_it=reader.text(record, data, "name_it", required=True),
        name_en=reader.text(record, data, "name_en", required=True),
        description_it=reader.text(record, data, "description_it"),
        description_en=reader.text(record, data, "description_en"),
        nuts=nuts,
        municipalities=tuple(municipalities),
        source=reader.text(record, data, "source", required=True),
        centre=reader.istat(record, data, "centre") if data.get("centre") is not None else None,
        radius_km=reader.whole_number(record, data, "radius_km", 1, MAX_RADIUS_KM),
    )


def _figure(reader: _Reader, n: int, value: Any) -> FigureSpec:
    record = f"figures[{n}]"
    data = reader.mapping(record, value, _keys_of(FigureSpec))
    return FigureSpec(
        label_it=reader.text(record, data, "label_it", required=True),
        label_en=reader.text(record, data, "label_en", required=True),
        number=reader.decimal(record, data, "number", required=True) or Decimal(0),
        unit=reader.choice(record, data, "unit", reader.choices.figure_units, required=True),
        qualifier=reader.choice(
            record, data, "qualifier", reader.choices.figure_qualifiers, required=False
        ),
        change_percent=reader.decimal(record, data, "change_percent"),
        period=reader.period(record, data, "period"),
        territory_it=reader.text(record, data, "territory_it"),
        territory_en=reader.text(record, data, "territory_en"),
        featured=reader.flag(record, data, "featured"),
        source=reader.text(record, data, "source", required=True),
    )


def _district_fact(reader: _Reader, n: int, value: Any) -> DistrictFactSpec:
    record = f"facts[{n}]"
    data = reader.mapping(record, value, _keys_of(DistrictFactSpec))
    return DistrictFactSpec(
        topic=reader.text(record, data, "topic", required=True),
        text_it=reader.text(record, data, "text_it", required=True),
        text_en=reader.text(record, data, "text_en", required=True),
        territory=reader.text(record, data, "territory"),
        period=reader.period(record, data, "period"),
        source=reader.text(record, data, "source", required=True),
    )


def _site(reader: _Reader, record: str, value: Any, default_source: str) -> SiteSpec:
    data = reader.mapping(record, value, _keys_of(SiteSpec))
    latitude = reader.coordinate(record, data, "latitude")
    longitude = reader.coordinate(record, data, "longitude")
    if (latitude is None) != (longitude is None):
        reader.problem(record, "latitude", N_("Give both latitude and longitude, or neither."))
    return SiteSpec(
        municipality=reader.istat(record, data, "municipality"),
        name=reader.text(record, data, "name"),
        address=reader.text(record, data, "address"),
        latitude=latitude,
        longitude=longitude,
        activities_it=reader.text(record, data, "activities_it"),
        activities_en=reader.text(record, data, "activities_en"),
        is_headquarters=reader.flag(record, data, "is_headquarters"),
        source=reader.text(record, data, "source") or default_source,
    )


def _fact(reader: _Reader, record: str, value: Any, default_source: str) -> FactSpec:
    data = reader.mapping(record, value, _keys_of(FactSpec))
    return FactSpec(
        text_it=reader.text(record, data, "text_it", required=True),
        text_en=reader.text(record, data, "text_en", required=True),
        period=reader.period(record, data, "period"),
        source=reader.text(record, data, "source") or default_source,
    )


def _organisation(reader: _Reader, n: int, value: Any) -> OrganisationSpec:
    key = value.get("key") if isinstance(value, Mapping) else None
    record = f"organisations[{key or n}]"
    data = reader.mapping(record, value, _keys_of(OrganisationSpec))
    source = reader.text(record, data, "source", required=True)
    choices = reader.choices
    org = OrganisationSpec(
        key=reader.slug(record, data, "key"),
        name=reader.text(record, data, "name", required=True),
        legal_name=reader.text(record, data, "legal_name"),
        kind=reader.choice(record, data, "kind", choices.organisation_kinds, required=True),
        status=reader.choice(record, data, "status", choices.statuses, required=True),
        summary_it=reader.text(record, data, "summary_it"),
        summary_en=reader.text(record, data, "summary_en"),
        description_it=reader.text(record, data, "description_it"),
        description_en=reader.text(record, data, "description_en"),
        website=reader.text(record, data, "website"),
        founded=reader.year(record, data, "founded"),
        staff_band=reader.choice(record, data, "staff_band", choices.staff_bands, required=False),
        staff_year=reader.year(record, data, "staff_year"),
        turnover_band=reader.choice(
            record, data, "turnover_band", choices.turnover_bands, required=False
        ),
        turnover_year=reader.year(record, data, "turnover_year"),
        vat_number=reader.text(record, data, "vat_number"),
        parent=reader.text(record, data, "parent"),
        codes=reader.codes(record, data, "codes"),
        sites=tuple(
            _site(reader, f"{record}.sites[{i}]", site, source)
            for i, site in enumerate(reader.items(record, data, "sites"))
        ),
        facts=tuple(
            _fact(reader, f"{record}.facts[{i}]", fact, source)
            for i, fact in enumerate(reader.items(record, data, "facts"))
        ),
        source=source,
    )
    if org.founded is not None:
        message = check_founded_year(org.founded, reader.this_year)
        if message:
            reader.problem(record, "founded", message)
    for band, year in (("staff_band", "staff_year"), ("turnover_band", "turnover_year")):
        if bool(getattr(org, band)) != (getattr(org, year) is not None):
            reader.problem(
                record, year, N_("A band needs the year it refers to, and a year its band.")
            )
    if org.status == "published" and not (org.summary_it and org.summary_en):
        reader.problem(
            record,
            "summary_it",
            N_("A published organisation needs summaries in Italian and English."),
        )
    if org.parent == org.key and org.key:
        reader.problem(record, "parent", N_("An organisation cannot be its own parent group."))
    return org


def _tie(reader: _Reader, n: int, value: Any) -> TieSpec:
    record = f"ties[{n}]"
    allowed = _keys_of(TieSpec) - {"from_key", "to_key"} | {"from", "to"}
    data = reader.mapping(record, value, allowed)
    tie = TieSpec(
        from_key=reader.text(record, data, "from", required=True),
        to_key=reader.text(record, data, "to", required=True),
        kind=reader.choice(record, data, "kind", reader.choices.tie_kinds, required=True),
        process_step=reader.text(record, data, "process_step"),
        year_from=reader.year(record, data, "year_from"),
        year_to=reader.year(record, data, "year_to"),
        note_it=reader.text(record, data, "note_it"),
        note_en=reader.text(record, data, "note_en"),
        source=reader.text(record, data, "source", required=True),
    )
    if tie.process_step and not tie.process_step.startswith("process_step:"):
        reader.problem(record, "process_step", N_("Write a process step as process_step:code."))
    if tie.year_from and tie.year_to and tie.year_from > tie.year_to:
        reader.problem(record, "year_to", N_("The end year is before the start year."))
    return tie


def _programme(reader: _Reader, n: int, value: Any) -> ProgrammeSpec:
    key = value.get("key") if isinstance(value, Mapping) else None
    record = f"programmes[{key or n}]"
    data = reader.mapping(record, value, _keys_of(ProgrammeSpec))
    source = reader.text(record, data, "source", required=True)
    participants = []
    for i, item in enumerate(reader.items(record, data, "participants")):
        sub = f"{record}.participants[{i}]"
        part = reader.mapping(sub, item, _keys_of(ParticipantSpec))
        participants.append(
            ParticipantSpec(
                organisation=reader.text(sub, part, "organisation", required=True),
                role_it=reader.text(sub, part, "role_it"),
                role_en=reader.text(sub, part, "role_en"),
                source=reader.text(sub, part, "source") or source,
            )
        )
    return ProgrammeSpec(
        key=reader.slug(record, data, "key"),
        name=reader.text(record, data, "name", required=True),
        kind=reader.choice(record, data, "kind", reader.choices.programme_kinds, required=True),
        edition=reader.text(record, data, "edition"),
        year=reader.year(record, data, "year"),
        url=reader.text(record, data, "url"),
        organiser=reader.text(record, data, "organiser"),
        description_it=reader.text(record, data, "description_it"),
        description_en=reader.text(record, data, "description_en"),
        participants=tuple(participants),
        source=source,
    )


def _project(reader: _Reader, n: int, value: Any) -> ProjectSpec:
    key = value.get("key") if isinstance(value, Mapping) else None
    record = f"projects[{key or n}]"
    data = reader.mapping(record, value, _keys_of(ProjectSpec))
    source = reader.text(record, data, "source", required=True)
    partners = []
    for i, item in enumerate(reader.items(record, data, "partners")):
        sub = f"{record}.partners[{i}]"
        part = reader.mapping(sub, item, _keys_of(PartnerSpec))
        partners.append(
            PartnerSpec(
                organisation=reader.text(sub, part, "organisation", required=True),
                role=reader.choice(sub, part, "role", reader.choices.partner_roles, required=True),
                source=reader.text(sub, part, "source") or source,
            )
        )
    project = ProjectSpec(
        key=reader.slug(record, data, "key"),
        acronym=reader.text(record, data, "acronym", required=True),
        name=reader.text(record, data, "name", required=True),
        description_it=reader.text(record, data, "description_it"),
        description_en=reader.text(record, data, "description_en"),
        programme=reader.text(record, data, "programme"),
        year_start=reader.year(record, data, "year_start"),
        year_end=reader.year(record, data, "year_end"),
        partners=tuple(partners),
        source=source,
    )
    if project.year_start and project.year_end and project.year_start > project.year_end:
        reader.problem(record, "year_end", N_("The end year is before the start year."))
    return project


def _check_keys(reader: _Reader, dataset: Dataset) -> None:
    """Keys are unique and every key a record points at exists in the file."""
    org_keys: set[str] = set()
    for org in dataset.organisations:
        if org.key in org_keys:
            reader.problem(f"organisations[{org.key}]", "key", N_("This key is used twice."))
        org_keys.add(org.key)
    programme_keys: set[str] = set()
    for programme in dataset.programmes:
        if programme.key in programme_keys:
            reader.problem(f"programmes[{programme.key}]", "key", N_("This key is used twice."))
        programme_keys.add(programme.key)
    project_keys: set[str] = set()
    for project in dataset.projects:
        if project.key in project_keys:
            reader.problem(f"projects[{project.key}]", "key", N_("This key is used twice."))
        project_keys.add(project.key)

    def point(record: str, field: str, key: str, known: set[str]) -> None:
        if key and key not in known:
            reader.problem(record, field, N_("No organisation has the key %(value)s."), value=key)

    for org in dataset.organisations:
        point(f"organisations[{org.key}]", "parent", org.parent, org_keys)
    seen_ties: set[tuple[str, str, str, str]] = set()
    for n, tie in enumerate(dataset.ties):
        record = tie_record(n, tie)
        point(record, "from", tie.from_key, org_keys)
        point(record, "to", tie.to_key, org_keys)
        if tie.from_key == tie.to_key:
            reader.problem(record, "to", N_("A tie joins two different organisations."))
        natural_key = (tie.from_key, tie.to_key, tie.kind, tie.process_step)
        if natural_key in seen_ties:
            reader.problem(record, "kind", N_("The same tie is listed twice."))
        seen_ties.add(natural_key)
    for programme in dataset.programmes:
        record = f"programmes[{programme.key}]"
        point(record, "organiser", programme.organiser, org_keys)
        members = [p.organisation for p in programme.participants]
        for i, key in enumerate(members):
            point(f"{record}.participants[{i}]", "organisation", key, org_keys)
            if key in members[:i]:
                reader.problem(f"{record}.participants[{i}]", "organisation", N_("Listed twice."))
    for project in dataset.projects:
        record = f"projects[{project.key}]"
        if project.programme and project.programme not in programme_keys:
            reader.problem(
                record,
                "programme",
                N_("No programme has the key %(value)s."),
                value=project.programme,
            )
        members = [p.organisation for p in project.partners]
        for i, key in enumerate(members):
            point(f"{record}.partners[{i}]", "organisation", key, org_keys)
            if key in members[:i]:
                reader.problem(f"{record}.partners[{i}]", "organisation", N_("Listed twice."))
    _check_parent_cycles(reader, dataset)


def _check_parent_cycles(reader: _Reader, dataset: Dataset) -> None:
    parents = {org.key: org.parent for org in dataset.organisations if org.parent}
    for start in parents:
        seen = {start}
        key = parents.get(start, "")
        while key:
            if key in seen:
                reader.problem(
                    f"organisations[{start}]", "parent", N_("The parent groups form a circle.")
                )
                break
            seen.add(key)
            key = parents.get(key, "")


TOP_LEVEL = {"district", "figures", "facts", "organisations", "ties", "programmes", "projects"}


def parse_dataset(data: Any, choices: Choices, this_year: int) -> Dataset:
    """Read a dataset (the YAML document as plain Python values) into checked records.

    Raises ``DatasetError`` listing every problem found, each naming the record
    and the field, so one run shows everything to fix.
    """
    reader = _Reader(choices, this_year)
    top = reader.mapping("dataset", data, TOP_LEVEL)
    dataset = Dataset(
        district=_district(reader, top.get("district")),
        figures=tuple(
            _figure(reader, n, v) for n, v in enumerate(reader.items("dataset", top, "figures"))
        ),
        facts=tuple(
            _district_fact(reader, n, v)
            for n, v in enumerate(reader.items("dataset", top, "facts"))
        ),
        organisations=tuple(
            _organisation(reader, n, v)
            for n, v in enumerate(reader.items("dataset", top, "organisations"))
        ),
        ties=tuple(_tie(reader, n, v) for n, v in enumerate(reader.items("dataset", top, "ties"))),
        programmes=tuple(
            _programme(reader, n, v)
            for n, v in enumerate(reader.items("dataset", top, "programmes"))
        ),
        projects=tuple(
            _project(reader, n, v) for n, v in enumerate(reader.items("dataset", top, "projects"))
        ),
    )
    _check_keys(reader, dataset)
    if reader.problems:
        raise DatasetError(reader.problems)
    return dataset


def check_references(
    dataset: Dataset, known_codes: set[str], known_municipalities: set[str]
) -> None:
    """Raise ``DatasetError`` for every code or ISTAT code the dataset uses that is not known.

    ``known_codes`` holds ``taxonomy:code`` strings.
    """
    problems = [
        Problem(record, field, N_("Unknown code %(value)s."), (("value", code),))
        for record, field, code in dataset.code_references()
        if code not in known_codes
    ]
    problems += [
        Problem(
            record, field, N_("Unknown municipality (ISTAT code %(value)s)."), (("value", code),)
        )
        for record, field, code in dataset.municipality_references()
        if code not in known_municipalities
    ]
    if problems:
        raise DatasetError(problems)
