"""distretto restore FILE: replace the database with a backup made by distretto backup."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.terminal import RawDescriptionHelpFormatter
from distretto.web.backup import SQLITE, BackupError, inspect_backup, restore

EPILOG = """The file is checked completely first: a file that is not a backup of this
database engine, a damaged one, one that is not a Distretto database or one made by
a newer version is refused, and nothing changes. Then the database as it is is
backed up (backups/before-restore-*.sqlite3 or .dump, to undo) and the backup
replaces it in one transaction: SQLite through its online backup API, PostgreSQL
with pg_restore --clean --if-exists --no-owner --single-transaction. A backup from
an older version has its tables updated (migrate) at once.

Stop the web server and the workers first, or restart them afterwards: they keep
the search index in memory.
"""

YES = {"yes", "y", "si", "sì", "s"}


class Command(BaseCommand):
    help = "Replace every record of the database with those of a backup made by distretto backup."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="the backup file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            info = inspect_backup(options["path"])
        except BackupError as exc:
            raise CommandError(_("Nothing was restored: %(problem)s") % {"problem": exc}) from exc
        if info.backend == SQLITE:
            self.stdout.write(
                _("%(file)s: a SQLite backup with %(tables)d tables and %(rows)d records.")
                % {"file": info.path, "tables": len(info.tables), "rows": info.rows or 0}
            )
        else:
            self.stdout.write(
                _("%(file)s: a PostgreSQL backup with %(tables)d tables.")
                % {"file": info.path, "tables": len(info.tables)}
            )
        if not options["yes"]:
            self.confirm()
        try:
            report = restore(info.path)
        except BackupError as exc:
            raise CommandError(_("Nothing was restored: %(problem)s") % {"problem": exc}) from exc
        self.stdout.write(
            _("The database as it was is saved in %(file)s (to undo: distretto restore %(file)s).")
            % {"file": report.safety.path}
        )
        self.stdout.write(self.style.SUCCESS(_("Restored %(file)s.") % {"file": info.path}))
        if report.leftover:
            self.stderr.write(
                _("These tables are not in the backup and were left as they were: %(tables)s")
                % {"tables": ", ".join(report.leftover)}
            )
        if report.needs_migrate:
            self.stdout.write(
                _("The backup is from an older version: updating its tables (distretto migrate).")
            )
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(_("Tables updated."))
        self.stdout.write(
            _("Restart the web server and the workers: they keep the search index in memory.")
        )

    def confirm(self) -> None:
        question = _(
            "Every record of the database will be replaced by those of the backup. Continue? "
            "[yes/no] "
        )
        if not sys.stdin.isatty():
            raise CommandError(
                _("Nothing was restored: confirm with --yes (no terminal to ask on).")
            )
        answer = input(question).strip().lower()
        if answer not in YES:
            raise CommandError(_("Restore cancelled: nothing was changed."))
