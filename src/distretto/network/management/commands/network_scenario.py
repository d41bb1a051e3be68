"""network_scenario: what the district loses when an area stops (earthquake, flood...)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM
from distretto.network import services


class Command(BaseCommand):
    help = (
        "Run a disruption scenario: remove every site within --radius-km of --lat/--lon, or "
        "in --municipalities, or the --organisations named; print which organisations lose "
        "all local suppliers of a process step, who could replace them, and how much of "
        "the supply chain stays connected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--radius-km", type=float, help="radius of the area, in km")
        parser.add_argument("--lat", type=float, help="latitude of the centre")
        parser.add_argument("--lon", type=float, help="longitude of the centre")
        parser.add_argument("--municipalities", help="ISTAT codes, comma-separated")
        parser.add_argument("--organisations", help="address names, comma-separated")
        parser.add_argument("--save", metavar="NAME", help="keep the scenario under this name")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        data = {
            "radius_km": options["radius_km"],
            "lat": options["lat"],
            "lon": options["lon"],
            "municipalities": _split(options["municipalities"]),
            "organisations": _split(options["organisations"]),
        }
        try:
            if options["save"]:
                services.save_scenario(SYSTEM, options["save"], data)
            result, network = services.run_scenario(SYSTEM, data)
        except ValidationError as error:
            raise CommandError(
                "\n".join(
                    f"--{name.replace('_', '-')}: {message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                )
            ) from None
        shown = services.describe_scenario(result, network)
        if options["json"]:
            self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _("%(count)d organisations hit: %(names)s")
            % {
                "count": len(shown["removed"]),
                "names": ", ".join(o["name"] for o in shown["removed"]),
            }
        )
        for lost in shown["lost_supplies"]:
            self.stdout.write(
                _(
                    "%(customer)s loses its local suppliers of %(step)s (%(suppliers)s); "
                    "could replace them: %(candidates)s"
                )
                % {
                    "customer": lost["customer"]["name"],
                    "step": lost["step_label"],
                    "suppliers": ", ".join(o["name"] for o in lost["suppliers"]),
                    "candidates": ", ".join(o["name"] for o in lost["candidates"][:5]) or "-",
                }
            )
        for step in shown["steps_lost"]:
            self.stdout.write(
                _("The district loses %(step)s entirely.") % {"step": step["step_label"]}
            )
        self.stdout.write(
            _(
                "Supply chain connected: %(before)s%% before, %(after)s%% after; "
                "%(kept)s%% of the supplies kept."
            )
            % {
                "before": shown["connected_before"],
                "after": shown["connected_after"],
                "kept": shown["supplies_kept"],
            }
        )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]
