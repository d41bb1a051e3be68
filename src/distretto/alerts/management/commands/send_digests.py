"""distretto digests send: e-mail the due digests of saved searches."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import ngettext

from distretto.alerts import services
from distretto.alerts.enums import Frequency


class Command(BaseCommand):
    help = (
        "E-mail each person one digest of the new results of their due saved searches "
        "(daily: last sent a day ago or never; weekly: a week). Run it from cron or a "
        "systemd timer, e.g. every morning; a search with nothing new sends nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequency",
            choices=list(Frequency.values),
            help="only the saved searches of this frequency (default: both)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count the e-mails that would go out; send nothing and change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.send_digests(
            timezone.now(), options["frequency"], dry_run=options["dry_run"]
        )
        if options["dry_run"]:
            message = ngettext(
                "%(count)d e-mail would be sent (dry run: nothing sent).",
                "%(count)d e-mails would be sent (dry run: nothing sent).",
                count,
            )
        else:
            message = ngettext("%(count)d e-mail sent.", "%(count)d e-mails sent.", count)
        self.stdout.write(message % {"count": count})
