"""Hostile import files: too large, of another type, zip bombs, macros, links, formulas,
XML entities. Every door (the three import pages, the three import commands) refuses
them with a message that says what is wrong, and nothing is written. Exports never hand
a spreadsheet a formula made of user text."""

from __future__ import annotations

import csv
import io
import zipfile
from io import StringIO

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from distretto.monitor.models import Observation
from distretto.registry import imports, tabular, tie_imports
from distretto.registry.models import Organisation, Tie
from distretto.registry.tabular import TableError, defuse_cell, write_csv, write_xlsx
from tests import factories
from tests.security.hostile_files import (
    BILLION_LAUGHS,
    SHEET,
    rezip,
    workbook_bytes,
    zip_bomb_workbook,
)

ORG_HEADER = ["name", "kind"]
GOOD_XLSX = workbook_bytes([ORG_HEADER, ["Alpha Medical", "sme"]])
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def reference(db):
    factories.import_reference_data()


def fatal_message(content: bytes, user) -> str:
    result = imports.import_organisations(user, content)
    assert result.fatal is True
    assert result.written is False
    assert len(result.errors) == 1
    (error,) = result.errors
    assert (error.row, error.column) == (None, "")
    return error.message


def read_error(content: bytes, limits: tabular.Limits | None = None) -> str:
    with pytest.raises(TableError) as refused:
        tabular.read_table(content, limits)
    exc = refused.value
    return exc.message % exc.params if exc.params else exc.message


# --- the reader ---------------------------------------------------------------------------


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_good_workbook_is_read():
    table = tabular.read_table(GOOD_XLSX)
    assert (table.header, table.rows) == (ORG_HEADER, [["Alpha Medical", "sme"]])


def test_a_file_over_the_limit_is_refused_before_anything_is_read():
    limits = tabular.Limits(max_bytes=MB)
    content = b"name,kind\n" + b"x" * (MB + MB // 2)
    assert read_error(content, limits) == ("The file is too large (1.5 MB); the limit is 1.0 MB.")


def test_billion_laughs_workbook_is_refused():
    content = rezip(GOOD_XLSX, replace={SHEET: BILLION_LAUGHS})
    assert read_error(content) == ("The workbook's XML declares entities, which are not accepted.")


def test_zip_bomb_by_compression_ratio():
    message = read_error(zip_bomb_workbook(unpacked_mb=5))
    assert message == (
        'The workbook\'s part "xl/media/zeros.bin" is compressed more than 100 to 1; '
        "it may be a zip bomb."
    )


def test_zip_bomb_by_total_unpacked_size():
    limits = tabular.Limits(max_bytes=MB, unpacked_factor=20)
    message = read_error(zip_bomb_workbook(unpacked_mb=30), limits)
    assert message == (
        "The workbook unpacks to 30.0 MB, more than the 20.0 MB allowed; it may be a zip bomb."
    )


def test_zip_with_too_many_parts():
    content = rezip(GOOD_XLSX, add={f"xl/media/{n}.txt": b"x" for n in range(600)})
    assert read_error(content) == "The workbook has too many parts (609; at most 500)."


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert read_error(buffer.getvalue()) == (
        "The file is a zip archive but not an .xlsx workbook (no [Content_Types].xml)."
    )
    no_workbook = rezip(GOOD_XLSX, drop=["xl/workbook.xml"])
    assert read_error(no_workbook) == (
        "The file is a zip archive but not an .xlsx workbook (no workbook part)."
    )


def test_macros_are_refused():
    with_vba = rezip(GOOD_XLSX, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    message = "The workbook contains macros; save it as a plain .xlsx workbook."
    assert read_error(with_vba) == message
    types = zipfile.ZipFile(io.BytesIO(GOOD_XLSX)).read("[Content_Types].xml")
    xlsm_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert xlsm_types != types
    assert read_error(rezip(GOOD_XLSX, replace={"[Content_Types].xml": xlsm_types})) == message


def test_external_links_are_refused():
    content = rezip(GOOD_XLSX, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    assert read_error(content) == (
        "The workbook links to other workbooks (external links); "
        "paste the values and save it again."
    )


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        ([["name", "kind"], ["=1+1", "sme"]], "A2"),
        ([["name", "kind"], ["Alpha", '=HYPERLINK("http://evil.example","x")']], "B2"),
        ([["name", "kind"], ["Alpha", "sme"], ["Beta", "=cmd|' /C calc'!A0"]], "B3"),
    ],
)
def test_formulas_are_refused_naming_sheet_and_cell(cells, where):
    content = workbook_bytes(cells, title="Firms")
    assert read_error(content) == (
        f'Sheet "Firms", cell {where} holds a formula: formulas are not accepted; paste values.'
    )


def test_text_that_only_looks_like_a_formula_is_read_as_text():
    # The platform's own export: "=..." stored as a string, not a formula.
    content = write_xlsx(ORG_HEADER, [["=not a formula", "sme"]], title="organisations")
    table = tabular.read_table(content)
    assert table.rows == [["=not a formula", "sme"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,kind\nA\x00lpha,sme\n", "The file is neither CSV text nor an .xlsx workbook."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            'The file is not UTF-8 text (byte 1). Save it as "CSV UTF-8" or as an .xlsx workbook.',
        ),
        (
            b"%PDF-1.7\n\xe2\xe3\xcf\xd3",
            'The file is not UTF-8 text (byte 10). Save it as "CSV UTF-8" or as an .xlsx workbook.',
        ),
    ],
)
def test_csv_must_be_utf8_text_without_nul(content, message):
    assert read_error(content) == message


