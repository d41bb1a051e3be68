"""distretto load_taxonomies: load the code lists and municipalities shipped with Distretto."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.table import Table

from distretto.taxonomy.loading import TaxonomyDataError, load_taxonomies
from distretto.terminal import console_for


class Command(BaseCommand):
    help = (
        "Load the taxonomies (segments, process steps, value chains, certifications, EMDN "
        "excerpt, ATECO 2007 and 2025, NUTS) and the municipalities shipped with Distretto, "
        "without any organisation. Safe to repeat: codes are matched by taxonomy and code, "
        "municipalities by ISTAT code; 'distretto load' does this too."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_taxonomies()
        except TaxonomyDataError as exc:
            raise CommandError(str(exc)) from exc
        table = Table()
        table.add_column(_("Records"))
        for heading in (_("created"), _("updated"), _("unchanged")):
            table.add_column(heading, justify="right")
        for label, tally in report.rows():
            table.add_row(label, str(tally.created), str(tally.updated), str(tally.unchanged))
        console_for(self.stdout).print(table)
        self.stdout.write(str(report))
