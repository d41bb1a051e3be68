"""distretto profiles remind: e-mail the owners of offers and requests about to expire."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.opportunities import services


class Command(BaseCommand):
    help = (
        "E-mail the administrators of each organisation whose published offer or request "
        "expires within the next DAYS days (once per expiry date). Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=services.REMINDER_DAYS,
            help=f"how many days ahead to look (default {services.REMINDER_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 0:
            raise CommandError(_("--days must be 0 or more."))
        count = services.remind_expiring_profiles(timezone.now(), days)
        self.stdout.write(
            ngettext("%(count)d profile reminded.", "%(count)d profiles reminded.", count)
            % {"count": count}
        )
