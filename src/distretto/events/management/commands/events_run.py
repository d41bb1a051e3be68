"""distretto events run SLUG: schedule an event's accepted meetings in the database."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.accounts.services import SYSTEM
from distretto.events import services
from distretto.events.models import Event


class Command(BaseCommand):
    help = (
        "Schedule the accepted meetings of an event now, in this process, keeping every "
        "meeting that can stay where it is; prints the result, the bound and what moved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="address name of the event")
        parser.add_argument("--time-limit", type=int, default=30, help="seconds (1-600)")

    def handle(self, *args: Any, **options: Any) -> None:
        event = Event.objects.filter(slug=options["slug"]).first()
        if event is None:
            raise CommandError(_("No such event: %(slug)s.") % {"slug": options["slug"]})
        try:
            run = services.start_schedule(SYSTEM, event, options["time_limit"], queue=False)
        except ValidationError as error:
            messages = " ".join(m for ms in error.message_dict.values() for m in ms)
            raise CommandError(messages) from None
        run = services.execute_schedule(run.pk)
        if run.status != "done":
            raise CommandError(run.message)
        changes = run.changes or {}
        self.stdout.write(
            _(
                "%(scheduled)d of %(requests)d meetings scheduled; weight %(objective)d of an "
                "upper bound of %(bound).0f; %(moved)d moved; %(seconds).1f s."
            )
            % {
                "scheduled": run.scheduled,
                "requests": run.requests,
                "objective": run.objective,
                "bound": run.upper_bound or 0,
                "moved": len(changes.get("moved", [])),
                "seconds": run.seconds or 0,
            }
        )
