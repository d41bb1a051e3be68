"""distretto indicators snapshot: count the platform's own figures and keep them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from rich.table import Table

from distretto.monitor import snapshots
from distretto.monitor.enums import SnapshotTrigger
from distretto.terminal import console_for


class Command(BaseCommand):
    help = (
        "Count what the platform holds (organisations by kind, segment, process step and "
        "municipality; ties by kind; offers, requests and expressions of interest; events, "
        "meetings and agreements; consortia) and keep the counts: a new snapshot, and the "
        "month's values of the platform's computed indicators. Nothing earlier is changed. "
        "Run it monthly from cron or a systemd timer (with --scheduled)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scheduled",
            action="store_true",
            help="record the snapshot as the monthly scheduled one (default: on demand)",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the snapshot's figures as JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        trigger = SnapshotTrigger.SCHEDULED if options["scheduled"] else SnapshotTrigger.ON_DEMAND
        snapshot = snapshots.take_snapshot(trigger)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "id": snapshot.pk,
                        "taken_at": snapshot.taken_at.isoformat(),
                        "trigger": snapshot.trigger,
                        "figures": snapshot.figures,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        out = console_for(self.stdout)
        table = Table(title=_("Platform figures"), title_justify="left")
        table.add_column(_("Figure"))
        table.add_column(_("Count"), justify="right")
        figures = snapshot.figures
        for spec in snapshots.COMPUTED:
            group, key = spec.figure
            name = spec.name_it if (get_language() or "").startswith("it") else spec.name_en
            table.add_row(name, str(figures[group][key]))
        out.print(table)
        values = snapshot.observations.count()
        out.print(
            ngettext(
                "Snapshot of %(when)s saved, with %(count)d value of the platform's indicators.",
                "Snapshot of %(when)s saved, with %(count)d values of the platform's indicators.",
                values,
            )
            % {"when": f"{timezone.localtime(snapshot.taken_at):%Y-%m-%d %H:%M}", "count": values}
        )
        if figures.get("district") is None:
            out.print(_("No district is set up: the district's values were not recorded."))
