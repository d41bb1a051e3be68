"""distretto profiles expire: take offers and requests past their expiry date off the search."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from distretto.opportunities import services


class Command(BaseCommand):
    help = (
        "Mark the published and on-hold offers and requests past their expiry date as "
        "expired: they leave the search, and their owners may renew them. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.expire_profiles(timezone.now())
        self.stdout.write(
            ngettext("%(count)d profile expired.", "%(count)d profiles expired.", count)
            % {"count": count}
        )
