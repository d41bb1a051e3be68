"""Backups of the database and their restore.

SQLite is copied with its online backup API (a consistent snapshot while the app
runs, WAL included) and restored with the same API into the live database.
PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with
``pg_restore --clean --if-exists --single-transaction``.

Backup and restore are operations of the server's shell, like ``migrate``: they
take no acting user. Both leave nothing changed when they fail: a backup is
written under a temporary name and renamed only once it is checked; a restore
checks the whole file first and replaces the database in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
SUFFIXES = {SQLITE: ".sqlite3", POSTGRESQL: ".dump"}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

# Models whose tables every Distretto database has: a file without them is something else.
CORE_MODELS = ("accounts.User", "registry.Organisation", "taxonomy.Code")

# libpq reads these connection options from the environment as well.
PG_OPTION_ENVIRONMENT = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}

# A TOC line of ``pg_restore --list``: "215; 1259 16390 TABLE public accounts_user owner".
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message names the problem."""


@dataclass(frozen=True)
class BackupReport:
    """A backup just written."""

    path: Path
    backend: str
    size: int  # bytes
    tables: int
    rows: int | None  # records in all tables (SQLite; None for PostgreSQL)


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, checked before anything is restored from it."""

    path: Path
    backend: str
    tables: frozenset[str]
    rows: int | None
    # Migrations of this version that the backup lacks: it is from an older version.
    pending: frozenset[tuple[str, str]] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RestoreReport:
    """A restore just done."""

    info: BackupInfo
    safety: BackupReport  # the database as it was just before the restore
    leftover: tuple[str, ...] = ()  # tables the database has and the backup had not

    @property
    def needs_migrate(self) -> bool:
        return bool(self.info.pending)


def database_backend(alias: str = "default") -> str:
    """``sqlite`` or ``postgresql``: the engine of the database; any other is refused."""
    vendor = connections[alias].vendor
    if vendor not in SUFFIXES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL; this database is %(vendor)s.")
            % {"vendor": vendor}
        )
    return vendor


def default_path(backend: str, prefix: str = "distretto", now: datetime | None = None) -> Path:
    """``DATA_DIR/backups/distretto-YYYYMMDD-HHMMSS.sqlite3`` (``.dump`` on PostgreSQL)."""
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    folder = Path(settings.DATA_DIR) / "backups"
    path = folder / f"{prefix}-{stamp}{SUFFIXES[backend]}"
    number = 2
    while path.exists():
        path = folder / f"{prefix}-{stamp}-{number}{SUFFIXES[backend]}"
        number += 1
    return path


def core_tables() -> set[str]:
    return {"django_migrations"} | {apps.get_model(name)._meta.db_table for name in CORE_MODELS}


# --- backing up ------------------------------------------------------------------------------


def backup(output: Path | str | None = None, *, prefix: str = "distretto") -> BackupReport:
    """Back up the database to ``output`` (default: a dated file in the data directory).

    The file is readable by its owner only (it holds e-mail addresses and password
    hashes). An existing file is never overwritten.
    """
    backend = database_backend()
    target = Path(output) if output else default_path(backend, prefix)
    if target.exists():
        raise BackupError(_("%(file)s exists already: choose another name.") % {"file": target})
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(
            _("Cannot write to %(folder)s: %(problem)s")
            % {"folder": folder, "problem": exc.strerror or exc}
        ) from exc
    os.close(handle)
    temporary = Path(name)
    try:
        if backend == SQLITE:
            tables, rows = _sqlite_backup(temporary)
        else:
            tables, rows = _pg_dump(temporary), None
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return BackupReport(target, backend, target.stat().st_size, tables, rows)


def _sqlite_backup(temporary: Path) -> tuple[int, int]:
    connection = connections["default"]
    connection.ensure_connection()
    copy = sqlite3.connect(temporary)
    try:
        # One step: the whole database under one read lock, so the copy is one moment
        # of it; in WAL mode writers go on meanwhile.
        connection.connection.backup(copy)
        # The copy is one self-contained file, without a write-ahead log.
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = _integrity_problems(copy)
        if problems:
            raise BackupError(
                _("The copy fails SQLite's integrity check: %(problems)s")
                % {"problems": "; ".join(problems)}
            )
        tables = _sqlite_tables(copy)
        return len(tables), _sqlite_rows(copy, tables)
    finally:
        copy.close()


def _integrity_problems(database: sqlite3.Connection) -> list[str]:
    lines = [str(row[0]) for row in database.execute("PRAGMA integrity_check(20)")]
    return [] if lines == ["ok"] else lines


def _sqlite_tables(database: sqlite3.Connection) -> set[str]:
    return {
        str(name)
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_rows(database: sqlite3.Connection, tables: Iterable[str]) -> int:
    return sum(
        int(database.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0])  # noqa: S608
        for t in tables
    )


# --- PostgreSQL tools ------------------------------------------------------------------------


def _pg_connection() -> tuple[list[str], dict[str, str]]:
    """Options naming the database for pg_dump/pg_restore, and their environment.

    The password travels in PGPASSWORD, never on the command line (where any user of
    the machine could read it).
    """
    params = connections["default"].settings_dict
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if params.get(key):
            arguments += [option, str(params[key])]
    arguments += ["--dbname", str(params["NAME"])]
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    for option, variable in PG_OPTION_ENVIRONMENT.items():
        value = (params.get("OPTIONS") or {}).get(option)
        if value:
            environment[variable] = str(value)
    return arguments, environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found: install the PostgreSQL client tools (the package "
                "postgresql-client) of the same major version as the server."
            )
            % {"tool": name}
        )
    return path


def _run(arguments: list[str], environment: dict[str, str] | None = None) -> str:
    tool = Path(arguments[0]).name
    try:
        result = subprocess.run(  # noqa: S603 - a fixed tool, arguments from settings
            arguments, capture_output=True, text=True, env=environment, check=False
        )
    except OSError as exc:
        raise BackupError(
            _("%(tool)s could not run: %(problem)s") % {"tool": tool, "problem": exc}
        ) from exc
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(problem)s")
            % {"tool": tool, "problem": result.stderr.strip() or result.returncode}
        )
    return result.stdout


def _pg_dump(temporary: Path) -> int:
    arguments, environment = _pg_connection()
    _run([_tool("pg_dump"), "--format=custom", "--file", str(temporary), *arguments], environment)
    return len(_pg_tables(temporary))


def _pg_tables(path: Path) -> set[str]:
    """The tables of a pg_dump archive, from its table of contents (fails on anything else)."""
    listing = _run([_tool("pg_restore"), "--list", str(path)])
    return {m.group(2) for line in listing.splitlines() if (m := TOC_TABLE.match(line))}


def _pg_migrations(path: Path) -> set[tuple[str, str]]:
    """The rows of django_migrations in a pg_dump archive, read from its COPY data."""
    script = _run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)]
    )
    found: set[tuple[str, str]] = set()
    copying = False
    for line in script.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            copying = True
        elif copying and line == "\\.":
            copying = False
        elif copying:
            cells = line.split("\t")
            if len(cells) >= 3:
                found.add((cells[1], cells[2]))
    return found


# --- restoring -------------------------------------------------------------------------------


def _kind_of(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(
            _("Cannot read %(file)s: %(problem)s") % {"file": path, "problem": exc.strerror or exc}
        ) from exc
    if head.startswith(SQLITE_MAGIC):
        return SQLITE
    if head.startswith(PG_DUMP_MAGIC):
        return POSTGRESQL
    raise BackupError(
        _(
            "%(file)s is not a Distretto backup: neither a SQLite database nor a "
            "pg_dump archive (custom format)."
        )
        % {"file": path}
    )


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def inspect_backup(path: Path | str) -> BackupInfo:
    """Check a backup file completely before anything is restored from it.

    Refused: a file that is not a backup of this database engine, a damaged one,
    one that is not a Distretto database, and one made by a newer version.
    """
    path = Path(path)
    backend = database_backend()
    kind = _kind_of(path)
    names = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
    if kind != backend:
        raise BackupError(
            _(
                "%(file)s is a %(kind)s backup, but this Distretto runs on %(backend)s: "
                "restore it where its database is %(kind)s."
            )
            % {"file": path, "kind": names[kind], "backend": names[backend]}
        )
    rows: int | None = None
    if kind == SQLITE:
        try:
            database = _open_read_only(path)
            try:
                problems = _integrity_problems(database)
                tables = _sqlite_tables(database)
                migrations = (
                    set(database.execute("SELECT app, name FROM django_migrations"))
                    if "django_migrations" in tables
                    else set()
                )
                rows = _sqlite_rows(database, tables) if not problems else None
            finally:
                database.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                _("%(file)s is damaged: %(problem)s") % {"file": path, "problem": exc}
            ) from exc
        if problems:
            raise BackupError(
                _("%(file)s is damaged: SQLite's integrity check reports %(problems)s")
                % {"file": path, "problems": "; ".join(problems)}
            )
    else:
        try:
            tables = _pg_tables(path)
        except BackupError as exc:
            raise BackupError(
                _("%(file)s is damaged: %(problem)s") % {"file": path, "problem": exc}
            ) from exc
        migrations = _pg_migrations(path) if "django_migrations" in tables else set()
    missing = core_tables() - tables
    if missing:
        raise BackupError(
            _("%(file)s is not a Distretto database: it has no table %(tables)s.")
            % {"file": path, "tables": ", ".join(sorted(missing))}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    known_apps = {app for app, _name in known}
    newer = sorted(f"{a}.{n}" for a, n in migrations if a in known_apps and (a, n) not in known)
    if newer:
        raise BackupError(
            _(
                "%(file)s was made by a newer version of Distretto (its tables have changes "
                "this version does not know: %(migrations)s). Restore it with that version."
            )
            % {"file": path, "migrations": ", ".join(newer[:5])}
        )
    return BackupInfo(path, kind, frozenset(tables), rows, frozenset(known - migrations))


def restore(path: Path | str) -> RestoreReport:
    """Replace every record of the database with those of the backup ``path``.

    The file is checked first (``inspect_backup``), then the database as it is is
    backed up (``before-restore-...`` in the backups folder, to undo), then the backup
    replaces it in one transaction. The caller runs ``migrate`` when the backup is from
    an older version (``RestoreReport.needs_migrate``).
    """
    info = inspect_backup(path)
    connection = connections["default"]
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    safety = backup(prefix="before-restore")
    if info.backend == SQLITE:
        _sqlite_restore(info.path)
        leftover: tuple[str, ...] = ()
    else:
        # pg_restore drops and recreates every table: this process keeps no lock on any.
        connections.close_all()
        arguments, environment = _pg_connection()
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                *arguments,
                str(info.path),
            ],
            environment,
        )
        leftover = tuple(sorted(set(connection.introspection.table_names()) - info.tables))
    return RestoreReport(info, safety, leftover)


def _sqlite_restore(path: Path) -> None:
    connection = connections["default"]
    connection.ensure_connection()
    source = _open_read_only(path)
    try:
        # Through the live connection, under SQLite's locks: processes that have the
        # database open see the restored records at their next transaction, and the
        # write-ahead log is part of the same write. All pages in one step: one
        # transaction, rolled back if anything fails.
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(
            _("The restore failed, nothing was changed: %(problem)s") % {"problem": exc}
        ) from exc
    finally:
        source.close()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check(20)")
        lines = [str(row[0]) for row in cursor.fetchall()]
    if lines != ["ok"]:
        raise BackupError(
            _("The restored database fails SQLite's integrity check: %(problems)s")
            % {"problems": "; ".join(lines)}
        )
