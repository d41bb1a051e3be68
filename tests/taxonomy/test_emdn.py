"""The EMDN import: parsing and checking the official file, the upsert, the command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from distretto.taxonomy import services
from distretto.taxonomy.domain import emdn
from distretto.taxonomy.domain.emdn import EmdnTerm, LineProblem, StoredCode
from distretto.taxonomy.models import Code, Taxonomy
from distretto.taxonomy.services import LineError
from tests import factories

SHARED_EMDN = Path(__file__).resolve().parents[3] / "shared" / "data" / "emdn" / "EMDN_V2.tsv"
needs_shared_file = pytest.mark.skipif(
    not SHARED_EMDN.exists(), reason=f"the official EMDN file is not at {SHARED_EMDN}"
)

HEADER = "CATEGORY \tCATEGORY DESCRIPTION\tCODE\tTERM\tLEVEL \tTERMINAL LEVEL YES/NO "
TITLE = "EMDN V2\t\t\t\t\t"


def tsv(*lines: str) -> str:
    return "\n".join([TITLE, HEADER, *lines]) + "\n"


SMALL = tsv(
    "F\tDIALYSIS DEVICES\tF\tDIALYSIS DEVICES\t1\tNO",
    "F\tDIALYSIS DEVICES\tF01\tHAEMODIALYSIS DEVICES \t2\tNO",
    'F\tDIALYSIS DEVICES\tF0106\t"DIALYSERS\n"\t3\tNO',
    "F\tDIALYSIS DEVICES\tF010601\tDIALYSERS - UFC < 18 ml/h/mmHg\t4 \tYES ",
)


def problems(text: str) -> list[tuple[int | None, str, str, dict[str, str]]]:
    return [(p.line, p.column, p.message, p.params_dict()) for p in emdn.parse_emdn(text).problems]


# --- the pure parser ------------------------------------------------------------------


def test_parse_emdn_small_file_with_stray_spaces_and_a_quoted_line_break():
    parsed = emdn.parse_emdn(SMALL)
    assert parsed.problems == ()
    assert parsed.title == "EMDN V2"
    assert parsed.terms == (
        EmdnTerm("F", "DIALYSIS DEVICES", 1, None, False, 3),
        EmdnTerm("F01", "HAEMODIALYSIS DEVICES", 2, "F", False, 4),
        EmdnTerm("F0106", "DIALYSERS", 3, "F01", False, 5),
        EmdnTerm("F010601", "DIALYSERS - UFC < 18 ml/h/mmHg", 4, "F0106", True, 7),
    )


def test_parse_emdn_row_errors_name_their_lines():
    text = tsv(
        "F\tDIALYSIS DEVICES\tF\tDIALYSIS DEVICES\t1\tNO",
        "F\tDIALYSIS DEVICES\tF1\tBROKEN CODE\t2\tNO",
        "F\tDIALYSIS DEVICES\tF01\t\t2\tNO",
        "F\tDIALYSIS DEVICES\tF02\tWRONG LEVEL\t3\tNO",
        "F\tDIALYSIS DEVICES\tF03\tNO LEVEL\ttwo\tNO",
        "G\tGASTRO DEVICES\tF04\tWRONG CATEGORY\t2\tNO",
        "F\tDIALYSIS DEVICES\tF\tAGAIN\t1\tNO",
        "F\tDIALYSIS DEVICES\tF0901\tORPHAN\t3\tYES",
    )
    assert problems(text) == [
        (
            4,
            "CODE",
            '"%(code)s" is not an EMDN code (a letter followed by pairs of digits).',
            {"code": "F1"},
        ),
        (5, "TERM", "The term is empty.", {}),
        (
            6,
            "LEVEL",
            "Level %(level)s does not fit the code %(code)s (level %(expected)s).",
            {"level": "3", "code": "F02", "expected": "2"},
        ),
        (
            7,
            "LEVEL",
            '"%(value)s" is not a level (a whole number from 1).',
            {"value": "two"},
        ),
        (
            8,
            "CATEGORY",
            'The category "%(category)s" does not match the code %(code)s.',
            {"category": "G", "code": "F04"},
        ),
        (
            9,
            "CODE",
            'The code "%(code)s" is already on line %(line)s.',
            {"code": "F", "line": "3"},
        ),
        (
            10,
            "CODE",
            'The parent code "%(parent)s" of %(code)s is not in the file.',
            {"parent": "F09", "code": "F0901"},
        ),
    ]


def test_parse_emdn_without_the_header():
    assert problems("A\tB\tC\nF\tX\tF\n") == [
        (
            None,
            "",
            "No header line with the columns CODE, TERM and LEVEL in the first %(count)s lines: "
            "is this the official EMDN file?",
            {"count": "5"},
        )
    ]


def test_parse_emdn_header_without_level():
    assert emdn.parse_emdn("EMDN\nCODE\tTERM\nF\tDIALYSIS\n").problems == (
        LineProblem(2, "LEVEL", 'The header has no "%(column)s" column.', (("column", "LEVEL"),)),
    )


def test_plan_upsert_keeps_italian_labels_and_counts_changes():
    terms = emdn.parse_emdn(SMALL).terms
    existing = {
        # Shipped with an official Italian label: it stays.
        "F": StoredCode("F", "DISPOSITIVI PER DIALISI", "DIALYSIS DEVICES", None, 1, 1),
        # Italian label only repeated an old English term: it follows the new term.
        "F01": StoredCode("F01", "OLD TERM", "OLD TERM", None, 2, 9),
        # Already exactly as the file has it.
        "F0106": StoredCode("F0106", "DIALYSERS", "DIALYSERS", "F01", 3, 3),
    }
    plan = emdn.plan_upsert(terms, existing)
    assert plan.create == (
        StoredCode(
            "F010601",
            "DIALYSERS - UFC < 18 ml/h/mmHg",
            "DIALYSERS - UFC < 18 ml/h/mmHg",
            "F0106",
            4,
            4,
        ),
    )
    assert plan.update == (
        StoredCode("F01", "HAEMODIALYSIS DEVICES", "HAEMODIALYSIS DEVICES", "F", 2, 2),
    )
    assert plan.unchanged == 2


# --- the service ------------------------------------------------------------------------


def test_import_emdn_creates_taxonomy_and_codes(facilitator):
    result = services.import_emdn(facilitator, SMALL.encode())
    assert (result.created, result.updated, result.unchanged, result.errors) == (4, 0, 0, [])
    assert result.written is True
    taxonomy = Taxonomy.objects.get(slug="emdn")
    assert (taxonomy.hierarchical, taxonomy.is_filter, taxonomy.source) == (
        True,
        False,
        "EMDN V2, European Commission.",
    )
    codes = {
        c.code: (c.parent.code if c.parent else None, c.level, c.label_en, c.label_it)
        for c in Code.objects.filter(taxonomy=taxonomy).select_related("parent")
    }
    assert codes == {
        "F": (None, 1, "DIALYSIS DEVICES", "DIALYSIS DEVICES"),
        "F01": ("F", 2, "HAEMODIALYSIS DEVICES", "HAEMODIALYSIS DEVICES"),
        "F0106": ("F01", 3, "DIALYSERS", "DIALYSERS"),
        "F010601": ("F0106", 4, "DIALYSERS - UFC < 18 ml/h/mmHg", "DIALYSERS - UFC < 18 ml/h/mmHg"),
    }


def test_import_emdn_keeps_italian_labels_and_codes_in_use(facilitator):
    taxonomy = factories.TaxonomyFactory(slug="emdn", name_en="EMDN (shipped)", is_filter=False)
    shipped = factories.CodeFactory(
        taxonomy=taxonomy, code="F", label_it="DISPOSITIVI PER DIALISI", label_en="DIALYSIS DEVICES"
    )
    retired = factories.CodeFactory(taxonomy=taxonomy, code="Z99", label_it="x", label_en="x")
    organisation = factories.OrganisationFactory()
    organisation.codes.add(retired)
    result = services.import_emdn(facilitator, SMALL.encode())
    assert (result.created, result.updated, result.unchanged) == (3, 1, 0)
    shipped.refresh_from_db()
    assert (shipped.label_it, shipped.label_en, shipped.level) == (
        "DISPOSITIVI PER DIALISI",
        "DIALYSIS DEVICES",
        1,
    )
    assert Code.objects.filter(pk=retired.pk).exists()
    assert Taxonomy.objects.get(slug="emdn").name_en == "EMDN (shipped)"


def test_import_emdn_bad_file_saves_nothing(facilitator):
    text = SMALL + "F\tDIALYSIS DEVICES\tF0107\t\t3\tYES\n"
    result = services.import_emdn(facilitator, text.encode())
    assert result.errors == [LineError(8, "TERM", "The term is empty.")]
    assert result.written is False
    assert Taxonomy.objects.filter(slug="emdn").exists() is False
    assert Code.objects.count() == 0


def test_import_emdn_not_utf8(facilitator):
    result = services.import_emdn(
        facilitator, "CODE\tTERM\tLEVEL\nF\tDISPOSITIVÒ\t1\n".encode("latin-1")
    )
    assert result.errors == [LineError(None, "", "The file is not UTF-8 text.")]


def test_import_emdn_dry_run_counts_and_saves_nothing(facilitator):
    result = services.import_emdn(facilitator, SMALL.encode(), dry_run=True)
    assert (result.created, result.written) == (4, False)
    assert Code.objects.count() == 0


def test_import_emdn_refused_to_members_and_visitors(member, org_admin):
    for user in (member, org_admin, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.import_emdn(user, SMALL.encode())


@needs_shared_file
def test_import_emdn_official_file_in_full_then_again(db):
    from distretto.accounts.services import SYSTEM

    content = SHARED_EMDN.read_bytes()
    first = services.import_emdn(SYSTEM, content)
    assert first.errors == []
    assert (first.title, first.terms, first.created, first.updated) == ("EMDN V2", 8454, 8454, 0)
    assert Code.objects.filter(taxonomy__slug="emdn").count() == 8454
    codes = Code.objects.filter(taxonomy__slug="emdn").select_related("parent")
    f010601 = codes.get(code="F010601")
    assert (f010601.parent.code, f010601.level, f010601.label_en) == (
        "F0106",
        4,
        "DIALYSERS - UFC < 18 ml/h/mmHg",
    )
    # The term written across two lines inside quotes in the official file.
    h01010102 = codes.get(code="H01010102")
    assert (h01010102.parent.code, h01010102.level, h01010102.label_en) == (
        "H010101",
        5,
        "MULTIFILAMENT SYNTHETIC ABSORBABLE SUTURES",
    )
    assert codes.get(code="A01").parent.code == "A"
    assert codes.get(code="Z1399").parent.code == "Z13"
    assert codes.filter(parent=None).count() == 23
    second = services.import_emdn(SYSTEM, content)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 8454)


# --- the command --------------------------------------------------------------------------


def test_import_emdn_command_reports_counts(db, tmp_path):
    path = tmp_path / "emdn.tsv"
    path.write_text(SMALL, encoding="utf-8")
    out = StringIO()
    call_command("import_emdn", str(path), stdout=out)
    assert out.getvalue() == "EMDN V2: 4 terms; 4 created, 0 updated, 0 unchanged.\n"
    out = StringIO()
    call_command("import_emdn", str(path), "--dry-run", stdout=out)
    assert out.getvalue() == (
        "EMDN V2: 4 terms; 0 created, 0 updated, 4 unchanged. Dry run: nothing was saved.\n"
    )


def test_import_emdn_command_bad_file(db, tmp_path):
    path = tmp_path / "emdn.tsv"
    path.write_text(tsv("F\tDIALYSIS DEVICES\tF01\tORPHAN\t2\tNO"), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_emdn", str(path), stdout=StringIO(), stderr=err)
    assert str(raised.value) == "Nothing was loaded: 1 error."
    (row,) = [line for line in err.getvalue().splitlines() if "F01" in line]
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "3",
        "CODE",
        'The parent code "F" of F01 is not in the file.',
    ]
    assert Code.objects.count() == 0