# --- the services: nothing written --------------------------------------------------------


HOSTILE_FILES = {
    "too large": b"name,kind\nAlpha,sme\n" + b"#" * (2 * MB),
    "zip bomb": zip_bomb_workbook(unpacked_mb=5),
    "formula": workbook_bytes([["name", "kind"], ["Alpha", "=1+1"]]),
    "macros": rezip(GOOD_XLSX, add={"xl/vbaProject.bin": b"vba"}),
    "entities": rezip(GOOD_XLSX, replace={SHEET: BILLION_LAUGHS}),
    "nul": b"name,kind\nAlpha\x00,sme\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_every_import_service_refuses_hostile_files(reference, facilitator, settings, name):
    from distretto.monitor import imports as observation_imports

    settings.MAX_UPLOAD_BYTES = MB
    content = HOSTILE_FILES[name]
    assert fatal_message(content, facilitator)
    for run in (tie_imports.import_ties, observation_imports.import_observations):
        result = run(facilitator, content)
        assert result.fatal is True
        assert result.written is False
        assert [(e.row, e.column) for e in result.errors] == [(None, "")]
    assert (Organisation.objects.count(), Tie.objects.count(), Observation.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_setting_sets_the_limit(reference, facilitator, settings):
    settings.MAX_UPLOAD_BYTES = MB
    content = b"name,kind\nAlpha,sme\n" + b"#" * (2 * MB)
    assert fatal_message(content, facilitator) == (
        "The file is too large (2.0 MB); the limit is 1.0 MB."
    )


# --- the pages ----------------------------------------------------------------------------


PAGES = ("/en/registry/import/", "/en/registry/import/ties/", "/en/monitor/import/")


def upload(client, url: str, content: bytes, name: str):
    return client.post(url, {"file": SimpleUploadedFile(name, content, "application/x-bad")})


@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_other_types_and_large_files_on_the_file_field(
    client, facilitator, reference, settings, url
):
    settings.MAX_UPLOAD_BYTES = MB
    client.force_login(facilitator)
    response = upload(client, url, b"<html><script>alert(1)</script>", "page.html")
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Choose a .csv or .xlsx file."]}
    response = upload(client, url, b"name,kind\n" + b"#" * (2 * MB), "big.csv")
    assert response.context["form"].errors == {
        "file": ["The file is too large (2.0\xa0MB); the limit is 1.0\xa0MB."]
    }
    assert not (settings.DATA_DIR / "imports").exists() or not list(
        (settings.DATA_DIR / "imports").iterdir()
    )


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bomb.xlsx", zip_bomb_workbook(unpacked_mb=5), "it may be a zip bomb"),
        ("renamed.csv", workbook_bytes([["name", "kind"], ["=1+1", "sme"]]), "cell A2"),
        ("laughs.xlsx", rezip(GOOD_XLSX, replace={SHEET: BILLION_LAUGHS}), "entities"),
    ],
)
def test_pages_refuse_hostile_content_and_stage_nothing(
    client, facilitator, reference, url, name, content, message
):
    client.force_login(facilitator)
    response = upload(client, url, content, name)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.fatal is True
    assert message in result.errors[0].message
    assert response.context["confirm_form"] is None
    assert message in response.content.decode()
    assert Organisation.objects.count() == 0


# --- the commands -------------------------------------------------------------------------


