"""distretto events expire: unanswered meeting requests past their date expire."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from distretto.events import services


class Command(BaseCommand):
    help = (
        "Mark meeting requests left unanswered past their date as expired: they stop "
        "blocking a new request between the same participants. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.expire_requests(timezone.now())
        self.stdout.write(
            ngettext("%(count)d request expired.", "%(count)d requests expired.", count)
            % {"count": count}
        )
