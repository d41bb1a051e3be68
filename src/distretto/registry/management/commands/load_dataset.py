"""distretto load NAME: load a dataset shipped with Distretto, e.g. ``distretto load mirandola``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from distretto.registry.dataset import available_datasets, load_dataset
from distretto.registry.domain.dataset_records import DatasetError
from distretto.terminal import RawDescriptionHelpFormatter, console_for

EPILOG = """The taxonomies (segments, process steps, value chains, certifications, EMDN
excerpt, ATECO 2007 and 2025, NUTS) and the municipalities are loaded first,
then the district with its key figures and facts, its organisations with their
sites, codes and facts, the ties between them, the programmes and the projects.

Safe to repeat: records are matched by their keys; missing ones are created,
existing ones are left exactly as they are ("kept" when a facilitator edited
them). The dataset never overwrites your edits. Nothing is saved when the
dataset has a problem; each problem names the record and the field.
"""


class Command(BaseCommand):
    help = "Load a dataset shipped with Distretto, with its taxonomies (safe to repeat)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "name",
            choices=available_datasets(),
            help="the dataset to load: %(choices)s",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = console_for(self.stdout)
        progress = Progress(
            TextColumn("{task.description:<40.40}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        task = progress.add_task(_("Loading"), total=None)

        def step(what: str, done: int, total: int) -> None:
            progress.update(task, description=what, completed=done, total=total)

        try:
            with progress:
                report = load_dataset(options["name"], progress=step)
        except DatasetError as exc:
            for problem in exc.problems:
                self.stderr.write(problem.describe(_))
            count = len(exc.problems)
            raise CommandError(
                ngettext(
                    "The dataset has %(count)d problem; nothing was saved.",
                    "The dataset has %(count)d problems; nothing was saved.",
                    count,
                )
                % {"count": count}
            ) from exc

        table = Table(title=_("Dataset %(name)s") % {"name": options["name"]})
        table.add_column(_("Records"))
        for heading in (_("created"), _("updated"), _("unchanged"), _("kept as edited")):
            table.add_column(heading, justify="right")
        for label, tally in report.rows():
            table.add_row(
                label,
                str(tally.created),
                str(tally.updated),
                str(tally.unchanged),
                str(tally.kept),
            )
        console.print(table)
        self.stdout.write(str(report))
