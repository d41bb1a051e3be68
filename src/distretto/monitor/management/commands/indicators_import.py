"""distretto indicators import FILE: import indicator values from CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.monitor import imports as observation_imports
from distretto.monitor.domain.rows import EARLIEST_YEAR, LATEST_YEAR, TERRITORY_KINDS, columns_help
from distretto.monitor.enums import Unit
from distretto.registry.management.commands import import_organisations

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

    def run_import(self, user: Any, content: bytes, **options: Any) -> Any:
        return observation_imports.import_observations(user, content, **options)

    def planned(self, result: Any) -> list[Any]:
        return list(result.observations)

    def planned_table(self, result: Any) -> Table:
        return self.observations_table(result)

    def extra_tables(self, result: Any, out: Any) -> None:
        if result.conflicts:
            out.print(self.notes_table(_("Kept side by side"), result.conflicts))
        if result.already_there:
            out.print(self.notes_table(_("Already there"), result.already_there))

    def count_message(self, result: Any, count: int) -> str:
        if result.dry_run:
            message = ngettext(
                "Dry run: %(count)d value would be imported; nothing was saved.",
                "Dry run: %(count)d values would be imported; nothing was saved.",
                count,
            )
        else:
            message = ngettext("Imported %(count)d value.", "Imported %(count)d values.", count)
        return message % {"count": count}

    def extra_lines(self, result: Any, out: Any) -> None:
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
