"""distretto import organisations FILE: import organisations from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.registry import imports, tabular
from distretto.registry.domain.import_rows import columns_help
from distretto.registry.enums import OrganisationKind, StaffBand, Status, TurnoverBand
from distretto.terminal import (
    RawDescriptionHelpFormatter,
    acting_user,
    add_acting_user_argument,
    console_for,
    progress_bar,
    read_input_file,
)

EPILOG = f"""columns (header row = row 1; see docs/import-format.md):
{columns_help()}

  Code columns take several codes separated by ";", e.g. dialysis;cardiac_surgery. \
Unknown columns are an error; optional cells may be empty.

kinds:
  {", ".join(OrganisationKind.values)}
staff bands:
  {", ".join(StaffBand.values)}
turnover bands (EUR million):
  {", ".join(TurnoverBand.values)}
statuses:
  {", ".join(Status.values)}

Every row is checked first. With an error in any row nothing is imported (exit \
code 1) unless --skip-bad-rows is given; then the good rows are imported and the bad \
ones listed.
"""


def check_input_file(name: str) -> None:
    """Refuse, before reading it, a file that is not .csv or .xlsx or is over
    DISTRETTO_MAX_UPLOAD_MB: the same limits as the import page (the import itself
    checks the content)."""
    path = Path(name)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(
            _("%(file)s: choose a .csv or .xlsx file.") % {"file": path.name or name}
        )
    try:
        size = path.stat().st_size
    except OSError:
        return  # read_input_file says why it cannot be read
    if size > settings.MAX_UPLOAD_BYTES:
        raise CommandError(
            _("%(file)s: the file is too large (%(size)s); the limit is %(limit)s.")
            % {
                "file": path.name,
                "size": tabular.megabytes(size),
                "limit": tabular.megabytes(settings.MAX_UPLOAD_BYTES),
            }
        )


class Command(BaseCommand):
    help = (
        "Import organisations, with their headquarters and codes, from a CSV file "
        "(UTF-8, comma or semicolon separated) or an XLSX workbook (first sheet)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV or XLSX file to import")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and show what would be created, without saving anything",
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows and list the bad ones (default: import nothing)",
        )
        add_acting_user_argument(parser)

    # What differs between the kinds of import (organisations here; ties and indicator
    # values in their commands): the service, what it creates, and how that is told.

    def run_import(self, user: Any, content: bytes, **options: Any) -> Any:
        return imports.import_organisations(user, content, **options)

    def planned(self, result: Any) -> list[Any]:
        return list(result.organisations)

    def planned_table(self, result: Any) -> Table:
        return self.organisations_table(result)

    def count_message(self, result: Any, count: int) -> str:
        if result.dry_run:
            message = ngettext(
                "Dry run: %(count)d organisation would be created; nothing was saved.",
                "Dry run: %(count)d organisations would be created; nothing was saved.",
                count,
            )
        else:
            message = ngettext(
                "Imported %(count)d organisation.", "Imported %(count)d organisations.", count
            )
        return message % {"count": count}

    def extra_tables(self, result: Any, out: Any) -> None:
        """Tables a kind of import adds after what it creates (none here)."""

    def extra_lines(self, result: Any, out: Any) -> None:
        """Lines a kind of import adds to its report (none here)."""

    def handle(self, *args: Any, **options: Any) -> None:
        check_input_file(options["file"])
        content = read_input_file(options["file"])
        user = acting_user(options["as_user"])
        out = console_for(self.stdout)
        labels = {"check": _("Checking rows"), "write": _("Saving")}
        try:
            with progress_bar(out) as advance:
                result = self.run_import(
                    user,
                    content,
                    dry_run=options["dry_run"],
                    skip_bad_rows=options["skip_bad_rows"],
                    progress=lambda phase, done, total: advance(labels[phase], done, total),
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

        if options["dry_run"] and self.planned(result):
            out.print(self.planned_table(result))
        self.extra_tables(result, out)
        if result.errors:
            console_for(self.stderr).print(self.errors_table(result))
        self.report(result, out)

    def organisations_table(self, result: imports.ImportResult) -> Table:
        table = Table(title=_("Organisations to create"), title_justify="left")
        for heading in (_("Row"), _("Name"), _("Kind"), _("Municipality"), _("Codes")):
            table.add_column(heading)
        for planned in result.organisations:
            municipality = (
                f"{planned.municipality_name} ({planned.municipality})"
                if planned.municipality
                else ""
            )
            table.add_row(
                str(planned.row),
                planned.name,
                planned.kind,
                municipality,
                str(planned.code_count),
            )
        return table

    def errors_table(self, result: imports.ImportOutcome) -> Table:
        table = Table(title=_("Errors"), title_justify="left")
        table.add_column(_("Row"), justify="right", no_wrap=True)
        table.add_column(_("Column"), no_wrap=True)
        table.add_column(_("Problem"), overflow="fold")
        for error in result.errors:
            table.add_row(
                str(error.row) if error.row is not None else "-",
                error.column or "-",
                error.message,
            )
        return table

    def report(self, result: Any, out: Any) -> None:
        bad = len(result.skipped_rows)
        if result.fatal or (result.errors and not result.skip_bad_rows):
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)d error.",
                    "Nothing was imported: %(count)d errors.",
                    len(result.errors),
                )
                % {"count": len(result.errors)}
            )
        out.print(self.count_message(result, len(self.planned(result))))
        self.extra_lines(result, out)
        if bad:
            out.print(
                ngettext(
                    "Skipped %(count)d bad row: %(rows)s.",
                    "Skipped %(count)d bad rows: %(rows)s.",
                    bad,
                )
                % {"count": bad, "rows": ", ".join(str(row) for row in result.skipped_rows)}
            )
