"""Settings: the secret key rules and the SQLite defaults."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection


def run_check(tmp_path, **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DISTRETTO_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "distretto.cli", "check"],
        capture_output=True,
        text=True,
        env={**base, **env},
        check=False,
    )


def test_placeholder_secret_key_refused_without_debug(tmp_path):
    result = run_check(tmp_path, DISTRETTO_SECRET_KEY="change-me")
    assert result.returncode == 1
    assert "DISTRETTO_SECRET_KEY is the documented placeholder" in result.stderr


def test_placeholder_secret_key_allowed_with_debug(tmp_path):
    result = run_check(tmp_path, DISTRETTO_SECRET_KEY="change-me", DISTRETTO_DEBUG="1")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )


def test_secret_key_generated_once_in_the_data_dir(tmp_path):
    assert run_check(tmp_path).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert run_check(tmp_path).returncode == 0
    assert (key_file.read_text(), len(first) >= 50, oct(key_file.stat().st_mode & 0o777)) == (
        first,
        True,
        "0o600",
    )


def test_sqlite_runs_in_wal_mode(db):
    if connection.vendor != "sqlite":
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database is in memory, where SQLite reports "memory"; files use WAL.
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]


def test_italian_is_the_default_language():
    assert (settings.LANGUAGE_CODE, [code for code, _name in settings.LANGUAGES]) == (
        "it",
        ["it", "en"],
    )
