"""distretto backup: a consistent copy of the database, taken while the app runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from distretto.terminal import RawDescriptionHelpFormatter
from distretto.web.backup import SQLITE, BackupError, backup

EPILOG = """SQLite: the online backup API copies the live database (write-ahead log
included) while the app goes on; the copy is one self-contained file, checked with
PRAGMA integrity_check. PostgreSQL: pg_dump --format=custom (the client tools of
the server's major version must be installed), checked by listing its contents.

The file is readable by its owner only and never overwrites another. Keep the data
directory's secret_key and media/ folder as well: they are not in the database.
Restore with: distretto restore FILE
"""


class Command(BaseCommand):
    help = (
        "Back up the database to a file (default: "
        "DISTRETTO_DATA_DIR/backups/distretto-YYYYMMDD-HHMMSS.sqlite3, or .dump on PostgreSQL)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="PATH", help="the backup file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup(options["output"])
        except BackupError as exc:
            raise CommandError(_("Nothing was backed up: %(problem)s") % {"problem": exc}) from exc
        if report.backend == SQLITE:
            message = _(
                "Backed up the SQLite database (%(tables)d tables, %(rows)d records, %(size)s) "
                "to %(file)s"
            )
        else:
            message = _(
                "Backed up the PostgreSQL database (%(tables)d tables, %(size)s) to %(file)s"
            )
        self.stdout.write(
            message
            % {
                "tables": report.tables,
                "rows": report.rows or 0,
                "size": filesizeformat(report.size),
                "file": report.path,
            }
        )
