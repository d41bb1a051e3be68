"""The pure rules of the organisation import file: columns, cells, duplicates within the file."""

from __future__ import annotations

from pathlib import Path

from distretto.registry.domain import import_rows
from distretto.registry.domain.import_rows import KnownValues, RowProblem
from tests.factories import italian_vat

VAT_A = italian_vat("0012345036")
VAT_B = italian_vat("0054321036")

KNOWN = KnownValues(
    kinds=("large_company", "sme", "startup"),
    statuses=("draft", "review", "published", "archived"),
    staff_bands=("1-9", "10-49"),
    turnover_bands=("0-2", "2-10"),
    municipalities=frozenset({"036022", "036021"}),
    codes={
        "segment": frozenset({"dialysis", "cardiac_surgery"}),
        "process_step": frozenset({"injection_moulding"}),
        "certification": frozenset(),
        "value_chain": frozenset(),
        "ateco2025": frozenset({"32.50.1"}),
        "ateco2007": frozenset(),
        "emdn": frozenset({"F0106"}),
    },
    current_year=2026,
)


def parse(*rows: dict[str, str]) -> import_rows.ParsedRows:
    return import_rows.parse_rows(list(rows), KNOWN)


def problems_of(*rows: dict[str, str]) -> list[tuple[int | None, str, str, dict[str, str]]]:
    return [(p.row, p.column, p.message, p.params_dict()) for p in parse(*rows).problems]


def test_parse_rows_full_row_gives_exact_record():
    parsed = parse(
        {
            "name": "  Alpha   Medical ",
            "kind": "SME",
            "legal_name": "Alpha Medical S.r.l.",
            "summary_it": "Linee per dialisi",
            "description_en": "Blood lines.\nSecond line.",
            "municipality": "36022",
            "address": "Via Roma 1",
            "website": "www.alpha.example",
            "vat_number": "IT " + VAT_A,
            "founded": "1985",
            "staff_band": "10-49",
            "staff_year": "2024.0",
            "status": "published",
            "segments": "dialysis; Cardiac_Surgery;dialysis",
            "emdn": "f0106",
            "ateco": "32.50.1",
        }
    )
    assert parsed.problems == ()
    assert parsed.rows_read == 1
    (record,) = parsed.records
    assert record.row == 2
    assert record.fields == {
        "name": "Alpha Medical",
        "legal_name": "Alpha Medical S.r.l.",
        "kind": "sme",
        "summary_it": "Linee per dialisi",
        "summary_en": "",
        "description_it": "",
        "description_en": "Blood lines.\nSecond line.",
        "website": "https://www.alpha.example",
        "staff_band": "10-49",
        "turnover_band": "",
        "vat_number": VAT_A,
        "source": "",
        "founded": 1985,
        "staff_year": 2024,
        "turnover_year": None,
    }
    assert record.status == "published"
    assert record.municipality == "036022"
    assert record.address == "Via Roma 1"
    assert record.codes == {
        "segment": ("dialysis", "cardiac_surgery"),
        "ateco2025": ("32.50.1",),
        "emdn": ("F0106",),
    }
    assert record.code_count == 4


def test_parse_rows_status_defaults_to_draft_and_blank_rows_keep_their_number():
    parsed = parse({"name": "", "kind": ""}, {"name": "Beta", "kind": "startup"})
    assert parsed.problems == ()
    assert [(r.row, r.name, r.status) for r in parsed.records] == [(3, "Beta", "draft")]
    assert parsed.rows_read == 1


def test_parse_rows_missing_name_and_kind():
    assert problems_of({"name": " ", "kind": "", "summary_en": "Blood lines"}) == [
        (2, "name", "The name is required; this cell is empty.", {}),
        (2, "kind", "The kind is required; this cell is empty.", {}),
    ]


def test_parse_rows_unknown_kind_lists_the_allowed_ones():
    assert problems_of({"name": "Alpha", "kind": "company"}) == [
        (
            2,
            "kind",
            'Unknown kind "%(value)s". Use one of: %(allowed)s.',
            {"value": "company", "allowed": "large_company, sme, startup"},
        )
    ]


def test_parse_rows_invalid_vat_number():
    bad = VAT_A[:-1] + str((int(VAT_A[-1]) + 1) % 10)
    assert problems_of({"name": "Alpha", "kind": "sme", "vat_number": bad}) == [
        (
            2,
            "vat_number",
            "Not a valid Italian VAT number: check digit or office code is wrong.",
            {"value": bad},
        )
    ]


def test_parse_rows_vat_number_that_lost_its_leading_zeros_in_a_spreadsheet():
    (record,) = parse({"name": "Alpha", "kind": "sme", "vat_number": VAT_A.lstrip("0")}).records
    assert record.vat_number == VAT_A


def test_parse_rows_unknown_municipality_code():
    assert problems_of({"name": "Alpha", "kind": "sme", "municipality": "058091"}) == [
        (
            2,
            "municipality",
            'Unknown municipality code "%(code)s": no municipality has this ISTAT code.',
            {"code": "058091"},
        )
    ]


def test_parse_rows_malformed_municipality_code_and_address_without_municipality():
    assert problems_of(
        {"name": "Alpha", "kind": "sme", "municipality": "Mirandola"},
        {"name": "Beta", "kind": "sme", "address": "Via Roma 1"},
    ) == [
        (
            2,
            "municipality",
            "An ISTAT municipality code has six digits, e.g. 036022 for Mirandola.",
            {"value": "Mirandola"},
        ),
        (
            3,
            "address",
            "An address needs a municipality: give its ISTAT code in the municipality column.",
            {},
        ),
    ]


