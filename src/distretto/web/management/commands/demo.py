"""distretto demo: everything a newcomer needs to browse the district, in one command."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM, create_facilitator, facilitator_exists
from distretto.registry.dataset import database_is_empty, load_dataset
from distretto.web.management.commands.serve import run_server


class Command(BaseCommand):
    help = (
        "Migrate the database, load the Mirandola dataset if the database is empty, "
        "create a facilitator account (its password is printed once) and serve the web app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.SERVE_HOST, help="address to listen on")
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT, help="port")
        parser.add_argument(
            "--no-serve", action="store_true", help="set everything up but do not start the server"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(_("Data directory: %(path)s") % {"path": settings.DATA_DIR})
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database ready."))
        if database_is_empty():
            report = load_dataset("mirandola")
            self.stdout.write(_("Loaded the Mirandola dataset: %(report)s") % {"report": report})
        else:
            self.stdout.write(_("The database already has data: nothing loaded."))
        if facilitator_exists():
            self.stdout.write(
                _(
                    "A facilitator account exists already (reset its password with "
                    "'distretto changepassword USERNAME')."
                )
            )
        else:
            user, password = create_facilitator(SYSTEM, "facilitator")
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Facilitator account created: username '%(username)s', "
                        "password '%(password)s' (shown once, write it down)."
                    )
                    % {"username": user.username, "password": password}
                )
            )
        if not options["no_serve"]:
            run_server(options["host"], options["port"], 8, self.stdout)
