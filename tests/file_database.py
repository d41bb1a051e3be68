"""A throwaway database of its own for tests that run ``distretto`` in a subprocess.

SQLite: a file in a temporary DISTRETTO_DATA_DIR. PostgreSQL (when the suite runs with
``DATABASE_URL=postgresql://...``): a database created with ``createdb`` on the same
server and dropped afterwards. Also: a digest of every row of every table, to tell
that a database is exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def suite_vendor() -> str:
    """``postgresql`` when the suite runs on PostgreSQL, else ``sqlite``."""
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def table_digest(cursor: Any, table: str, where: str = "") -> tuple[int, str]:
    """The row count of ``table`` and a hash of its rows (in any order they come)."""
    quoted = '"' + table.replace('"', '""') + '"'
    condition = f" WHERE {where}" if where else ""
    cursor.execute(f"SELECT * FROM {quoted}{condition}")  # noqa: S608 - names from the catalogue
    rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def digests(cursor: Any, tables: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Every row of every table in ``tables``, as counts and hashes."""
    return {table: table_digest(cursor, table) for table in sorted(tables)}


@dataclass
class FileDatabase:
    """A database a ``distretto`` subprocess works on, and the means to look into it."""

    vendor: str
    environment: dict[str, str]
    data_dir: Path
    url: str = ""

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "distretto.sqlite3"

    def command(self, *words: str) -> list[str]:
        return [sys.executable, "-m", "distretto.cli", *words]

    def run(self, *words: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self.command(*words),
            env=self.environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            stdin=subprocess.DEVNULL,
            **kwargs,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def python(self, script: str, *arguments: str) -> subprocess.CompletedProcess:
        """Run a Python script with Django set up against this database."""
        result = subprocess.run(
            [sys.executable, "-c", script, *arguments],
            env={**self.environment, "DJANGO_SETTINGS_MODULE": "distretto.settings"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A plain DB-API connection (autocommit), outside Django."""
        connection: Any
        if self.vendor == "sqlite":
            connection = sqlite3.connect(self.sqlite_path, isolation_level=None, timeout=20)
        else:
            connection = psycopg.connect(self.url, autocommit=True)
        try:
            yield connection
        finally:
            connection.close()

    def tables(self, connection: Any) -> list[str]:
        cursor = connection.cursor()
        if self.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return [str(row[0]) for row in cursor.fetchall()]

    def digests(self, exclude: Sequence[str] = ()) -> dict[str, tuple[int, str]]:
        with self.connect() as connection:
            tables = [t for t in self.tables(connection) if t not in exclude]
            return digests(connection.cursor(), tables)

    def digest_of(self, table: str, where: str) -> tuple[int, str]:
        """The digest of the rows of ``table`` that meet the SQL condition ``where``."""
        with self.connect() as connection:
            return table_digest(connection.cursor(), table, where)

    def scalar(self, sql: str) -> Any:
        with self.connect() as connection:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchone()[0]


def _pg_arguments() -> tuple[list[str], dict[str, str], str]:
    params = settings.DATABASES["default"]
    host, port = params.get("HOST") or "127.0.0.1", str(params.get("PORT") or 5432)
    user = params.get("USER") or "postgres"
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    return ["-h", host, "-p", port, "-U", user], environment, f"{user}@{host}:{port}"


@contextmanager
def file_database(tmp_path: Path) -> Iterator[FileDatabase]:
    """A new, empty database of the suite's engine (tables not yet created)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DISTRETTO_DATA_DIR": str(data_dir),
        "DISTRETTO_LANGUAGE": "en",
    }
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if suite_vendor() == "sqlite":
        yield FileDatabase("sqlite", environment, data_dir)
        return
    arguments, pg_environment, where = _pg_arguments()
    name = f"distretto_throwaway_{uuid.uuid4().hex[:12]}"
    createdb, dropdb = shutil.which("createdb"), shutil.which("dropdb")
    assert createdb and dropdb, "the PostgreSQL client tools are needed"
    subprocess.run([createdb, *arguments, name], env=pg_environment, check=True)
    url = f"postgresql://{where}/{name}"
    if pg_environment.get("PGPASSWORD"):
        environment["PGPASSWORD"] = pg_environment["PGPASSWORD"]
    try:
        yield FileDatabase("postgresql", {**environment, "DATABASE_URL": url}, data_dir, url)
    finally:
        subprocess.run(
            [dropdb, *arguments, "--force", "--if-exists", name], env=pg_environment, check=True
        )
