"""The organisation import service: reading files, checking rows, writing all or nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import Workbook

from distretto.accounts.services import SYSTEM
from distretto.registry import imports
from distretto.registry.enums import OrganisationKind
from distretto.registry.imports import PlannedOrganisation, RowError
from distretto.registry.models import Organisation, Site
from tests import factories

VAT_A = factories.italian_vat("0012345036")
VAT_B = factories.italian_vat("0054321036")

HEADER = "name,kind,municipality,address,vat_number,founded,status,segments,emdn,ateco,website"


def csv_bytes(*lines: str, bom: bool = False, delimiter: str = ",") -> bytes:
    text = "\r\n".join(line.replace(",", delimiter) for line in lines) + "\r\n"
    return text.encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_CSV = csv_bytes(
    HEADER,
    f"Alpha Medical,sme,036022,Via Roma 1,{VAT_A},1985,published,"
    "dialysis;cardiac_surgery,F0106,32.50.1,www.alpha.example",
    "Beta Lab,research_centre,036021,,,,,,,,",
    "Gamma Start,startup,,,,,review,dialysis,,,",
)


@pytest.fixture
def reference(db):
    factories.import_reference_data()


def summary(organisation: Organisation) -> dict[str, object]:
    sites = [
        (s.municipality.istat_code, s.address, s.is_headquarters) for s in organisation.sites.all()
    ]
    return {
        "slug": organisation.slug,
        "kind": organisation.kind,
        "status": organisation.status,
        "vat_number": organisation.vat_number,
        "founded": organisation.founded,
        "website": organisation.website,
        "sites": sites,
        "codes": sorted(f"{c.taxonomy.slug}:{c.code}" for c in organisation.codes.all()),
    }


def test_import_csv_creates_organisations_sites_and_codes(reference, facilitator):
    result = imports.import_organisations(facilitator, GOOD_CSV)
    assert result.errors == []
    assert result.written is True
    assert result.rows_read == 3
    assert result.organisations == [
        PlannedOrganisation(
            2, "Alpha Medical", "sme", "SME", "036022", "Mirandola", 4, "alpha-medical"
        ),
        PlannedOrganisation(
            3, "Beta Lab", "research_centre", "Research centre", "036021", "Medolla", 0, "beta-lab"
        ),
        PlannedOrganisation(4, "Gamma Start", "startup", "Start-up", "", "", 1, "gamma-start"),
    ]
    by_name = {o.name: summary(o) for o in Organisation.objects.all()}
    assert by_name == {
        "Alpha Medical": {
            "slug": "alpha-medical",
            "kind": "sme",
            "status": "published",
            "vat_number": VAT_A,
            "founded": 1985,
            "website": "https://www.alpha.example",
            "sites": [("036022", "Via Roma 1", True)],
            "codes": [
                "ateco2025:32.50.1",
                "emdn:F0106",
                "segment:cardiac_surgery",
                "segment:dialysis",
            ],
        },
        "Beta Lab": {
            "slug": "beta-lab",
            "kind": "research_centre",
            "status": "draft",
            "vat_number": "",
            "founded": None,
            "website": "",
            "sites": [("036021", "", True)],
            "codes": [],
        },
        "Gamma Start": {
            "slug": "gamma-start",
            "kind": "startup",
            "status": "review",
            "vat_number": "",
            "founded": None,
            "website": "",
            "sites": [],
            "codes": ["segment:dialysis"],
        },
    }


def test_import_csv_with_bom_and_semicolons(reference, facilitator):
    content = csv_bytes(
        "name,kind,municipality,segments",
        "Àlpha Mèdical,sme,036022,dialysis",
        bom=True,
        delimiter=";",
    )
    # The codes cell used ";" too: with semicolon as the delimiter it must be quoted.
    content = content.replace(b"dialysis", b'"dialysis;cardiac_surgery"')
    result = imports.import_organisations(facilitator, content)
    assert result.errors == []
    organisation = Organisation.objects.get()
    assert organisation.name == "Àlpha Mèdical"
    assert summary(organisation)["codes"] == ["segment:cardiac_surgery", "segment:dialysis"]


def test_import_xlsx_creates_the_same_records(reference, facilitator):
    content = xlsx_bytes(
        [
            ["Name", "Kind", "Municipality", "VAT number", "Founded", "Segments", "EMDN"],
            # Numbers as a spreadsheet stores them: leading zeros gone, years as numbers.
            ["Alpha Medical", "sme", 36022, int(VAT_A), 1985, "dialysis", "F0106"],
            [None, None, None, None, None, None, None],
            ["Beta Lab", "research_centre", "036021", None, None, None, None],
        ]
    )
    result = imports.import_organisations(facilitator, content)
    assert result.errors == []
    assert [(p.row, p.name, p.municipality, p.code_count) for p in result.organisations] == [
        (2, "Alpha Medical", "036022", 2),
        (4, "Beta Lab", "036021", 0),
    ]
    alpha = Organisation.objects.get(name="Alpha Medical")
    assert (alpha.vat_number, alpha.founded) == (VAT_A, 1985)
    assert summary(alpha)["codes"] == ["emdn:F0106", "segment:dialysis"]
    assert [s.municipality.name for s in Site.objects.order_by("organisation__name")] == [
        "Mirandola",
        "Medolla",
    ]


def test_import_dry_run_writes_nothing(reference, facilitator):
    result = imports.import_organisations(facilitator, GOOD_CSV, dry_run=True)
    assert result.written is False
    assert result.errors == []
    assert [
        (p.row, p.name, p.kind, p.municipality_name, p.code_count, p.slug)
        for p in result.organisations
    ] == [
        (2, "Alpha Medical", "sme", "Mirandola", 4, ""),
        (3, "Beta Lab", "research_centre", "Medolla", 0, ""),
        (4, "Gamma Start", "startup", "", 1, ""),
    ]
    assert Organisation.objects.count() == 0
    assert Site.objects.count() == 0


def test_import_one_bad_row_imports_nothing(reference, facilitator):
    content = csv_bytes(
        HEADER,
        "Alpha Medical,sme,036022,,,,,,,,",
        "Beta Lab,research_centre,036021,,,2999,,,,,",
        "Gamma Start,startup,,,,,,,,,",
    )
    result = imports.import_organisations(facilitator, content)
    assert result.written is False
    assert result.errors == [RowError(3, "founded", "The founding year is in the future.")]
    assert [p.name for p in result.organisations] == ["Alpha Medical", "Gamma Start"]
    assert Organisation.objects.count() == 0


def test_import_skip_bad_rows_imports_only_the_good_rows(reference, facilitator):
    content = csv_bytes(
        HEADER,
        "Alpha Medical,sme,036022,,,,,,,,",
        "Beta Lab,research_centre,999999,,,,,,,,",
        "Gamma Start,startup,,,,,,orthopaedics,,,",
        "Delta,sme,,,,,,,,,",
    )
    result = imports.import_organisations(facilitator, content, skip_bad_rows=True)
    assert result.written is True
    assert result.errors == [
        RowError(
            3,
            "municipality",
            'Unknown municipality code "999999": no municipality has this ISTAT code.',
        ),
        RowError(4, "segments", 'Unknown code "orthopaedics" in the taxonomy "segment".'),
    ]
    assert result.skipped_rows == [3, 4]
    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["Alpha Medical", "Delta"]


def test_import_duplicate_in_database_by_vat_and_by_name_and_municipality(reference, facilitator):
    existing = factories.OrganisationFactory(name="Alpha Medical", vat_number=VAT_A)
    factories.SiteFactory(organisation=existing)  # in Mirandola
    content = csv_bytes(
        "name,kind,municipality,vat_number",
        f"Another Name,sme,036021,IT{VAT_A}",
        "ALPHA  medical,sme,036022,",
        "Alpha Medical,sme,036021,",
    )
    result = imports.import_organisations(facilitator, content)
    assert result.errors == [
        RowError(
            2, "vat_number", "An organisation with this VAT number already exists: Alpha Medical."
        ),
        RowError(
            3,
            "name",
            "An organisation with this name already exists in this municipality: Alpha Medical.",
        ),
    ]
    assert [p.row for p in result.organisations] == [4]
    assert Organisation.objects.count() == 1


def test_import_duplicate_within_the_file(reference, facilitator):
    content = csv_bytes(
        "name,kind,municipality,vat_number",
        f"Alpha Medical,sme,036022,{VAT_A}",
        f"Alpha Again,sme,036021,{VAT_A}",
        "alpha medical,startup,036022,",
    )
    result = imports.import_organisations(facilitator, content)
    assert result.errors == [
        RowError(3, "vat_number", "The same VAT number is already in row 2."),
        RowError(4, "name", "An organisation with this name and municipality is already in row 2."),
    ]
    assert Organisation.objects.count() == 0


def test_import_error_messages_are_translated_then_filled_in(reference, facilitator):
    content = csv_bytes("name,kind", "Alpha,company")
    with translation.override("it"):
        result = imports.import_organisations(facilitator, content)
        expected = gettext('Unknown kind "%(value)s". Use one of: %(allowed)s.') % {
            "value": "company",
            "allowed": ", ".join(OrganisationKind.values),
        }
    assert result.errors == [RowError(2, "kind", expected)]


def test_import_unknown_and_missing_columns_are_fatal(reference, facilitator):
    content = csv_bytes("name,colour", "Alpha,red")
    result = imports.import_organisations(facilitator, content, skip_bad_rows=True)
    assert result.fatal is True
    assert result.written is False
    assert result.errors == [
        RowError(
            1,
            "kind",
            'The required column "kind" is missing from the header row.',
        ),
        RowError(
            1,
            "colour",
            'Unknown column "colour". The columns are: ' + ", ".join(imports.COLUMN_NAMES) + ".",
        ),
    ]
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty: it needs a header row with the column names."),
        (
            "name,kind\nCaffè,sme\n".encode("latin-1"),
            'The file is not UTF-8 text (byte 15). Save it as "CSV UTF-8" or as an .xlsx workbook.',
        ),
        (
            b"\xd0\xcf\x11\xe0rest of an old workbook",
            "Old Excel files (.xls) cannot be read; save the sheet as .xlsx or as CSV UTF-8.",
        ),
        (b"PK\x03\x04 not really a zip", "The file could not be read as an .xlsx workbook."),
        (b"\n\nname,kind\n", "The first row must be the header row with the column names."),
    ],
)
def test_import_unreadable_files(reference, facilitator, content, message):
    result = imports.import_organisations(facilitator, content)
    assert result.fatal is True
    assert result.errors == [RowError(None, "", message)]


def test_import_row_numbers_count_quoted_line_breaks_as_one_row(reference, facilitator):
    content = b'name,kind,description_en\nAlpha,sme,"two\nlines"\nBeta,company,\n'
    result = imports.import_organisations(facilitator, content, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "kind")]
    assert result.organisations[0].name == "Alpha"


def test_import_refused_to_members_org_admins_and_visitors(reference, member, org_admin):
    for user in (member, org_admin, AnonymousUser(), None):
        with pytest.raises(PermissionDenied):
            imports.import_organisations(user, GOOD_CSV, dry_run=True)
    assert Organisation.objects.filter(name="Alpha Medical").count() == 0


def test_import_by_the_system_operator(reference):
    result = imports.import_organisations(SYSTEM, GOOD_CSV)
    assert result.written is True
    assert Organisation.objects.count() == 3


def test_import_reports_progress(reference, facilitator):
    seen: list[tuple[str, int, int]] = []
    imports.import_organisations(facilitator, GOOD_CSV, progress=lambda *step: seen.append(step))
    assert seen == [
        ("check", 1, 3),
        ("check", 2, 3),
        ("check", 3, 3),
        ("write", 1, 3),
        ("write", 2, 3),
        ("write", 3, 3),
    ]
