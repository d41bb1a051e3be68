"""Documentation that cannot drift: settings, commands, ADRs, README and images are checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from distretto import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ADR_HEADINGS = ["## Status", "## Context", "## Decision", "## Consequences"]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def settings_names() -> set[str]:
    """Every DISTRETTO_* name in settings.py, plus DATABASE_URL, which it also reads."""
    text = read(ROOT / "src" / "distretto" / "settings.py")
    return set(re.findall(r"\bDISTRETTO_[A-Z0-9_]+\b", text)) | {"DATABASE_URL"}


def admin_guide_setting_rows() -> set[str]:
    """The names in the first column of the admin guide's tables: ``| `NAME` | ...``."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", read(DOCS / "admin-guide.md"), re.M))


def overview_commands() -> list[str]:
    """The commands of ``distretto --help``, without their upper-case arguments (FILE)."""
    block = cli.OVERVIEW.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = []
    for match in re.finditer(r"^  (\S.*?)(?:\s{2,}|$)", block, re.M):
        commands.append(" ".join(w for w in match.group(1).split() if not w.isupper()))
    return commands


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.rglob("*.md"))]


def test_settings_read_by_settings_py_are_documented_in_the_admin_guide():
    names = settings_names()
    assert len(names) >= 10
    assert names - admin_guide_setting_rows() == set()


def test_cli_reference_equals_the_generator_output():
    generated_with = re.search(r"Generated with Python (\d+\.\d+);", read(DOCS / "cli.md"))
    assert generated_with is not None
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if generated_with.group(1) != running:
        # Python 3.13 changed how argparse lays out options with values ("-v, --verbosity X").
        pytest.skip(f"docs/cli.md was generated with Python {generated_with.group(1)}")
    result = subprocess.run(
        [sys.executable, "scripts/cli-reference"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    # Regenerate with: .venv/bin/python scripts/cli-reference > docs/cli.md
    assert read(DOCS / "cli.md") == result.stdout


def test_cli_reference_covers_every_command_of_the_overview():
    commands = overview_commands()
    headings = set(re.findall(r"^## (distretto .+)$", read(DOCS / "cli.md"), re.M))
    assert "load mirandola" in commands
    assert "taxonomy import emdn" in commands
    assert {f"distretto {command}" for command in commands} - headings == set()


def test_cli_reference_documents_the_api_token_command():
    assert "## distretto createapitoken" in read(DOCS / "cli.md")


def test_every_adr_has_status_context_decision_and_consequences():
    adrs = sorted((DOCS / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(adrs) >= 10
    for adr in adrs:
        lines = read(adr).splitlines()
        present = [heading for heading in ADR_HEADINGS if heading in lines]
        assert (adr.name, present) == (adr.name, ADR_HEADINGS)


def test_adrs_are_numbered_without_gaps():
    numbers = sorted(int(p.name[:4]) for p in (DOCS / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert numbers == list(range(1, len(numbers) + 1))


def test_readme_opens_with_make_demo_and_make_test():
    block = re.search(r"^```[a-z]*\n(.*?)^```", read(ROOT / "README.md"), re.M | re.S)
    assert block is not None
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert [command for command in commands if command][:2] == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command():
    lines = [line.strip() for line in read(ROOT / ".ci" / "run").splitlines()]
    assert "make test" in lines


def test_images_referenced_in_the_docs_exist():
    missing = []
    for doc in markdown_files():
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", read(doc)):
            if target.startswith(("http://", "https://")):
                continue
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {target}")
    assert missing == []


def test_relative_links_in_the_docs_point_to_files_that_exist():
    missing = []
    for doc in markdown_files():
        for target in re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s#]+)", read(doc)):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {target}")
    assert missing == []
