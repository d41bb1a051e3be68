"""The tie import: the rules of each row, the service, the command and the page."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from distretto import cli
from distretto.accounts.services import SYSTEM
from distretto.registry import tie_imports
from distretto.registry.domain import tie_rows
from distretto.registry.imports import RowError
from distretto.registry.models import Tie
from distretto.registry.tie_imports import PlannedTie
from distretto.taxonomy.models import Code
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/en/registry/import/ties/"
VAT_A = factories.italian_vat("0012345036")
HEADER = "source,target,type,process_step,year_from,year_to,source_of_fact"
GOOD = (
    HEADER,
    "alpha-medical,Beta Lab,supplies,injection_moulding,2015,2020,Annual report 2020",
    f"IT {VAT_A},gamma-start,member_of,,2018,,Member list",
    "BETA LAB,Alpha Medical,collaborates_with,,,,Interview",
)


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def orgs(db):
    factories.import_reference_data()
    return {
        "alpha": factories.OrganisationFactory(name="Alpha Medical", vat_number=VAT_A),
        "beta": factories.OrganisationFactory(name="Beta Lab"),
        "gamma": factories.OrganisationFactory(name="Gamma Start"),
    }


def ties() -> list[tuple[str, str, str, str, int | None, int | None, str]]:
    return sorted(
        (
            t.from_organisation.slug,
            t.to_organisation.slug,
            t.kind,
            t.process_step.code if t.process_step else "",
            t.year_from,
            t.year_to,
            t.source,
        )
        for t in Tie.objects.select_related("from_organisation", "to_organisation", "process_step")
    )


GOOD_TIES = [
    (
        "alpha-medical",
        "beta-lab",
        "supplies",
        "injection_moulding",
        2015,
        2020,
        "Annual report 2020",
    ),
    ("alpha-medical", "gamma-start", "member_of", "", 2018, None, "Member list"),
    ("beta-lab", "alpha-medical", "collaborates_with", "", None, None, "Interview"),
]


def errors_of(*rows: str, header: str = HEADER) -> list[tuple[int | None, str, str]]:
    user = factories.UserFactory(username="fac", is_facilitator=True)
    result = tie_imports.import_ties(user, csv_bytes(header, *rows))
    assert result.written is False
    assert Tie.objects.count() == 0
    return [(e.row, e.column, e.message) for e in result.errors]


# --- the service ------------------------------------------------------------------------


def test_good_csv_creates_the_ties(orgs, facilitator):
    result = tie_imports.import_ties(facilitator, csv_bytes(*GOOD))
    assert result.errors == []
    assert (result.written, result.rows_read) == (True, 3)
    assert ties() == GOOD_TIES
    first = result.ties[0]
    assert first == PlannedTie(
        2,
        "Alpha Medical",
        "Beta Lab",
        "supplies",
        "supplies",
        "injection_moulding",
        first.process_step_label,
        2015,
        2020,
        "alpha-medical",
        "beta-lab",
    )
    assert first.process_step_label
    assert [t.years for t in result.ties] == ["2015–2020", "2018–", ""]


def test_good_xlsx_creates_the_same_ties(orgs, facilitator):
    rows: list[list[object]] = [line.split(",") for line in GOOD]
    rows[1][4], rows[1][5] = 2015, 2020.0  # number cells, as a spreadsheet keeps them
    result = tie_imports.import_ties(facilitator, xlsx_bytes(rows))
    assert result.errors == []
    assert ties() == GOOD_TIES


def test_notes_are_stored(orgs, facilitator):
    content = csv_bytes(
        HEADER + ",note_it,note_en",
        "alpha-medical,beta-lab,project_partner,,,,Call results,Progetto comune,Joint project",
    )
    tie_imports.import_ties(facilitator, content)
    assert list(Tie.objects.values_list("note_it", "note_en")) == [
        ("Progetto comune", "Joint project")
    ]


def test_italian_headers_with_accents_and_spaces_work(orgs, facilitator):
    content = csv_bytes(
        "Origine;DESTINAZIONE;Tipo;Fase;Dal;Al;Fónte;Nota IT",
        "alpha-medical;beta-lab;supplies;Injection_Moulding;2015;2020;Annual report 2020;Fornitura",
    )
    result = tie_imports.import_ties(facilitator, content)
    assert result.errors == []
    assert ties() == [GOOD_TIES[0]]
    assert Tie.objects.get().note_it == "Fornitura"


def test_types_are_matched_ignoring_case_and_spaces(orgs, facilitator):
    content = csv_bytes(HEADER, "gamma-start,alpha-medical,Part of group,,,,Registry")
    result = tie_imports.import_ties(facilitator, content)
    assert result.errors == []
    assert Tie.objects.get().kind == "part_of_group"


def test_dry_run_writes_nothing(orgs, facilitator):
    result = tie_imports.import_ties(facilitator, csv_bytes(*GOOD), dry_run=True)
    assert (result.dry_run, result.written, result.errors) == (True, False, [])
    assert [(t.row, t.from_name, t.kind_label, t.to_name) for t in result.ties] == [
        (2, "Alpha Medical", "supplies", "Beta Lab"),
        (3, "Alpha Medical", "is a member of", "Gamma Start"),
        (4, "Beta Lab", "works with", "Alpha Medical"),
    ]
    assert Tie.objects.count() == 0


def test_unknown_organisation(orgs):
    assert errors_of("alpha-medical,Omega Srl,supplies,,,,Report") == [
        (
            2,
            "target",
            'Unknown organisation "Omega Srl": give its address name, VAT number or exact name.',
        )
    ]


def test_ambiguous_name_names_both_matches(orgs):
    factories.OrganisationFactory(name="Delta Srl", slug="delta")
    factories.OrganisationFactory(name="DELTA  SRL", slug="delta-2")
    rows = ("delta,beta-lab,supplies,,,,Report", "delta srl,beta-lab,supplies,,,,Report")
    assert errors_of(*rows) == [
        (
            3,
            "source",
            '"delta srl" is the name of several organisations: Delta Srl (delta), '
            "DELTA  SRL (delta-2). Use the address name or the VAT number instead.",
        )
    ]


def test_tie_to_itself(orgs):
    assert errors_of(f"{VAT_A},Alpha Medical,collaborates_with,,,,Report") == [
        (
            2,
            "target",
            "A tie cannot go from an organisation to itself: Alpha Medical (alpha-medical).",
        )
    ]


def test_unknown_type_lists_the_allowed_ones(orgs):
    ((row, column, message),) = errors_of("alpha-medical,beta-lab,buys_from,,,,Report")
    assert (row, column) == (2, "type")
    assert message == (
        'Unknown type of tie "buys_from". Use one of: supplies, part_of_group, member_of, '
        "project_partner, spin_off_of, collaborates_with, run_by, coordinated_by, "
        "meeting_outcome."
    )


def test_process_step_only_for_supplies_and_must_be_known(orgs):
    assert errors_of(
        "alpha-medical,beta-lab,member_of,injection_moulding,,,Report",
        "alpha-medical,beta-lab,supplies,welding,,,Report",
    ) == [
        (
            2,
            "process_step",
            'Only ties of type "supplies" have a process step; this one is "member_of".',
        ),
        (3, "process_step", 'Unknown code "welding" in the taxonomy "process_step".'),
    ]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("2015.5,", "year_from", '"2015.5" is not a year; write it with four digits, e.g. 1985.'),
        ("soon,", "year_from", '"soon" is not a year; write it with four digits, e.g. 1985.'),
        ("-2015,", "year_from", '"-2015" is not a year; write it with four digits, e.g. 1985.'),
        ("1899,", "year_from", "The year must be between 1900 and 2100."),
        (",2101", "year_to", "The year must be between 1900 and 2100."),
        (
            "2020,2015",
            "year_to",
            "The tie ends before it begins: year_to 2015 is before year_from 2020.",
        ),
    ],
)
def test_bad_years(orgs, cells, column, message):
    assert errors_of(f"alpha-medical,beta-lab,supplies,,{cells},Report") == [(2, column, message)]


def test_missing_source_of_the_fact(orgs):
    assert errors_of("alpha-medical,beta-lab,supplies,,2015,,  ") == [
        (
            2,
            "source_of_fact",
            "Say where the fact comes from (a document, a web page, an interview); "
            "this cell is empty.",
        )
    ]


def test_missing_organisation_and_type(orgs):
    assert errors_of(",beta-lab,,,,,Report") == [
        (2, "source", "The organisation is required; this cell is empty."),
        (2, "type", "The type of tie is required; this cell is empty."),
    ]


def test_duplicate_of_an_existing_tie(orgs):
    step = Code.objects.get(code="injection_moulding")
    factories.TieFactory(
        from_organisation=orgs["alpha"],
        to_organisation=orgs["beta"],
        kind="supplies",
        process_step=step,
        year_from=2015,
        year_to=2020,
    )
    user = factories.UserFactory(username="fac", is_facilitator=True)
    result = tie_imports.import_ties(user, csv_bytes(*GOOD[:2]))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            2,
            "source",
            "This tie already exists: Alpha Medical (alpha-medical) → supplies "
            "[injection_moulding] → Beta Lab (beta-lab), 2015–2020.",
        )
    ]
    assert Tie.objects.count() == 1
    # Other years make another tie.
    other = csv_bytes(HEADER, "alpha-medical,beta-lab,supplies,injection_moulding,2021,,Report")
    assert tie_imports.import_ties(user, other).written is True


def test_duplicate_of_an_earlier_row(orgs):
    assert errors_of(GOOD[1], GOOD[2], GOOD[1].replace("Annual report", "Other")) == [
        (4, "source", "The same tie is already in row 2.")
    ]


def test_header_problems_are_fatal(orgs, facilitator):
    result = tie_imports.import_ties(
        facilitator, csv_bytes("origine,source,kind,year_from", "a,b,c,2015")
    )
    assert result.fatal is True
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (1, "source", 'The column "source" appears more than once in the header row.'),
        (1, "target", 'The required column "target" is missing from the header row.'),
        (1, "type", 'The required column "type" is missing from the header row.'),
        (
            1,
            "source_of_fact",
            'The required column "source_of_fact" is missing from the header row.',
        ),
        (
            1,
            "kind",
            'Unknown column "kind". The columns are: source, target, type, process_step, '
            "year_from, year_to, source_of_fact, note_it, note_en.",
        ),
    ]


def test_unreadable_file_is_fatal(orgs, facilitator):
    result = tie_imports.import_ties(facilitator, b"\xd0\xcf\x11\xe0rest")
    assert result.fatal is True
    assert result.errors == [
        RowError(
            None,
            "",
            "Old Excel files (.xls) cannot be read; save the sheet as .xlsx or as CSV UTF-8.",
        )
    ]


def test_one_bad_row_writes_nothing_and_skip_bad_rows_writes_the_good_ones(orgs, facilitator):
    content = csv_bytes(*GOOD, "alpha-medical,nobody,supplies,,,,Report")
    result = tie_imports.import_ties(facilitator, content)
    assert (result.written, result.skipped_rows) == (False, [5])
    assert Tie.objects.count() == 0
    result = tie_imports.import_ties(facilitator, content, skip_bad_rows=True)
    assert (result.written, result.skipped_rows) == (True, [5])
    assert [t.row for t in result.ties] == [2, 3, 4]
    assert ties() == GOOD_TIES


def test_a_tie_added_between_the_check_and_the_write_is_reported(orgs, facilitator, monkeypatch):
    known = tie_imports.known_tie_values()
    monkeypatch.setattr(tie_imports, "known_tie_values", lambda: known)
    factories.TieFactory(
        from_organisation=orgs["beta"],
        to_organisation=orgs["alpha"],
        kind="collaborates_with",
        source="back office",
    )
    result = tie_imports.import_ties(facilitator, csv_bytes(*GOOD))
    assert result.written is False
    assert [(e.row, e.column) for e in result.errors] == [(4, "source")]
    assert Tie.objects.count() == 1
    result = tie_imports.import_ties(facilitator, csv_bytes(*GOOD), skip_bad_rows=True)
    assert result.written is True
    assert Tie.objects.count() == 3


def test_hostile_cells_are_stored_as_text(orgs, facilitator):
    formula = '=HYPERLINK("http://evil.example","click")'
    content = csv_bytes(
        HEADER + ",note_en",
        f'alpha-medical,beta-lab,supplies,,,,"{formula.replace(chr(34), chr(34) * 2)}",'
        "<script>alert(1)</script>",
    )
    result = tie_imports.import_ties(facilitator, content)
    assert result.errors == []
    tie = Tie.objects.get()
    assert (tie.source, tie.note_en) == (formula, "<script>alert(1)</script>")


def test_refused_to_members_and_visitors(orgs, member, org_admin):
    for user in (member, org_admin, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            tie_imports.import_ties(user, csv_bytes(*GOOD))
    assert Tie.objects.count() == 0


def test_the_system_operator_may_import(orgs):
    assert tie_imports.import_ties(SYSTEM, csv_bytes(*GOOD)).written is True


# --- the pure rules -----------------------------------------------------------------------


def test_header_names_are_normalised():
    assert [
        tie_rows.normalise_header_name(name)
        for name in ("Source", " ORIGINE ", "Process step", "fase", "Dal", "al", "Fónte", "nota-en")
    ] == [
        "source",
        "source",
        "process_step",
        "process_step",
        "year_from",
        "year_to",
        "source_of_fact",
        "note_en",
    ]


def test_organisations_are_found_by_slug_vat_or_name():
    alpha = tie_rows.KnownOrganisation(1, "alpha", "Alpha  Srl", VAT_A)
    foreign = tie_rows.KnownOrganisation(2, "beta", "Beta GmbH", "DE136695976")
    index = tie_rows.OrganisationIndex([alpha, foreign])
    assert index.find("ALPHA") == (alpha, [])
    assert index.find(f"IT{VAT_A}") == (alpha, [])
    assert index.find(VAT_A.lstrip("0")) == (alpha, [])  # leading zeros a spreadsheet drops
    assert index.find("alpha srl") == (alpha, [])
    assert index.find("de 136 695 976") == (foreign, [])
    assert index.find("Gamma") == (None, [])


# --- the command --------------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_ties", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_command_imports_and_reports(orgs, tmp_path):
    path = tmp_path / "ties.csv"
    path.write_bytes(csv_bytes(*GOOD))
    out, err = run(str(path))
    assert (lines(out), err) == (["Imported 3 ties."], "")
    assert ties() == GOOD_TIES


def test_command_dry_run_shows_the_ties_and_saves_nothing(orgs, tmp_path):
    path = tmp_path / "ties.csv"
    path.write_bytes(csv_bytes(*GOOD))
    out, _err = run(str(path), "--dry-run")
    text = lines(out)
    assert text[0] == "Ties to create"
    rows = [
        [cell.strip() for cell in line.strip()[1:-1].split("│")]
        for line in text
        if line.startswith("│")
    ]
    assert rows == [
        ["2", "Alpha Medical", "supplies", "Beta Lab", "injection_moulding", "2015–2020"],
        ["3", "Alpha Medical", "member_of", "Gamma Start", "", "2018–"],
        ["4", "Beta Lab", "collaborates_with", "Alpha Medical", "", ""],
    ]
    assert text[-1] == "Dry run: 3 ties would be created; nothing was saved."
    assert Tie.objects.count() == 0


def test_command_errors_and_skip_bad_rows(orgs, tmp_path):
    path = tmp_path / "ties.csv"
    path.write_bytes(csv_bytes(*GOOD, "alpha-medical,beta-lab,supplies,,1850,,Report"))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_ties", str(path), stdout=StringIO(), stderr=err)
    assert str(raised.value) == "Nothing was imported: 1 error."
    (row,) = [line for line in lines(err.getvalue()) if "year_from" in line]
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "5",
        "year_from",
        "The year must be between 1900 and 2100.",
    ]
    assert Tie.objects.count() == 0
    out, err_text = run(str(path), "--skip-bad-rows")
    assert lines(out) == ["Imported 3 ties.", "Skipped 1 bad row: 5."]
    assert "between 1900 and 2100" in err_text
    assert Tie.objects.count() == 3


def test_command_refused_to_a_member(orgs, tmp_path, member):
    path = tmp_path / "ties.csv"
    path.write_bytes(csv_bytes(*GOOD))
    with pytest.raises(CommandError) as refused:
        run(str(path), "--as", "member")
    assert str(refused.value) == "Only facilitators may import ties."


def test_cli_words_map_to_the_command():
    assert cli.translate(["import", "ties", "t.csv", "--dry-run"]) == [
        "import_ties",
        "t.csv",
        "--dry-run",
    ]


# --- the page -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Each test keeps its staged uploads in its own folder."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def facilitator_client(client, facilitator, orgs):
    client.force_login(facilitator)
    return client


def upload(client, content: bytes, name: str = "ties.csv", **extra: str):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra}
    return client.post(URL, data)


def test_page_offers_both_imports(facilitator_client):
    html = facilitator_client.get(URL).content.decode()
    assert 'href="/en/registry/import/ties/" aria-current="page"' in html
    assert 'href="/en/registry/import/"' in html
    assert "<code>source_of_fact</code> *" in html
    assert "<code>fonte</code>" in html
    assert "<code>collaborates_with</code>" in html
    organisations_page = facilitator_client.get("/en/registry/import/").content.decode()
    assert 'href="/en/registry/import/" aria-current="page"' in organisations_page
    assert 'href="/en/registry/import/ties/"' in organisations_page


def test_page_preview_then_import(facilitator_client):
    preview = upload(facilitator_client, csv_bytes(*GOOD))
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "3 ties would be created." in html
    assert '<a href="/en/organisations/alpha-medical/">Alpha Medical</a>' in html
    assert "<td>2015–2020</td>" in html
    assert Tie.objects.count() == 0
    token = preview.context["confirm_form"].initial["upload"]
    done = facilitator_client.post(URL, {"upload": token})
    assert done.status_code == 200
    assert "Imported 3 ties." in done.content.decode()
    assert ties() == GOOD_TIES


def test_page_preview_lists_errors_by_row_and_column(facilitator_client):
    content = csv_bytes(*GOOD, "alpha-medical,beta-lab,buys,,,,Report")
    preview = upload(facilitator_client, content)
    html = preview.content.decode()
    assert "1 row has errors." in html
    assert "<td>5</td><td><code>type</code></td><td>Unknown type of tie" in html
    token = preview.context["confirm_form"].initial["upload"]
    refused = facilitator_client.post(URL, {"upload": token})
    assert refused.context["result"].written is False
    assert Tie.objects.count() == 0
    skipped = facilitator_client.post(URL, {"upload": token, "skip_bad_rows": "on"})
    assert skipped.context["done"] is True
    assert Tie.objects.count() == 3


def test_page_escapes_hostile_cells(facilitator_client):
    content = csv_bytes(
        HEADER,
        "alpha-medical,<img src=x onerror=alert(1)>,supplies,,,,Report",
        'alpha-medical,beta-lab,supplies,,,,"=HYPERLINK(""http://evil.example"",""x"")"',
    )
    html = upload(facilitator_client, content).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "1 tie would be created." in html


def test_page_refused_to_a_member(client, member, orgs):
    client.force_login(member)
    assert client.get(URL).status_code == 403
    assert upload(client, csv_bytes(*GOOD)).status_code == 403
    assert Tie.objects.count() == 0


def test_page_sends_visitors_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
