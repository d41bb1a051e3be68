"""distretto export organisations: the directory as CSV, XLSX or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.registry import imports
from distretto.terminal import RawDescriptionHelpFormatter, acting_user, add_acting_user_argument


class Command(BaseCommand):
    help = (
        "Export the organisations of the directory in the import's column layout "
        "(see docs/import-format.md), ordered by name, so that the file imports again.\n"
        "Without --as the export holds every record (the system operator sees all); "
        "with --as it holds what that account may see."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=imports.EXPORT_FORMATS,
            default="csv",
            help="csv (UTF-8, comma separated; the default), xlsx or json",
        )
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="write to FILE instead of standard output (required for xlsx)",
        )
        add_acting_user_argument(
            parser, "export what this account may see (default: the system operator, everything)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file_format = options["format"]
        output = options["output"]
        if file_format == "xlsx" and not output:
            raise CommandError(_("An XLSX export is a binary file: give --output FILE."))
        try:
            export = imports.export_organisations(acting_user(options["as_user"]), file_format)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not output:
            # Text to the terminal or a pipe; the byte-order mark is only for spreadsheets.
            self.stdout.write(export.content.decode("utf-8-sig"), ending="")
            return
        path = Path(output)
        try:
            path.write_bytes(export.content)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
            ) from exc
        count = export.count
        self.stderr.write(
            ngettext(
                "Exported %(count)d organisation to %(file)s.",
                "Exported %(count)d organisations to %(file)s.",
                count,
            )
            % {"count": count, "file": path}
        )
