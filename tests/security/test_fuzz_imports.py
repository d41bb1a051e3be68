"""Fuzzing the CSV/XLSX imports with hypothesis.

The properties, for random bytes, random CSV text, random and corrupted workbooks fed to
the three imports (organisations, ties, indicator values):

- nothing raises: the reader answers a table or its own ``TableError``, the imports a
  result;
- a file that cannot be imported says why: a fatal result or one with errors has at least
  one error, every error has a message and names its row (or None: the whole file) and
  column;
- nothing is partly saved: a result with errors (without ``skip_bad_rows``) leaves the
  row counts of every table the import writes as they were; a result without errors
  wrote exactly what it lists.

The examples are derandomised (the same ones every run, so a failure is reproducible)
and bounded, so that the file runs in well under a minute.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from distretto.monitor import imports as observation_imports
from distretto.monitor.domain.rows import COLUMN_NAMES as VALUE_COLUMNS
from distretto.monitor.models import Indicator, Observation
from distretto.registry import imports, tabular, tie_imports
from distretto.registry.domain.import_rows import COLUMN_NAMES as ORGANISATION_COLUMNS
from distretto.registry.domain.tie_rows import COLUMN_NAMES as TIE_COLUMNS
from distretto.registry.models import Organisation, Site, Tie
from tests import factories
from tests.security.hostile_files import workbook_bytes

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cells: what people and programs put in spreadsheets, and what attackers do.
TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "sme",
        "large_company",
        "036022",
        "dialysis;cardiac_surgery",
        "2024",
        "2024-Q2",
        "1.234,5",
        "-0",
        "1e309",
        "NaN",
        "=1+1",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "https://example.org",
        "IT 01234567890",
        "\u202e",
        "\ufeff",
        "x" * 5000,
        "a\nb",
        '"',
        "alpha-medical",
        "Beta Lab",
        "supplies",
        "firms",
        "district",
        "mirandola",
        "count",
    ]
)
CELL_TEXT = st.one_of(TRICKY_TEXT, st.text(max_size=30))
HEADERS = st.lists(
    st.one_of(
        st.sampled_from(
            [*ORGANISATION_COLUMNS, *TIE_COLUMNS, *VALUE_COLUMNS, "nome", "tipo", "comune"]
        ),
        st.text(max_size=12),
    ),
    min_size=0,
    max_size=10,
)


def csv_bytes(header: list[str], rows: list[list[str]], delimiter: str, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8", "surrogatepass")


def headers(columns: tuple[str, ...] = ()) -> st.SearchStrategy[list[str]]:
    """Random headers, or (given ``columns``) mostly the import's own columns in any order,
    so that the rows are read and checked too."""
    if not columns:
        return HEADERS
    own = st.permutations(columns).flatmap(
        lambda names: st.integers(1, len(names)).map(lambda n: list(names[:n]))
    )
    return st.one_of(st.permutations(columns).map(list), own, HEADERS)


@st.composite
def csv_files(draw: st.DrawFn, columns: tuple[str, ...] = ()) -> bytes:
    header = draw(headers(columns))
    width = max(len(header), 1)
    rows = draw(
        st.lists(
            st.lists(CELL_TEXT, min_size=0, max_size=width + 2),
            max_size=6,
        )
    )
    return csv_bytes(header, rows, draw(st.sampled_from([",", ";", "\t"])), draw(st.booleans()))


SPREADSHEET_VALUES = st.one_of(
    st.none(),
    # openpyxl refuses control characters in cells; "=..." would be a formula (refused).
    CELL_TEXT.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)).filter(
        lambda text: not text.startswith("=")
    ),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.times(),
)


@st.composite
def workbooks(draw: st.DrawFn, columns: tuple[str, ...] = ()) -> bytes:
    """A workbook built with openpyxl: random header and typed cells, maybe merged cells,
    maybe an empty first sheet or several sheets."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if draw(st.booleans()):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", name) for name in draw(headers(columns))])
    for row in draw(st.lists(st.lists(SPREADSHEET_VALUES, max_size=10), max_size=6)):
        sheet.append(row)
    if sheet.max_row > 1 and draw(st.booleans()):
        sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=2)
    for _ in range(draw(st.integers(0, 2))):
        workbook.create_sheet(draw(st.sampled_from(["Other", "Dati", "x" * 25])))
    if draw(st.booleans()) and len(workbook.worksheets) > 1:
        workbook.move_sheet(workbook.worksheets[-1], offset=-len(workbook.worksheets) + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@st.composite
def corrupted(draw: st.DrawFn, make: Callable[[], bytes]) -> bytes:
    """A good file with a few bytes changed, cut short, or with bytes inserted."""
    content = bytearray(make())
    how = draw(st.sampled_from(["flip", "truncate", "insert"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    if how == "truncate":
        return bytes(content[: rng.randrange(len(content))])
    for _ in range(draw(st.integers(1, 8))):
        position = rng.randrange(len(content))
        if how == "flip":
            content[position] = rng.randrange(256)
        else:
            content[position:position] = bytes(rng.randrange(256) for _ in range(4))
    return bytes(content)


GOOD_WORKBOOK = workbook_bytes(
    [["name", "kind", "municipality"], ["Alpha Medical", "sme", "036022"], ["Beta", "sme", ""]]
)
ANY_FILE = st.one_of(
    st.binary(max_size=600),
    st.binary(max_size=300).map(lambda b: tabular.XLSX_MAGIC + b),
    st.binary(max_size=300).map(lambda b: "\ufeff".encode() + b),
    csv_files(),
    workbooks(),
    corrupted(lambda: GOOD_WORKBOOK),
)


# --- the reader alone -------------------------------------------------------------------------


def check_read(content: bytes) -> None:
    try:
        table = tabular.read_table(content)
    except tabular.TableError as exc:
        message = exc.message % exc.params if exc.params else exc.message
        assert message.strip()
        return
    assert table.header
    assert table.file_format in ("csv", "xlsx")
    assert all(isinstance(cell, str) for row in table.rows for cell in row)


@settings(FUZZ, max_examples=300)
@given(content=ANY_FILE)
def test_reader_answers_a_table_or_its_own_error(content):
    check_read(content)


@settings(FUZZ, max_examples=150)
@given(content=corrupted(lambda: GOOD_WORKBOOK))
def test_reader_on_corrupted_workbooks(content):
    check_read(content)


# --- the imports ------------------------------------------------------------------------------


@pytest.fixture
def world(db, facilitator):
    factories.import_reference_data()
    factories.OrganisationFactory(name="Alpha Medical", slug="alpha-medical")
    factories.OrganisationFactory(name="Beta Lab", slug="beta-lab")
    Indicator.objects.create(slug="firms", name_it="Imprese", name_en="Firms", unit="count")
    return facilitator


def counts() -> tuple[int, ...]:
    return (
        Organisation.objects.count(),
        Site.objects.count(),
        Tie.objects.count(),
        Observation.objects.count(),
    )


IMPORTS: dict[str, tuple[Callable[..., Any], str]] = {
    "organisations": (imports.import_organisations, "organisations"),
    "ties": (tie_imports.import_ties, "ties"),
    "values": (observation_imports.import_observations, "observations"),
}
COLUMNS = {
    "organisations": ORGANISATION_COLUMNS,
    "ties": TIE_COLUMNS,
    "values": VALUE_COLUMNS,
}


def check_import(user: Any, kind: str, content: bytes, dry_run: bool) -> None:
    run, planned = IMPORTS[kind]
    before = counts()
    result = run(user, content, dry_run=dry_run)
    after = counts()
    event("fatal" if result.fatal else "row errors" if result.errors else "all rows good")
    for error in result.errors:
        assert error.message.strip(), error
        assert error.row is None or error.row >= 1, error
        assert isinstance(error.column, str)
    if result.fatal:
        assert result.errors
    if result.errors or dry_run or result.fatal:
        assert not result.written
        assert after == before, (kind, result.errors)
    else:
        assert result.written
        made = len(getattr(result, planned))
        if kind == "organisations":
            assert after[0] == before[0] + made
        elif kind == "ties":
            assert after[2] == before[2] + made
        else:
            assert after[3] == before[3] + made


@pytest.mark.parametrize("kind", sorted(IMPORTS))
@FUZZ
@given(data=st.data(), dry_run=st.booleans())
def test_imports_never_crash_and_never_half_save(world, kind, data, dry_run):
    columns = COLUMNS[kind]
    content = data.draw(st.one_of(csv_files(columns), workbooks(columns)), label="content")
    check_import(world, kind, content, dry_run)


@FUZZ
@given(content=ANY_FILE)
def test_organisation_import_of_any_file(world, content):
    check_import(world, "organisations", content, dry_run=False)


def test_a_valid_fuzz_like_file_is_imported(world):
    """The property's other side can happen: a good file is written whole."""
    content = csv_bytes(["name", "kind"], [["Gamma", "sme"], ["Delta", "startup"]], ";", True)
    before = counts()
    result = imports.import_organisations(world, content)
    assert (result.errors, result.written) == ([], True)
    assert counts()[0] == before[0] + 2
    assert Organisation.objects.filter(name__in=["Gamma", "Delta"]).count() == 2
