"""distretto import ties FILE: import ties between organisations from CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.registry import imports, tie_imports
from distretto.registry.domain.tie_rows import EARLIEST_YEAR, LATEST_YEAR, columns_help
from distretto.registry.enums import TieKind
from distretto.registry.management.commands import import_organisations
from distretto.terminal import acting_user, console_for, progress_bar, read_input_file

EPILOG = f"""columns, with their Italian names (header row = row 1; see docs/import-format.md):
{columns_help()}

  source and target name organisations already in the registry: by address name \
(slug), VAT number or exact name (ignoring case). Header names ignore case, spaces \
and accents; unknown columns are an error; optional cells may be empty.

types:
  {", ".join(TieKind.values)}
  A process step (a code of the taxonomy process_step) is only for ties of type supplies.
years:
  whole numbers from {EARLIEST_YEAR} to {LATEST_YEAR}; year_from not after year_to.

Every row is checked first. With an error in any row nothing is imported (exit \
code 1) unless --skip-bad-rows is given; then the good rows are imported and the bad \
ones listed.
"""


class Command(import_organisations.Command):
    """The organisation import's command for ties: the same options, output and exit codes."""

    help = (
        "Import ties between organisations (the district network's edges) from a CSV "
        "file (UTF-8, comma or semicolon separated) or an XLSX workbook (first sheet)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def handle(self, *args: Any, **options: Any) -> None:
        content = read_input_file(options["file"])
        user = acting_user(options["as_user"])
        out = console_for(self.stdout)
        labels = {"check": _("Checking rows"), "write": _("Saving")}
        try:
            with progress_bar(out) as advance:
                result = tie_imports.import_ties(
                    user,
                    content,
                    dry_run=options["dry_run"],
                    skip_bad_rows=options["skip_bad_rows"],
                    progress=lambda phase, done, total: advance(labels[phase], done, total),
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

        if options["dry_run"] and result.ties:
            out.print(self.ties_table(result))
        if result.errors:
            # The organisation import's table of errors: row, column, problem.
            shown = imports.ImportResult(result.dry_run, result.skip_bad_rows, errors=result.errors)
            console_for(self.stderr).print(self.errors_table(shown))
        self.report_ties(result, out)

    def ties_table(self, result: tie_imports.TieImportResult) -> Table:
        table = Table(title=_("Ties to create"), title_justify="left")
        for heading in (_("Row"), _("From"), _("Type"), _("To"), _("Process step"), _("Years")):
            table.add_column(heading)
        for planned in result.ties:
            table.add_row(
                str(planned.row),
                planned.from_name,
                planned.kind,
                planned.to_name,
                planned.process_step,
                planned.years,
            )
        return table

    def report_ties(self, result: tie_imports.TieImportResult, out: Any) -> None:
        count = len(result.ties)
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
        if result.dry_run:
            message = ngettext(
                "Dry run: %(count)d tie would be created; nothing was saved.",
                "Dry run: %(count)d ties would be created; nothing was saved.",
                count,
            )
        else:
            message = ngettext("Imported %(count)d tie.", "Imported %(count)d ties.", count)
        out.print(message % {"count": count})
        if bad:
            out.print(
                ngettext(
                    "Skipped %(count)d bad row: %(rows)s.",
                    "Skipped %(count)d bad rows: %(rows)s.",
                    bad,
                )
                % {"count": bad, "rows": ", ".join(str(row) for row in result.skipped_rows)}
            )
