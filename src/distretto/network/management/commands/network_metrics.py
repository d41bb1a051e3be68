"""network_metrics: the district network's figures, central organisations and weak spots."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM
from distretto.network import services
from distretto.network.queries import district_network


class Command(BaseCommand):
    help = (
        "Print the district network's headline figures, the organisations most often on "
        "the paths between others (betweenness), the brokers, the organisations whose loss "
        "disconnects the most others, the customers with a single supplier of a process "
        "step and the steps only one organisation carries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print every metric as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        found = services.network_metrics(district_network(SYSTEM))
        if options["json"]:
            self.stdout.write(json.dumps(found, ensure_ascii=False, indent=2))
            return
        figures = found["figures"]
        self.stdout.write(
            _("Organisations: %(nodes)d; ties: %(edges)d; connected parts: %(components)d")
            % figures
        )
        self.stdout.write(
            _(
                "Largest connected part: %(share)s%% of the organisations; density %(density)s; "
                "average clustering %(clustering)s; %(communities)d communities "
                "(modularity %(modularity)s)"
            )
            % {
                "share": round(100 * figures["largest_component_share"], 1),
                "density": figures["density"],
                "clustering": figures["average_clustering"],
                "communities": figures["communities"],
                "modularity": figures["modularity"],
            }
        )
        self._section(
            _("Most between others (betweenness, %(method)s):")
            % {"method": found["betweenness_method"]},
            [f"{o['name']} ({o['value']})" for o in found["betweenness"]],
        )
        self._section(_("Brokers:"), [o["name"] for o in found["brokers"]])
        self._section(
            _("Whose loss disconnects the most others:"),
            [
                _("%(name)s (%(count)d cut off)") % {"name": o["name"], "count": o["cut_off"]}
                for o in found["articulation"]
            ],
        )
        self._section(
            _("Single-supplier dependencies:"),
            [
                _("%(customer)s depends on %(supplier)s alone for %(step)s")
                % {
                    "customer": d["customer"]["name"],
                    "supplier": d["supplier"]["name"],
                    "step": d["step_label"],
                }
                for d in found["single_supplier"]
            ],
        )
        self._section(
            _("Steps only one district organisation carries:"),
            [
                f"{s['step_label']}: {s['organisation']['name']}"
                for s in found["single_source_steps"]
            ],
        )

    def _section(self, title: str, lines: list[str]) -> None:
        self.stdout.write("")
        self.stdout.write(title)
        for line in lines or ["-"]:
            self.stdout.write(f"  {line}")
