"""distretto createfacilitator: create a facilitator account."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM, create_facilitator


class Command(BaseCommand):
    help = (
        "Create a facilitator account (manages every record of the district). "
        "Without --password-stdin a random password is generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="login name of the new facilitator")
        parser.add_argument("--email", default="", help="e-mail address (for password resets)")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from standard input instead of generating one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().strip() if options["password_stdin"] else None
        try:
            user, password = create_facilitator(
                SYSTEM, options["username"], options["email"], password
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        self.stdout.write(_("Facilitator '%(username)s' created.") % {"username": user.username})
        if not options["password_stdin"]:
            self.stdout.write(
                _("Password (shown once, write it down): %(password)s") % {"password": password}
            )
