"""distretto calls check SLUG --partners A,B --coordinator A: a consortium against a call."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM
from distretto.calls import queries, services

MARKS = {"pass": "ok", "fail": "NO", "not_checked": "--"}


class Command(BaseCommand):
    help = (
        "Check a consortium of registry organisations against a call's eligibility rules: "
        "every rule with pass, fail or not checked, and why. Exit status 1 when a rule fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="address name of the call")
        parser.add_argument(
            "--partners", required=True, help="address names of the partners, comma-separated"
        )
        parser.add_argument("--coordinator", required=True, help="address name of the coordinator")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.http import Http404

        try:
            call = queries.get_call(SYSTEM, options["slug"])
        except Http404:
            raise CommandError(_("No such call: %(slug)s.") % {"slug": options["slug"]}) from None
        slugs = [s.strip() for s in options["partners"].split(",") if s.strip()]
        found = {o.slug: o for o in queries.consortium_candidates().filter(slug__in=slugs)}
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise CommandError(
                _("--partners: unknown organisations: %(slugs)s.") % {"slugs": ", ".join(unknown)}
            )
        if options["coordinator"] not in found:
            raise CommandError(_("--coordinator: the coordinator must be one of the partners."))
        try:
            checks = services.check_eligibility(
                call, list(found.values()), found[options["coordinator"]]
            )
        except ValidationError as error:
            messages = " ".join(m for ms in error.message_dict.values() for m in ms)
            raise CommandError(messages) from None
        eligible = all(c.status != "fail" for c in checks)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "eligible": eligible,
                        "checks": [
                            {
                                "id": c.id,
                                "status": c.status,
                                "binding": c.binding,
                                "text": services.check_text(c),
                            }
                            for c in checks
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for check in checks:
                self.stdout.write(
                    f"[{MARKS[check.status]}] {check.id}: {services.check_text(check)}"
                )
            self.stdout.write(_("Eligible.") if eligible else _("Not eligible."))
        if not eligible:
            raise SystemExit(1)
