"""distretto taxonomy import emdn FILE: load the official EMDN nomenclature."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from distretto.taxonomy import services
from distretto.terminal import (
    acting_user,
    add_acting_user_argument,
    console_for,
    progress_bar,
    read_input_file,
)


class Command(BaseCommand):
    help = (
        "Load the European Medical Device Nomenclature from the official tab-separated "
        "file (a title line, a header line, then CATEGORY, CATEGORY DESCRIPTION, CODE, "
        "TERM, LEVEL, TERMINAL LEVEL). The whole file is checked first; a file with any "
        "problem loads nothing. Codes are created or updated in the 'emdn' taxonomy; "
        "Italian labels already there are kept; loading twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the EMDN file, e.g. EMDN_V2.tsv")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and count the changes only"
        )
        add_acting_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        content = read_input_file(options["file"])
        out = console_for(self.stdout)
        try:
            with progress_bar(out) as advance:
                result = services.import_emdn(
                    acting_user(options["as_user"]),
                    content,
                    dry_run=options["dry_run"],
                    progress=lambda done, total: advance(_("Saving codes"), done, total),
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if result.errors:
            table = Table(title=_("Errors"), title_justify="left")
            table.add_column(_("Line"), justify="right", no_wrap=True)
            table.add_column(_("Column"), no_wrap=True)
            table.add_column(_("Problem"), overflow="fold")
            for error in result.errors:
                table.add_row(
                    str(error.line) if error.line is not None else "-",
                    error.column or "-",
                    error.message,
                )
            console_for(self.stderr).print(table)
            raise CommandError(
                ngettext(
                    "Nothing was loaded: %(count)d error.",
                    "Nothing was loaded: %(count)d errors.",
                    len(result.errors),
                )
                % {"count": len(result.errors)}
            )
        summary = _(
            "%(title)s: %(terms)d terms; %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged."
        ) % {
            "title": result.title or "EMDN",
            "terms": result.terms,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.dry_run:
            summary += " " + _("Dry run: nothing was saved.")
        out.print(summary)
