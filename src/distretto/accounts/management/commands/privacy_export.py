"""distretto privacy export: everything held about one person, as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from distretto.accounts import privacy
from distretto.accounts.models import User
from distretto.accounts.services import SYSTEM
from distretto.registry.models import Person


def add_subject_arguments(parser: CommandParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="USERNAME", help="a user account, by user name")
    who.add_argument(
        "--person", type=int, metavar="ID", help="a contact person of the registry, by id"
    )


def subject_of(options: dict[str, Any]) -> dict[str, Any]:
    """``{"user": ...}`` or ``{"person": ...}`` from the command's options."""
    if options.get("user"):
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['user']!r}.")
        return {"user": user}
    person = Person.objects.filter(pk=options["person"]).first()
    if person is None:
        raise CommandError(f"There is no contact person with id {options['person']}.")
    return {"person": person}


class Command(BaseCommand):
    help = (
        "Print (or write to --output) everything Distretto holds about a user or a contact "
        "person, as JSON: the answer to a request of access or portability (GDPR Art. 15 "
        "and 20). Never a password hash or an API token's key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--output", metavar="FILE", help="write the JSON to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        data = privacy.export_personal_data(SYSTEM, **subject_of(options))
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Written to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
