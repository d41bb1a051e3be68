"""distretto indicators import FILE: import indicator values from CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.monitor import imports as observation_imports
from distretto.monitor.domain.rows import EARLIEST_YEAR, LATEST_YEAR, TERRITORY_KINDS, columns_help
from distretto.monitor.enums import Unit
from distretto.registry import imports
from distretto.registry.management.commands import import_organisations
from distretto.terminal import acting_user, console_for, progress_bar, read_input_file

EPILOG = f"""columns, with their Italian names (header row = row 1; see docs/import-format.md):
{columns_help()}

  indicator is the address name (slug) of an indicator already on the platform; \
unit must be that indicator's unit. Header names ignore case, spaces and accents; \
unknown columns are an error; optional cells may be empty.

territory kinds and codes:
  {", ".join(TERRITORY_KINDS)}
  district: the district's address name; municipality: an ISTAT code (036022); \
province: an abbreviation (MO); nuts: a code of the taxonomy nuts (ITH54); \
country: an ISO code (IT).
periods:
  2025, 2024-H1, 2025-Q1, 2025-03 or 2025-03-31 (years {EARLIEST_YEAR} to {LATEST_YEAR}); \
not a span of years.
values:
  digits with at most one decimal separator, "." or "," (1234.5 or 1234,5); no \
thousands separators.
units:
  {", ".join(Unit.values)}

Another source's different value for the same indicator, territory and period is \
kept side by side: both are flagged and listed. The same source again with the same \
value is skipped (already there); with another value it is an error: nothing is \
ever overwritten.

Every row is checked first. With an error in any row nothing is imported (exit \
code 1) unless --skip-bad-rows is given; then the good rows are imported and the bad \
ones listed.
"""


class Command(import_organisations.Command):
    """The organisation import's command for indicator values: the same options,
    output and exit codes."""

    help = (
        "Import indicator values (a value per indicator, territory, period and source) "
        "from a CSV file (UTF-8, comma or semicolon separated) or an XLSX workbook "
        "(first sheet)."
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
                result = observation_imports.import_observations(
                    user,
                    content,
                    dry_run=options["dry_run"],
                    skip_bad_rows=options["skip_bad_rows"],
                    progress=lambda phase, done, total: advance(labels[phase], done, total),
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

        if options["dry_run"] and result.observations:
            out.print(self.observations_table(result))
        if result.conflicts:
            out.print(self.notes_table(_("Kept side by side"), result.conflicts))
        if result.already_there:
            out.print(self.notes_table(_("Already there"), result.already_there))
        if result.errors:
            # The organisation import's table of errors: row, column, problem.
            shown = imports.ImportResult(result.dry_run, result.skip_bad_rows, errors=result.errors)
            console_for(self.stderr).print(self.errors_table(shown))
        self.report_observations(result, out)

    def observations_table(self, result: observation_imports.ObservationImportResult) -> Table:
        table = Table(title=_("Values to import"), title_justify="left")
        for heading in (
            _("Row"),
            _("Indicator"),
            _("Territory"),
            _("Period"),
            _("Value"),
            _("Unit"),
            _("Source"),
        ):
            table.add_column(heading)
        for planned in result.observations:
            table.add_row(
                str(planned.row),
                planned.indicator_slug,
                planned.territory_code,
                planned.period,
                planned.value + (" *" if planned.flagged else ""),
                planned.unit,
                planned.source,
            )
        return table

    def notes_table(self, title: str, notes: list[Any]) -> Table:
        table = Table(title=title, title_justify="left")
        table.add_column(_("Row"), justify="right", no_wrap=True)
        table.add_column(_("Note"), overflow="fold")
        for note in notes:
            table.add_row(str(note.row), note.message)
        return table

    def report_observations(
        self, result: observation_imports.ObservationImportResult, out: Any
    ) -> None:
        count = len(result.observations)
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
                "Dry run: %(count)d value would be imported; nothing was saved.",
                "Dry run: %(count)d values would be imported; nothing was saved.",
                count,
            )
        else:
            message = ngettext("Imported %(count)d value.", "Imported %(count)d values.", count)
        out.print(message % {"count": count})
        if result.conflicts:
            flagged = len({conflict.row for conflict in result.conflicts})
            out.print(
                ngettext(
                    "%(count)d value is kept side by side with another source's (flagged).",
                    "%(count)d values are kept side by side with another source's (flagged).",
                    flagged,
                )
                % {"count": flagged}
            )
        if result.already_there:
            there = len(result.already_there)
            out.print(
                ngettext(
                    "%(count)d row was already there and is skipped.",
                    "%(count)d rows were already there and are skipped.",
                    there,
                )
                % {"count": there}
            )
        if bad:
            out.print(
                ngettext(
                    "Skipped %(count)d bad row: %(rows)s.",
                    "Skipped %(count)d bad rows: %(rows)s.",
                    bad,
                )
                % {"count": bad, "rows": ", ".join(str(row) for row in result.skipped_rows)}
            )