COMMANDS = ("import_organisations", "import_ties", "indicators_import")


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_refuse_other_types_large_and_hostile_files(
    reference, tmp_path, settings, command
):
    settings.MAX_UPLOAD_BYTES = MB
    other = tmp_path / "orgs.xlsm"
    other.write_bytes(GOOD_XLSX)
    with pytest.raises(CommandError) as refused:
        call_command(command, str(other), stdout=StringIO(), stderr=StringIO())
    assert str(refused.value) == "orgs.xlsm: choose a .csv or .xlsx file."
    big = tmp_path / "big.csv"
    big.write_bytes(b"name,kind\n" + b"#" * (2 * MB))
    with pytest.raises(CommandError) as refused:
        call_command(command, str(big), stdout=StringIO(), stderr=StringIO())
    assert str(refused.value) == "big.csv: the file is too large (2.0 MB); the limit is 1.0 MB."
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb_workbook(unpacked_mb=5))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(command, str(bomb), stdout=StringIO(), stderr=err)
    assert "zip bomb" in err.getvalue()
    assert (Organisation.objects.count(), Tie.objects.count(), Observation.objects.count()) == (
        0,
        0,
        0,
    )


# --- exports ------------------------------------------------------------------------------

INJECTIONS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\tindented",
    "\rreturn",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_defuse_cell_quotes_what_starts_like_a_formula(text):
    assert defuse_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Alpha", "-12.5", "+39", "1e5", "", "a=b"])
def test_defuse_cell_leaves_plain_text_and_numbers(text):
    assert defuse_cell(text) == text


def test_csv_and_xlsx_writers_neutralise_formulas():
    rows = [[text, "ok"] for text in INJECTIONS]
    text = write_csv(["name", "kind"], rows).decode("utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))]
    assert cells == ["name", *(f"'{injection}" for injection in INJECTIONS)]
    sheet = load_workbook(io.BytesIO(write_xlsx(["name", "kind"], rows, "t"))).active
    assert sheet is not None
    for row, injection in enumerate(INJECTIONS, start=2):
        cell = sheet.cell(row=row, column=1)
        # XML reads a carriage return back as a line feed.
        assert (cell.value, cell.data_type) == (injection.replace("\r", "\n"), "s")
        assert cell.quotePrefix is True
    xml = zipfile.ZipFile(io.BytesIO(write_xlsx(["n"], [["=1+1"]], "t"))).read(SHEET)
    assert b"<f>" not in xml


def test_directory_exports_neutralise_formulas(client, db):
    factories.OrganisationFactory(name='=HYPERLINK("http://evil.example","x")')
    text = client.get("/en/registry/export/?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    content = client.get("/en/registry/export/?format=xlsx").content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    names = [cell for cell in sheet.iter_rows(min_row=2, values_only=True)]
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert names[0][0] == '=HYPERLINK("http://evil.example","x")'


def test_open_data_csv_neutralises_formulas(client, db):
    from distretto.monitor.models import Indicator

    indicator = Indicator.objects.create(
        slug="firms", name_it="Imprese", name_en="Firms", unit="count"
    )
    Observation.objects.create(
        indicator=indicator,
        territory_kind="country",
        territory_code="IT",
        period="2024",
        value="-5",
        source="@SUM(1+1)",
        notes="=1+1",
    )
    text = client.get("/api/v1/indicators/firms/data?format=csv").content.decode()
    assert "'@SUM(1+1)" in text
    assert "'=1+1" in text
    assert ",-5," in text


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
    b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    b'name</t></is></c><c r="B1" t="inlineStr"><is><t>kind</t></is></c></row>'
)


@pytest.mark.parametrize(
    ("cells", "where"),
    [
        # A shared formula: the first cell holds it, the others only point to it.
        (b'<row r="2"><c r="B2" t="str"><f t="shared" si="0"/><v>sme</v></c></row>', "B2"),
        (b'<row r="2"><c r="B2"><f t="array" ref="B2">SUM(A1:A2)</f><v>3</v></c></row>', "B2"),
        (b'<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>', "A2"),
        # With a cached value that looks harmless: the formula is refused all the same.
        (b'<row r="2"><c r="A2" t="str"><f>WEBSERVICE("http://x")</f><v>Alpha</v></c></row>', "A2"),
    ],
)
def test_every_kind_of_formula_is_refused(cells, where):
    sheet = SHEET_HEAD + cells + b"</sheetData></worksheet>"
    content = rezip(GOOD_XLSX, replace={SHEET: sheet})
    assert read_error(content) == (
        f'Sheet "Sheet", cell {where} holds a formula: formulas are not accepted; paste values.'
    )
