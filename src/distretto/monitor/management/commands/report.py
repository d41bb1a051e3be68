"""distretto report: the district report as an HTML page or a PDF file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM
from distretto.monitor.report import report_data
from distretto.monitor.report_html import render_report
from distretto.monitor.report_pdf import report_pdf


class Command(BaseCommand):
    help = (
        "Write the district report (key figures with their sources, organisations by "
        "segment and process step, the network's headline, the brokerage events) as a "
        "standalone HTML page or an A4 PDF. It holds the public figures only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=("html", "pdf"), default="pdf", help="html or pdf (default: pdf)"
        )
        parser.add_argument("--output", required=True, metavar="FILE", help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        found = report_data(SYSTEM)
        if options["format"] == "html":
            content = render_report(found).encode("utf-8")
        else:
            content = report_pdf(found)
        path = Path(options["output"])
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
            ) from exc
        self.stderr.write(
            _("Report written to %(file)s (%(size)s bytes).") % {"file": path, "size": len(content)}
        )