def test_parse_rows_unknown_taxonomy_code_names_code_and_taxonomy():
    assert problems_of(
        {"name": "Alpha", "kind": "sme", "segments": "dialysis;orthopaedics", "emdn": "Z99"},
        {"name": "Beta", "kind": "sme", "certifications": "iso13485"},
    ) == [
        (
            2,
            "segments",
            'Unknown code "%(code)s" in the taxonomy "%(taxonomy)s".',
            {"code": "orthopaedics", "taxonomy": "segment"},
        ),
        (
            2,
            "emdn",
            'Unknown code "%(code)s" in the taxonomy "%(taxonomy)s".',
            {"code": "Z99", "taxonomy": "emdn"},
        ),
        (
            3,
            "certifications",
            'Unknown code "%(code)s": the taxonomy "%(taxonomy)s" has no codes yet.',
            {"code": "iso13485", "taxonomy": "certification"},
        ),
    ]


def test_parse_rows_founded_in_the_future_or_not_a_year():
    assert problems_of(
        {"name": "Alpha", "kind": "sme", "founded": "2027"},
        {"name": "Beta", "kind": "sme", "founded": "about 1990"},
        {"name": "Gamma", "kind": "sme", "staff_year": "1700"},
    ) == [
        (2, "founded", "The founding year is in the future.", {"value": "2027"}),
        (
            3,
            "founded",
            '"%(value)s" is not a year; write it with four digits, e.g. 1985.',
            {"value": "about 1990"},
        ),
        (
            4,
            "staff_year",
            "The year must be between %(min)s and %(max)s.",
            {"min": "1800", "max": "2026"},
        ),
    ]


def test_parse_rows_bad_website():
    for bad in ("not a web site", "ftp://files.example.org", "https://localhost:99999", "alpha"):
        assert problems_of({"name": "Alpha", "kind": "sme", "website": bad}) == [
            (
                2,
                "website",
                '"%(value)s" is not a web address; write it like https://www.example.com.',
                {"value": bad},
            )
        ]


def test_parse_rows_unknown_band_and_status():
    assert problems_of({"name": "Alpha", "kind": "sme", "staff_band": "12", "status": "live"}) == [
        (
            2,
            "staff_band",
            'Unknown value "%(value)s". Use one of: %(allowed)s.',
            {"value": "12", "allowed": "1-9, 10-49"},
        ),
        (
            2,
            "status",
            'Unknown value "%(value)s". Use one of: %(allowed)s.',
            {"value": "live", "allowed": "draft, review, published, archived"},
        ),
    ]


def test_parse_rows_text_too_long():
    assert problems_of({"name": "A" * 201, "kind": "sme"}) == [
        (
            2,
            "name",
            "This text is too long: %(length)s characters, at most %(max)s.",
            {"length": "201", "max": "200"},
        )
    ]


def test_parse_rows_cells_beyond_the_header():
    assert problems_of({"name": "Alpha", "kind": "sme", "": "surprise"}) == [
        (2, "", "This row has more cells than the header row has columns.", {})
    ]


def test_parse_rows_duplicates_within_the_file_are_reported_on_the_later_row():
    parsed = parse(
        {"name": "Alpha", "kind": "sme", "vat_number": VAT_A},
        {"name": "Alpha  2", "kind": "sme", "vat_number": "IT" + VAT_A},
        {"name": "Beta", "kind": "sme", "municipality": "036022", "vat_number": VAT_B},
        {"name": "BETA", "kind": "startup", "municipality": "036022"},
        {"name": "Beta", "kind": "sme", "municipality": "036021"},
    )
    assert [(p.row, p.column, p.message, p.params_dict()) for p in parsed.problems] == [
        (3, "vat_number", "The same VAT number is already in row %(row)s.", {"row": "2"}),
        (
            5,
            "name",
            "An organisation with this name and municipality is already in row %(row)s.",
            {"row": "4"},
        ),
    ]
    assert [r.row for r in parsed.records] == [2, 4, 6]
    assert parsed.bad_rows == (3, 5)


def test_check_columns_unknown_repeated_unnamed_and_missing():
    assert import_rows.check_columns(["name", "colour", "name", "", "segments"]) == [
        RowProblem(
            1,
            "colour",
            'Unknown column "%(column)s". The columns are: %(allowed)s.',
            (("column", "colour"), ("allowed", ", ".join(import_rows.COLUMN_NAMES))),
        ),
        RowProblem(
            1,
            "name",
            'The column "%(column)s" appears more than once in the header row.',
            (("column", "name"),),
        ),
        RowProblem(1, "", "Column %(number)s has no name in the header row.", (("number", "4"),)),
        RowProblem(
            1,
            "kind",
            'The required column "%(column)s" is missing from the header row.',
            (("column", "kind"),),
        ),
    ]
    assert import_rows.check_columns(["name", "kind"]) == []


def test_normalise_column_name_folds_case_spaces_and_dashes():
    assert [
        import_rows.normalise_column_name(c) for c in (" Name ", "VAT number", "process-steps")
    ] == [
        "name",
        "vat_number",
        "process_steps",
    ]


def test_import_format_doc_lists_every_column():
    doc = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"
    text = doc.read_text(encoding="utf-8")
    missing = [c.name for c in import_rows.COLUMNS if f"`{c.name}`" not in text]
    assert missing == []
