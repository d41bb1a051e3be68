"""network_export: the district's network as GraphML, GEXF or CSV (for Gephi, networkx)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from distretto.accounts.services import SYSTEM
from distretto.network.domain.export import write
from distretto.network.queries import district_network


class Command(BaseCommand):
    help = (
        "Export the district's network (organisations and their ties) as GraphML, GEXF or "
        "CSV (one row per tie), to a file or to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["graphml", "gexf", "csv"], default="graphml")
        parser.add_argument("--output", help="the file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        network = district_network(SYSTEM)
        target = options["output"] or sys.stdout.buffer
        write(network, options["format"], target)
        if options["output"]:
            self.stderr.write(
                f"{len(network.nodes)} organisations, {len(network.edges)} ties: "
                f"{options['output']}"
            )
