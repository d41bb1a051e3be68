"""Export of the directory: CSV, XLSX and JSON in the import's layout; visibility; round trip."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from distretto.accounts.roles import forget_roles
from distretto.registry import imports
from distretto.registry.domain.import_rows import COLUMN_NAMES
from distretto.registry.models import Organisation, Site
from distretto.taxonomy.models import Code
from tests import factories

VAT_A = factories.italian_vat("0012345036")

SOURCE_CSV = (
    "name,kind,legal_name,summary_it,summary_en,description_it,description_en,municipality,"
    "address,website,vat_number,founded,staff_band,staff_year,turnover_band,turnover_year,"
    "status,source,segments,process_steps,certifications,value_chains,ateco,ateco2007,emdn\n"
    f'Alpha Medical,sme,Alpha Medical S.r.l.,Linee,Lines,"Riga uno\nRiga due",,036022,'
    f"Via Roma 1,https://alpha.example,{VAT_A},1985,50-249,2024,10-50,2023,published,"
    "Registro imprese,dialysis;cardiac_surgery,injection_moulding,iso13485,medtech,32.50.1,"
    "32.50.11,F0106\n"
    "Beta Lab,research_centre,,,,,,036021,,,,,,,,,draft,,,,,,,,\n"
    "Ärzte Start,startup,,,,,,,,,,,,,,,published,,dialysis,,,,,,\n"
).encode()


@pytest.fixture
def directory(db, facilitator):
    factories.import_reference_data()
    result = imports.import_organisations(facilitator, SOURCE_CSV)
    assert result.errors == []
    return result


def expected_alpha() -> dict[str, object]:
    return {
        "name": "Alpha Medical",
        "kind": "sme",
        "legal_name": "Alpha Medical S.r.l.",
        "summary_it": "Linee",
        "summary_en": "Lines",
        "description_it": "Riga uno\nRiga due",
        "description_en": "",
        "municipality": "036022",
        "address": "Via Roma 1",
        "website": "https://alpha.example",
        "vat_number": VAT_A,
        "founded": 1985,
        "staff_band": "50-249",
        "staff_year": 2024,
        "turnover_band": "10-50",
        "turnover_year": 2023,
        "status": "published",
        "source": "Registro imprese",
        "segments": ["dialysis", "cardiac_surgery"],
        "process_steps": ["injection_moulding"],
        "certifications": ["iso13485"],
        "value_chains": ["medtech"],
        "ateco": ["32.50.1"],
        "ateco2007": ["32.50.11"],
        "emdn": ["F0106"],
    }


def test_export_json_lists_objects_with_code_lists(directory, facilitator):
    export = imports.export_organisations(facilitator, "json")
    assert export.content_type == "application/json"
    assert export.filename == f"organisations-{timezone.localdate().isoformat()}.json"
    records = json.loads(export.content)
    assert [r["name"] for r in records] == ["Alpha Medical", "Ärzte Start", "Beta Lab"]
    assert records[0] == expected_alpha()
    assert list(records[2]) == list(COLUMN_NAMES)
    assert (records[2]["founded"], records[2]["segments"], records[2]["status"]) == (
        None,
        [],
        "draft",
    )


def test_export_csv_has_the_import_header_and_joined_codes(directory, facilitator):
    export = imports.export_organisations(facilitator, "csv")
    assert export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(COLUMN_NAMES)
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert alpha["segments"] == "dialysis;cardiac_surgery"
    assert alpha["description_it"] == "Riga uno\nRiga due"
    assert (alpha["founded"], alpha["municipality"], alpha["vat_number"]) == (
        "1985",
        "036022",
        VAT_A,
    )
    assert [row[0] for row in rows[1:]] == ["Alpha Medical", "Ärzte Start", "Beta Lab"]


def test_export_xlsx_keeps_codes_as_text(directory, facilitator):
    export = imports.export_organisations(facilitator, "xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "organisations"
    assert list(rows[0]) == list(COLUMN_NAMES)
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert (alpha["municipality"], alpha["vat_number"], alpha["founded"], alpha["emdn"]) == (
        "036022",
        VAT_A,
        1985,
        "F0106",
    )
    assert len(rows) == 4


def test_export_holds_only_what_the_user_may_see(directory, facilitator, member):
    # The member belongs to Acme Medical (published); Beta Lab is a draft.
    assert [r["name"] for r in imports.export_records(AnonymousUser())] == [
        "Acme Medical",
        "Alpha Medical",
        "Ärzte Start",
    ]
    assert [r["name"] for r in imports.export_records(member)] == [
        "Acme Medical",
        "Alpha Medical",
        "Ärzte Start",
    ]
    beta = Organisation.objects.get(name="Beta Lab")
    factories.MembershipFactory(user=member, organisation=beta)
    forget_roles(member)
    assert [r["name"] for r in imports.export_records(member)] == [
        "Acme Medical",
        "Alpha Medical",
        "Ärzte Start",
        "Beta Lab",
    ]
    assert len(imports.export_records(facilitator)) == 4


def test_export_municipality_is_the_headquarters(db):
    factories.import_reference_data()
    organisation = factories.OrganisationFactory(name="Two Sites")
    factories.SiteFactory(organisation=organisation, address="Plant")  # Mirandola
    medolla = factories.MunicipalityFactory(istat_code="036021")
    factories.SiteFactory(
        organisation=organisation, municipality=medolla, address="Seat", is_headquarters=True
    )
    (record,) = imports.export_records(None)
    assert (record["municipality"], record["address"]) == ("036021", "Seat")


def test_export_unknown_format(db):
    with pytest.raises(ValidationError) as raised:
        imports.export_organisations(None, "pdf")
    assert raised.value.message_dict == {
        "format": ['Unknown export format "pdf"; use csv, xlsx or json.']
    }


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_round_trip_into_an_empty_directory(directory, facilitator, file_format):
    first = imports.export_organisations(facilitator, file_format)
    records_before = imports.export_records(facilitator)
    Site.objects.all().delete()
    Organisation.objects.all().delete()
    result = imports.import_organisations(facilitator, first.content)
    assert result.errors == []
    assert len(result.organisations) == 3
    assert imports.export_records(facilitator) == records_before
    if file_format == "csv":
        assert imports.export_organisations(facilitator, "csv").content == first.content


def test_export_code_columns_follow_each_taxonomy_order(directory, facilitator):
    Code.objects.filter(code="cardiac_surgery").update(sort_order=0)
    (alpha,) = [r for r in imports.export_records(facilitator) if r["name"] == "Alpha Medical"]
    assert alpha["segments"] == ["cardiac_surgery", "dialysis"]


def test_export_command_writes_csv_to_stdout(directory):
    out = StringIO()
    call_command("export_organisations", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(COLUMN_NAMES)
    assert [row[0] for row in rows[1:]] == ["Alpha Medical", "Ärzte Start", "Beta Lab"]


def test_export_command_as_a_visitor_account_and_to_a_file(directory, tmp_path, other_member):
    target = tmp_path / "directory.json"
    err = StringIO()
    call_command(
        "export_organisations",
        "--format",
        "json",
        "--output",
        str(target),
        "--as",
        "othermember",
        stdout=StringIO(),
        stderr=err,
    )
    names = [r["name"] for r in json.loads(target.read_bytes())]
    # Other Firm is othermember's own; Beta Lab is a draft of someone else.
    assert names == ["Alpha Medical", "Ärzte Start", "Other Firm"]
    assert err.getvalue() == f"Exported 3 organisations to {target}.\n"


def test_export_command_xlsx_needs_an_output_file(db):
    with pytest.raises(CommandError) as raised:
        call_command("export_organisations", "--format", "xlsx", stdout=StringIO())
    assert str(raised.value) == "An XLSX export is a binary file: give --output FILE."


def test_export_view_for_a_visitor(directory, client):
    response = client.get("/en/registry/export/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="organisations-{timezone.localdate().isoformat()}.json"'
    )
    assert [r["name"] for r in json.loads(response.content)] == ["Alpha Medical", "Ärzte Start"]


def test_export_view_csv_by_default_and_bad_format(directory, client):
    response = client.get("/registry/export/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(COLUMN_NAMES)
    bad = client.get("/en/registry/export/?format=pdf")
    assert bad.status_code == 400
    assert bad.content.decode() == 'Unknown export format "pdf"; use csv, xlsx or json.'
