"""distretto import ties FILE: import ties between organisations from CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.registry import tie_imports
from distretto.registry.domain.tie_rows import EARLIEST_YEAR, LATEST_YEAR, columns_help
from distretto.registry.enums import TieKind
from distretto.registry.management.commands import import_organisations

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

    def run_import(self, user: Any, content: bytes, **options: Any) -> Any:
        return tie_imports.import_ties(user, content, **options)

    def planned(self, result: Any) -> list[Any]:
        return list(result.ties)

    def planned_table(self, result: Any) -> Table:
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

    def count_message(self, result: Any, count: int) -> str:
        if result.dry_run:
            message = ngettext(
                "Dry run: %(count)d tie would be created; nothing was saved.",
                "Dry run: %(count)d ties would be created; nothing was saved.",
                count,
            )
        else:
            message = ngettext("Imported %(count)d tie.", "Imported %(count)d ties.", count)
        return message % {"count": count}
