"""The import of indicator values: the rules of each row, the service, the command and the page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path
from openpyxl import Workbook

from distretto import cli
from distretto.monitor import import_views, imports
from distretto.monitor.domain import rows as observation_rows
from distretto.monitor.models import Indicator, Observation
from distretto.registry.models import District
from distretto.urls import urlpatterns as project_urlpatterns
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "indicator,territory_kind,territory_code,period,value,unit,source"
GOOD = (
    HEADER,
    "exports,province,MO,2024,131,eur_million,ISTAT Coeweb",
    "firms,municipality,036022,2024-Q2,1250,count,Camera di Commercio",
    "exports,nuts,ITH54,2024-H1,62.5,eur_million,ISTAT Coeweb",
    "firms,district,mirandola,2025-03,101,count,Registro imprese",
    'employment-rate,country,IT,2023,"66,3",percent,Eurostat',
)
GOOD_VALUES = [
    ("employment-rate", "country", "IT", "2023", dt.date(2023, 1, 1), Decimal("66.3"), "Eurostat"),
    ("exports", "nuts", "ITH54", "2024-H1", dt.date(2024, 1, 1), Decimal("62.5"), "ISTAT Coeweb"),
    ("exports", "province", "MO", "2024", dt.date(2024, 1, 1), Decimal("131"), "ISTAT Coeweb"),
    (
        "firms",
        "district",
        "mirandola",
        "2025-03",
        dt.date(2025, 3, 1),
        Decimal("101"),
        "Registro imprese",
    ),
    (
        "firms",
        "municipality",
        "036022",
        "2024-Q2",
        dt.date(2024, 4, 1),
        Decimal("1250"),
        "Camera di Commercio",
    ),
]


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


@pytest.fixture(autouse=True)
def reference(db):
    """Municipalities (Modena province), NUTS codes, the district and three indicators."""
    factories.import_reference_data()
    nuts = factories.TaxonomyFactory(slug="nuts")
    for code, label in (("IT", "Italia"), ("ITH5", "Emilia-Romagna"), ("ITH54", "Modena")):
        factories.CodeFactory(taxonomy=nuts, code=code, label_it=label, label_en=label)
    District.objects.create(
        slug="mirandola", name_it="Distretto", name_en="District", source="test"
    )
    return {
        "exports": Indicator.objects.create(
            slug="exports", name_it="Export", name_en="Exports", unit="eur_million"
        ),
        "firms": Indicator.objects.create(
            slug="firms", name_it="Imprese", name_en="Firms", unit="count"
        ),
        "rate": Indicator.objects.create(
            slug="employment-rate",
            name_it="Tasso di occupazione",
            name_en="Employment rate",
            unit="percent",
        ),
        "computed": Indicator.objects.create(
            slug="members",
            name_it="Iscritti",
            name_en="Members",
            unit="count",
            computed=True,
        ),
    }


def stored() -> list[tuple[str, str, str, str, dt.date, Decimal, str]]:
    return sorted(
        (
            o.indicator.slug,
            o.territory_kind,
            o.territory_code,
            o.period,
            o.period_start,
            o.value,
            o.source,
        )
        for o in Observation.objects.select_related("indicator")
    )


def observe(indicator: Indicator, value: str, source: str, **extra: object) -> Observation:
    fields: dict[str, object] = {
        "territory_kind": "province",
        "territory_code": "MO",
        "period": "2024",
        "period_start": dt.date(2024, 1, 1),
    }
    fields.update(extra)
    return Observation.objects.create(
        indicator=indicator, value=Decimal(value), source=source, **fields
    )


def errors_of(*lines: str, header: str = HEADER) -> list[tuple[int | None, str, str]]:
    user = factories.UserFactory(username="fac", is_facilitator=True)
    before = Observation.objects.count()
    result = imports.import_observations(user, csv_bytes(header, *lines))
    assert result.written is False
    assert Observation.objects.count() == before
    return [(e.row, e.column, e.message) for e in result.errors]


# --- the service --------------------------------------------------------------------------


def test_good_csv_writes_every_value(facilitator):
    result = imports.import_observations(facilitator, csv_bytes(*GOOD))
    assert result.errors == []
    assert (result.written, result.rows_read) == (True, 5)
    assert stored() == GOOD_VALUES
    assert not Observation.objects.filter(flagged=True).exists()
    assert set(Observation.objects.values_list("created_by", flat=True)) == {facilitator.pk}
    first = result.observations[0]
    assert first == imports.PlannedObservation(
        row=2,
        indicator="Exports",
        indicator_slug="exports",
        territory_kind="province",
        territory_code="MO",
        territory="MO",
        period="2024",
        value="131",
        unit="eur_million",
        unit_label="EUR million",
        source="ISTAT Coeweb",
    )
    territories = [planned.territory for planned in result.observations]
    assert territories == [
        "MO",
        "Mirandola (036022)",
        "Modena (ITH54)",
        "District (mirandola)",
        "Italia (IT)",
    ]
    assert (result.conflicts, result.already_there) == ([], [])


def test_good_xlsx_writes_the_same_values(facilitator):
    rows: list[list[object]] = [line.replace('"66,3"', "66.3").split(",") for line in GOOD]
    rows[1][3], rows[1][4] = 2024, 131.0  # number cells, as a spreadsheet keeps them
    rows[2][2] = 36022  # an ISTAT code typed as a number loses its leading zero
    rows[5][4] = 66.3
    result = imports.import_observations(facilitator, xlsx_bytes(rows))
    assert result.errors == []
    assert stored() == GOOD_VALUES


def test_optional_columns_are_stored(facilitator, reference):
    content = csv_bytes(
        HEADER + ",change_percent,source_url,licence,notes",
        'exports,province,mo,2024-q1,"40,25",EUR_MILLION,ISTAT,-3.5,https://www.istat.it/x,'
        "CC BY 4.0,Provisional",
    )
    result = imports.import_observations(facilitator, content)
    assert result.errors == []
    observation = Observation.objects.get()
    assert (
        observation.territory_code,
        observation.period,
        observation.period_start,
        observation.value,
        observation.change_percent,
        observation.source_url,
        observation.licence,
        observation.notes,
    ) == (
        "MO",
        "2024-Q1",
        dt.date(2024, 1, 1),
        Decimal("40.25"),
        Decimal("-3.5"),
        "https://www.istat.it/x",
        "CC BY 4.0",
        "Provisional",
    )


def test_italian_headers_with_accents(facilitator):
    content = csv_bytes(
        "Indicatore;Tipo territorio;Codice territorio;Periodo;Valore;Unità;Fonte;"
        "Variazione percentuale;Link fonte;Licenza;Note",
        "exports;province;MO;2024;131;eur_million;ISTAT Coeweb;2,5;;;",
    )
    result = imports.import_observations(facilitator, content)
    assert result.errors == []
    assert Observation.objects.get().change_percent == Decimal("2.5")


def test_dry_run_writes_nothing(facilitator):
    result = imports.import_observations(facilitator, csv_bytes(*GOOD), dry_run=True)
    assert (result.errors, result.written, len(result.observations)) == ([], False, 5)
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            "gdp,province,MO,2024,1,count,S",
            "indicator",
            'Unknown indicator "gdp": give the address name of an indicator.',
        ),
        (
            "members,province,MO,2024,1,count,S",
            "indicator",
            'The indicator "members" is counted by the platform from its own records; '
            "its values cannot be imported.",
        ),
        (
            "firms,region,MO,2024,1,count,S",
            "territory_kind",
            'Unknown kind of territory "region". Use one of: district, municipality, '
            "province, nuts, country.",
        ),
        (
            "firms,municipality,036099,2024,1,count,S",
            "territory_code",
            'Unknown municipality code "036099": no municipality has this ISTAT code.',
        ),
        (
            "firms,province,BO,2024,1,count,S",
            "territory_code",
            'Unknown province "BO": give the abbreviation of a province of a known '
            "municipality, e.g. MO.",
        ),
        (
            "firms,nuts,ITH99,2024,1,count,S",
            "territory_code",
            'Unknown code "ITH99" in the taxonomy "nuts".',
        ),
        (
            "firms,country,XX,2024,1,count,S",
            "territory_code",
            'Unknown country "XX": give a two-letter ISO 3166 code, e.g. IT, of a country '
            "the platform knows.",
        ),
        (
            "firms,district,carpi,2024,1,count,S",
            "territory_code",
            'Unknown district "carpi": give the address name of a district.',
        ),
        (
            "firms,province,MO,2024-Q5,1,count,S",
            "period",
            '"2024-Q5" is not a period. Write it as 2025, 2024-H1, 2025-Q1, 2025-03 or 2025-03-31.',
        ),
        (
            "firms,province,MO,2017/2021,1,count,S",
            "period",
            '"2017/2021" is a span of years; a value belongs to one period: a year, half, '
            "quarter, month or day, e.g. 2025 or 2025-Q1.",
        ),
        (
            "firms,province,MO,2014/,1,count,S",
            "period",
            '"2014/" is a span of years; a value belongs to one period: a year, half, '
            "quarter, month or day, e.g. 2025 or 2025-Q1.",
        ),
        (
            "firms,province,MO,2024,many,count,S",
            "value",
            '"many" is not a number. Write it with digits and at most one decimal '
            'separator, "." or ",", e.g. 1234.5 or 1234,5.',
        ),
        (
            'firms,province,MO,2024,"1.234,5",count,S',
            "value",
            '"1.234,5" has a thousands separator; write the number without it, with "." '
            'or "," only before the decimals, e.g. 1234567.5 or 1234567,5.',
        ),
        (
            'firms,province,MO,2024,"1,234.5",count,S',
            "value",
            '"1,234.5" has a thousands separator; write the number without it, with "." '
            'or "," only before the decimals, e.g. 1234567.5 or 1234567,5.',
        ),
        (
            "firms,province,MO,2024,1 234,count,S",
            "value",
            '"1 234" has a thousands separator; write the number without it, with "." '
            'or "," only before the decimals, e.g. 1234567.5 or 1234567,5.',
        ),
        (
            "firms,province,MO,2024,0.123456,count,S",
            "value",
            "0.123456 has too many decimals: at most 4.",
        ),
        (
            "firms,province,MO,2024,1,eur_million,S",
            "unit",
            'The indicator "firms" is measured in "count"; this row says "eur_million".',
        ),
        (
            "firms,province,MO,2024,1,dozens,S",
            "unit",
            'Unknown unit "dozens". Use one of: count, eur_million, percent, '
            "change_percent, people, per_km2.",
        ),
        (
            "firms,province,MO,2024,1,count,",
            "source",
            "Say where the value comes from (a publication, a data set); this cell is empty.",
        ),
        (
            "firms,province,MO,2024,,count,S",
            "value",
            "This cell is required; it is empty.",
        ),
    ],
)
def test_bad_cells_name_row_and_column(cells, column, message):
    assert errors_of(cells) == [(2, column, message)]


def test_source_url_must_be_a_web_address():
    header = HEADER + ",source_url"
    assert errors_of("firms,province,MO,2024,1,count,S,ftp://example.com/x", header=header) == [
        (
            2,
            "source_url",
            '"ftp://example.com/x" is not a web address; write it as https://www.example.com/data.',
        )
    ]


def test_bad_change_percent():
    header = HEADER + ",change_percent"
    assert errors_of("firms,province,MO,2024,1,count,S,+3%", header=header) == [
        (
            2,
            "change_percent",
            '"+3%" is not a number. Write it with digits and at most one decimal '
            'separator, "." or ",", e.g. 1234.5 or 1234,5.',
        )
    ]


def test_duplicate_row_in_the_file():
    assert errors_of(
        "firms,province,MO,2024,1,count,ISTAT",
        "firms,province,MO,2024,2,count,istat ",
    ) == [(3, "source", "The same indicator, territory, period and source are already in row 2.")]


def test_header_problems_are_fatal(facilitator):
    result = imports.import_observations(
        facilitator, csv_bytes("indicator,territory_kind,period,valore,colour", "x")
    )
    assert result.fatal
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            1,
            "territory_code",
            'The required column "territory_code" is missing from the header row.',
        ),
        (1, "unit", 'The required column "unit" is missing from the header row.'),
        (1, "source", 'The required column "source" is missing from the header row.'),
        (
            1,
            "colour",
            'Unknown column "colour". The columns are: indicator, territory_kind, '
            "territory_code, period, value, unit, change_percent, source, source_url, "
            "licence, notes.",
        ),
    ]


def test_unreadable_file_is_fatal(facilitator):
    result = imports.import_observations(facilitator, b"\xd0\xcf\x11\xe0 old excel")
    assert result.fatal
    assert result.errors[0].message.startswith("Old Excel files (.xls) cannot be read")


def test_one_bad_row_writes_nothing_and_skip_bad_rows_writes_the_good_ones(facilitator):
    content = csv_bytes(*GOOD, "firms,province,MO,2024,lots,count,S")
    refused = imports.import_observations(facilitator, content)
    assert (refused.written, refused.skipped_rows) == (False, [7])
    assert Observation.objects.count() == 0
    result = imports.import_observations(facilitator, content, skip_bad_rows=True)
    assert (result.written, result.skipped_rows, len(result.observations)) == (True, [7], 5)
    assert stored() == GOOD_VALUES


def test_another_source_is_kept_side_by_side_and_both_are_flagged(facilitator, reference):
    first = observe(reference["exports"], "131", "ISTAT Coeweb")
    content = csv_bytes(HEADER, "exports,province,MO,2024,129,eur_million,Camera di Commercio")
    preview = imports.import_observations(facilitator, content, dry_run=True)
    assert preview.errors == []
    assert [(p.row, p.flagged) for p in preview.observations] == [(2, True)]
    result = imports.import_observations(facilitator, content)
    assert result.errors == []
    assert result.written
    (conflict,) = result.conflicts
    assert conflict.message == (
        'Kept side by side with the value already stored: "ISTAT Coeweb" says 131, '
        '"Camera di Commercio" says 129. Both are flagged.'
    )
    assert (conflict.row, conflict.other_row, conflict.value, conflict.other_value) == (
        2,
        None,
        "129",
        "131",
    )
    first.refresh_from_db()
    assert (first.value, first.source, first.flagged) == (Decimal("131"), "ISTAT Coeweb", True)
    second = Observation.objects.exclude(pk=first.pk).get()
    assert (second.value, second.source, second.flagged) == (
        Decimal("129"),
        "Camera di Commercio",
        True,
    )


def test_another_source_with_the_same_value_is_kept_unflagged(facilitator, reference):
    first = observe(reference["exports"], "131", "ISTAT Coeweb")
    content = csv_bytes(HEADER, "exports,province,MO,2024,131.0,eur_million,Eurostat")
    result = imports.import_observations(facilitator, content)
    assert (result.errors, result.conflicts, result.written) == ([], [], True)
    assert Observation.objects.count() == 2
    assert not Observation.objects.filter(flagged=True).exists()
    first.refresh_from_db()
    assert first.value == Decimal("131")


def test_two_sources_in_one_file_are_kept_side_by_side(facilitator):
    content = csv_bytes(
        HEADER,
        "exports,province,MO,2024,131,eur_million,ISTAT",
        "exports,province,MO,2024,129,eur_million,Camera di Commercio",
    )
    result = imports.import_observations(facilitator, content)
    assert [c.message for c in result.conflicts] == [
        'Kept side by side with row 2: "ISTAT" says 131, "Camera di Commercio" says 129. '
        "Both are flagged."
    ]
    assert Observation.objects.filter(flagged=True).count() == 2


def test_the_same_source_with_another_value_is_refused(reference):
    first = observe(reference["exports"], "131", "ISTAT Coeweb")
    assert errors_of("exports,province,MO,2024,135,eur_million,istat  coeweb") == [
        (
            2,
            "value",
            '"ISTAT Coeweb" already states 131 for this indicator, territory and period; '
            "this row says 135. Nothing is overwritten: correct the stored value in the back "
            "office, or give the source of this value.",
        )
    ]
    first.refresh_from_db()
    assert (first.value, first.flagged) == (Decimal("131"), False)


def test_the_same_source_with_the_same_value_is_already_there(facilitator, reference):
    observe(reference["exports"], "131", "ISTAT Coeweb")
    content = csv_bytes(
        HEADER,
        "exports,province,MO,2024,131.00,eur_million,ISTAT Coeweb",
        "exports,province,MO,2023,120,eur_million,ISTAT Coeweb",
    )
    result = imports.import_observations(facilitator, content)
    assert (result.errors, result.written) == ([], True)
    assert [(n.row, n.message) for n in result.already_there] == [
        (2, 'Already there: "ISTAT Coeweb" states 131 for this point; row skipped.')
    ]
    assert [p.row for p in result.observations] == [3]
    assert Observation.objects.count() == 2


def test_a_value_stored_between_the_check_and_the_write_is_reported(
    facilitator, reference, monkeypatch
):
    real = imports.known_observation_values

    def stale(slugs=()):
        known = real(slugs)
        observe(reference["exports"], "140", "ISTAT")  # someone else, meanwhile
        return known

    monkeypatch.setattr(imports, "known_observation_values", stale)
    content = csv_bytes(HEADER, "exports,province,MO,2024,131,eur_million,ISTAT")
    result = imports.import_observations(facilitator, content)
    assert result.written is False
    assert [(e.row, e.column) for e in result.errors] == [(2, "value")]
    assert Observation.objects.count() == 1


def test_refused_to_members(member):
    with pytest.raises(PermissionDenied):
        imports.import_observations(member, csv_bytes(*GOOD))
    assert Observation.objects.count() == 0


# --- the pure rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2024", dt.date(2024, 1, 1)),
        ("2024-H2", dt.date(2024, 7, 1)),
        ("2024-Q3", dt.date(2024, 7, 1)),
        ("2024-Q4", dt.date(2024, 10, 1)),
        ("2024-11", dt.date(2024, 11, 1)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2023-02-29", None),
        ("2017/2021", None),
        ("", None),
    ],
)
def test_period_start(text, start):
    assert observation_rows.period_start(text) == start


def test_header_names_are_normalised():
    assert [
        observation_rows.normalise_header_name(name)
        for name in ("Unità", "Tipo territorio", "LINK-FONTE", "Territory code", "note")
    ] == ["unit", "territory_kind", "source_url", "territory_code", "notes"]


def test_country_codes_follow_iso():
    countries = observation_rows.country_codes(["IT", "EL", "CH", "ITH5"])
    assert {"IT", "GR", "CH", "DE"} <= countries
    assert "EL" not in countries
    assert "ITH5" not in countries


# --- the command ----------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("indicators_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_command_imports_and_reports(tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD))
    out, err = run(str(path))
    assert (lines(out), err) == (["Imported 5 values."], "")
    assert stored() == GOOD_VALUES


def test_command_dry_run_shows_the_values_and_saves_nothing(tmp_path, reference):
    observe(reference["exports"], "130", "Eurostat")
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD))
    out, _err = run(str(path), "--dry-run")
    text = lines(out)
    assert text[0] == "Values to import"
    table = [
        [cell.strip() for cell in line.strip()[1:-1].split("│")]
        for line in text
        if line.startswith("│") and line.strip()[1:].strip()[:1].isdigit()
    ]
    assert table[0] == ["2", "exports", "MO", "2024", "131 *", "eur_million", "ISTAT Coeweb"]
    assert "Kept side by side" in text
    assert any('"Eurostat" says 130, "ISTAT Coeweb" says 131' in line for line in text)
    assert text[-2:] == [
        "Dry run: 5 values would be imported; nothing was saved.",
        "1 value is kept side by side with another source's (flagged).",
    ]
    assert Observation.objects.count() == 1


def test_command_errors_and_skip_bad_rows(tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD, 'firms,province,MO,2024,"1.234,5",count,S'))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("indicators_import", str(path), stdout=StringIO(), stderr=err)
    assert str(raised.value) == "Nothing was imported: 1 error."
    (row,) = [line for line in lines(err.getvalue()) if "value" in line and "│" in line]
    assert [cell.strip() for cell in row.strip("│ ").split("│")][:2] == ["7", "value"]
    assert "thousands separator" in err.getvalue()
    assert Observation.objects.count() == 0
    out, err_text = run(str(path), "--skip-bad-rows")
    assert lines(out) == ["Imported 5 values.", "Skipped 1 bad row: 7."]
    assert "thousands separator" in err_text
    assert Observation.objects.count() == 5


def test_command_refused_to_a_member(tmp_path, member):
    path = tmp_path / "values.csv"
    path.write_bytes(csv_bytes(*GOOD))
    with pytest.raises(CommandError) as refused:
        run(str(path), "--as", "member")
    assert str(refused.value) == "Only facilitators may import indicator values."


def test_cli_words_map_to_the_command():
    assert cli.translate(["indicators", "import", "v.csv", "--dry-run"]) == [
        "indicators_import",
        "v.csv",
        "--dry-run",
    ]


# --- the page (through a test URLconf until monitor/urls.py names it) ---------------------

URL = "/en/test-monitor-import/"
urlpatterns = [
    *project_urlpatterns,
    *i18n_patterns(path("test-monitor-import/", import_views.import_observations)),
]


@pytest.fixture
def page(settings, tmp_path):
    settings.ROOT_URLCONF = __name__
    settings.DATA_DIR = tmp_path  # the staged uploads of this test
    return URL


def upload(client, content: bytes, name: str = "values.csv", **extra: str):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra}
    return client.post(URL, data)


def test_page_preview_then_import(page, client, facilitator, reference):
    client.force_login(facilitator)
    observe(reference["exports"], "130", "Eurostat")
    html = client.get(URL).content.decode()
    assert "<code>unit</code> *" in html
    assert "<code>unita</code>" in html
    assert "<code>employment-rate</code>" in html
    preview = upload(client, csv_bytes(*GOOD))
    html = preview.content.decode()
    assert "5 values would be imported." in html
    assert "Mirandola (036022)" in html
    assert "&quot;Eurostat&quot; says 130, &quot;ISTAT Coeweb&quot; says 131" in html
    assert Observation.objects.count() == 1
    token = preview.context["confirm_form"].initial["upload"]
    done = client.post(URL, {"upload": token})
    assert "Imported 5 values." in done.content.decode()
    assert Observation.objects.count() == 6
    assert Observation.objects.filter(flagged=True).count() == 2


def test_page_lists_errors_by_row_and_column(page, client, facilitator):
    client.force_login(facilitator)
    preview = upload(client, csv_bytes(*GOOD, "firms,province,XY,2024,1,count,S"))
    html = preview.content.decode()
    assert "1 row has errors." in html
    assert "<td>7</td><td><code>territory_code</code></td><td>Unknown province" in html
    token = preview.context["confirm_form"].initial["upload"]
    refused = client.post(URL, {"upload": token})
    assert refused.context["result"].written is False
    assert Observation.objects.count() == 0
    skipped = client.post(URL, {"upload": token, "skip_bad_rows": "on"})
    assert skipped.context["done"] is True
    assert Observation.objects.count() == 5


def test_page_refused_to_a_member_and_sends_visitors_to_log_in(page, client, member):
    assert client.get(URL).status_code == 302
    client.force_login(member)
    assert client.get(URL).status_code == 403
    assert upload(client, csv_bytes(*GOOD)).status_code == 403
    assert Observation.objects.count() == 0
