"""The distretto command: its overview and the mapping of multi-word commands."""

from __future__ import annotations

import subprocess
import sys

from distretto import cli


def test_translate_maps_multi_word_commands():
    assert cli.translate(["load", "mirandola"]) == ["load_dataset", "mirandola"]
    assert cli.translate(["import", "organisations", "f.csv", "--dry-run"]) == [
        "import_organisations",
        "f.csv",
        "--dry-run",
    ]
    assert cli.translate(["taxonomy", "import", "emdn", "E.tsv"]) == ["import_emdn", "E.tsv"]
    assert cli.translate(["migrate", "--plan"]) == ["migrate", "--plan"]


def test_overview_lists_every_documented_command(capsys):
    cli.main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "demo",
        "serve",
        "migrate",
        "load mirandola",
        "import organisations",
        "export organisations",
        "taxonomy import emdn",
        "createfacilitator",
    ):
        assert command in out


def test_createfacilitator_help_runs_in_a_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "distretto.cli", "createfacilitator", "--help"],
        capture_output=True,
        text=True,
        env={"DISTRETTO_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0
    assert "Create a facilitator account" in result.stdout


def test_terminal_language_follows_distretto_language_then_the_locale():
    assert cli.terminal_language({"DISTRETTO_LANGUAGE": "en", "LANG": "it_IT.UTF-8"}) == "en"
    assert cli.terminal_language({"LANG": "it_IT.UTF-8"}) == "it"
    assert cli.terminal_language({"LC_ALL": "en_GB.UTF-8", "LANG": "it_IT.UTF-8"}) == "en"
    assert cli.terminal_language({"LANG": "de_DE.UTF-8"}) is None
    assert cli.terminal_language({"LANG": "C.UTF-8"}) is None
    assert cli.terminal_language({}) is None


def test_cli_messages_in_the_terminal_language(tmp_path):
    base = {"DISTRETTO_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for lang, expected in (("en", "Facilitator 'anna' created."), ("it", "Facilitatore 'bruno'")):
        name = "anna" if lang == "en" else "bruno"
        subprocess.run(
            [sys.executable, "-m", "distretto.cli", "migrate", "-v", "0"],
            env=base,
            check=True,
        )
        result = subprocess.run(
            [sys.executable, "-m", "distretto.cli", "createfacilitator", name],
            capture_output=True,
            text=True,
            env={**base, "LANG": f"{lang}_IT.UTF-8" if lang == "it" else "en_GB.UTF-8"},
            check=False,
        )
        assert (result.returncode, result.stdout.splitlines()[0].startswith(expected)) == (0, True)
