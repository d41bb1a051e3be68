"""distretto search: organisations and offers/requests ranked for a need, with reasons."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.matching import services
from distretto.terminal import (
    RawDescriptionHelpFormatter,
    acting_user,
    add_acting_user_argument,
    console_for,
    progress_bar,
    read_input_file,
)


class Command(BaseCommand):
    help = (
        "Search the published organisations and offers/requests for TEXT (Italian or "
        "English), best first, each with its score and reasons.\n"
        "--kind organisation|profile|all chooses the records (default all); --org-kind "
        "filters by the organisation's kind (a profile: its owner's).\n"
        "With --batch FILE, every line of FILE is one query; with --json each query's "
        "results come out as one JSON line, the index loaded once.\n"
        "Records saved but not yet indexed are indexed (and embedded) before answering."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", help="what you are looking for")
        parser.add_argument("--batch", metavar="FILE", help="one query per line")
        parser.add_argument(
            "--limit", type=int, default=10, help="results per query, 1 to 100 (default 10)"
        )
        parser.add_argument(
            "--kind",
            choices=[*services.RECORD_TYPES, "all"],
            default="all",
            help="which records: organisation, profile or all (default)",
        )
        parser.add_argument(
            "--org-kind",
            action="append",
            default=[],
            metavar="KIND",
            help="only organisations (profiles of organisations) of this kind; repeatable",
        )
        parser.add_argument(
            "--profile-type",
            action="append",
            default=[],
            metavar="TYPE",
            help="only profiles of this type (e.g. technology_offer); repeatable",
        )
        parser.add_argument("--json", action="store_true", help="JSON output")
        add_acting_user_argument(parser, "search as this account (default: the system operator)")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["text"]) == bool(options["batch"]):
            raise CommandError(_("Give either a search TEXT or --batch FILE."))
        if options["batch"]:
            content = read_input_file(options["batch"]).decode("utf-8-sig", errors="replace")
            queries = [line.strip() for line in content.splitlines() if line.strip()]
        else:
            queries = [options["text"]]
        user = acting_user(options["as_user"])
        with progress_bar(console_for(self.stderr)) as progress:
            services.prepare_index(progress)
        types = services.RECORD_TYPES if options["kind"] == "all" else (options["kind"],)
        for text in queries:
            query = services.SearchQuery(
                text=text,
                kinds=tuple(options["org_kind"]),
                limit=options["limit"],
                types=types,
                profile_types=tuple(options["profile_type"]),
            )
            try:
                results = services.search(user, query)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            if options["json"]:
                line = [result.as_dict() for result in results]
                self.stdout.write(json.dumps(line, ensure_ascii=False))
            else:
                self._print(text, results)

    def _print(self, text: str, results: list[services.SearchResult]) -> None:
        if not results:
            self.stdout.write(_("Nothing found for %(text)s.") % {"text": repr(text)})
            return
        for rank, result in enumerate(results, start=1):
            name = result.name
            if result.type != "organisation":
                name = f"[{result.subtype}] {result.name}, {result.owner}"
            self.stdout.write(f"{rank:>3}. {name}  ({result.score:.3f})")
            reasons = result.reasons
            if reasons.terms:
                self.stdout.write(
                    "     " + _("matches: %(terms)s") % {"terms": ", ".join(reasons.terms)}
                )
            if reasons.codes:
                codes = ", ".join(f"{c.code} {c.label}" for c in reasons.codes)
                self.stdout.write("     " + _("shared codes: %(codes)s") % {"codes": codes})
            shares = ", ".join(f"{name} {share:.0%}" for name, share in reasons.shares.items())
            self.stdout.write("     " + _("score from: %(shares)s") % {"shares": shares})
