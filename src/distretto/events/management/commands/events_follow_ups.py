"""distretto events follow-ups: ask participants, 3 and 6 months on, what came of meetings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from distretto.events import services


class Command(BaseCommand):
    help = (
        "E-mail the participants of past events, 3 and 6 months after the event, to report "
        "what came of their meetings; each prompt is sent once. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.send_follow_ups(timezone.now())
        self.stdout.write(
            ngettext("%(count)d follow-up sent.", "%(count)d follow-ups sent.", count)
            % {"count": count}
        )
