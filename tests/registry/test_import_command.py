"""distretto import organisations: output, exit codes, --dry-run, --skip-bad-rows, --as."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from distretto.registry.domain.import_rows import COLUMN_NAMES
from distretto.registry.management.commands.import_organisations import Command
from distretto.registry.models import Organisation
from tests import factories

GOOD = "name,kind,municipality,segments\nAlpha Medical,sme,036022,dialysis\nBeta Lab,university,,\n"
ONE_BAD = "name,kind,founded\nAlpha Medical,sme,1985\nBeta Lab,university,2999\n"


@pytest.fixture
def reference(db):
    factories.import_reference_data()


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_organisations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_import_command_imports_and_reports(reference, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(GOOD, encoding="utf-8")
    out, err = run(str(path))
    assert lines(out) == ["Imported 2 organisations."]
    assert err == ""
    assert sorted(Organisation.objects.values_list("name", flat=True)) == [
        "Alpha Medical",
        "Beta Lab",
    ]


def test_import_command_dry_run_shows_table_and_saves_nothing(reference, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(GOOD, encoding="utf-8")
    out, _err = run(str(path), "--dry-run")
    text = lines(out)
    assert text[0] == "Organisations to create"
    rows = [
        [cell.strip() for cell in line.strip("│ ").split("│")]
        for line in text
        if line.startswith("│")
    ]
    assert rows == [
        ["2", "Alpha Medical", "sme", "Mirandola (036022)", "1"],
        ["3", "Beta Lab", "university", "", "0"],
    ]
    assert text[-1] == "Dry run: 2 organisations would be created; nothing was saved."
    assert Organisation.objects.count() == 0


def test_import_command_errors_table_and_failure(reference, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(ONE_BAD, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_organisations", str(path), stdout=StringIO(), stderr=err)
    assert str(raised.value) == "Nothing was imported: 1 error."
    table = lines(err.getvalue())
    assert table[0] == "Errors"
    (row,) = [line for line in table if "founded" in line]
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "3",
        "founded",
        "The founding year is in the future.",
    ]
    assert Organisation.objects.count() == 0


def test_import_command_exit_code_is_1_on_errors(reference, tmp_path, capsys):
    path = tmp_path / "orgs.csv"
    path.write_text(ONE_BAD, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["distretto", "import_organisations", str(path)])
    assert exited.value.code == 1
    assert "CommandError: Nothing was imported: 1 error." in capsys.readouterr().err


def test_import_command_skip_bad_rows(reference, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(ONE_BAD, encoding="utf-8")
    out, err = run(str(path), "--skip-bad-rows")
    assert lines(out) == ["Imported 1 organisation.", "Skipped 1 bad row: 3."]
    assert "The founding year is in the future." in err
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Alpha Medical"]


def test_import_command_as_a_facilitator_and_as_others(reference, tmp_path, facilitator, member):
    path = tmp_path / "orgs.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(str(path), "--as", "member")
    assert str(refused.value) == "Only facilitators may import organisations."
    with pytest.raises(CommandError) as unknown:
        run(str(path), "--as", "ghost")
    assert str(unknown.value) == "No account named 'ghost'."
    out, _err = run(str(path), "--as", "facilitator")
    assert lines(out) == ["Imported 2 organisations."]


def test_import_command_missing_file(db, tmp_path):
    with pytest.raises(CommandError) as raised:
        run(str(tmp_path / "nowhere.csv"))
    assert str(raised.value) == f"Cannot read {tmp_path / 'nowhere.csv'}: No such file or directory"


def test_import_command_help_describes_the_columns(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "distretto.cli", "import", "organisations", "--help"],
        capture_output=True,
        text=True,
        env={"DISTRETTO_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0
    assert "--dry-run" in result.stdout
    assert "--skip-bad-rows" in result.stdout
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert "required" in next(
        line for line in result.stdout.splitlines() if line.startswith("  name ")
    )
    assert [name for name in COLUMN_NAMES if name not in listed] == []
    assert "kinds:\n  large_company, sme, startup, research_centre" in result.stdout
