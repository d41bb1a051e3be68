"""distretto privacy purge: erase the personal data kept past the retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from distretto.accounts import privacy
from distretto.accounts.services import SYSTEM


class Command(BaseCommand):
    help = (
        "Erase the accounts nobody logged into for DISTRETTO_PRIVACY_RETENTION_DAYS days "
        "(never used: since they were created; facilitators', staff and superuser accounts "
        "are kept) and delete the contact people without an account who withdrew every "
        "consent that long ago. 0 days: nothing is purged. Run it daily from cron or a "
        "systemd timer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would be erased; change nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = privacy.purge_stale_data(SYSTEM, timezone.now(), dry_run=options["dry_run"])
        if report.cutoff is None:
            self.stdout.write("DISTRETTO_PRIVACY_RETENTION_DAYS is 0: nothing is purged.")
            return
        verb = "would be erased" if report.dry_run else "erased"
        for username in report.users:
            self.stdout.write(f"account {username}: {verb}")
        for person in report.people:
            self.stdout.write(f"contact person {person}: {verb}")
        self.stdout.write(
            f"{len(report.users)} account(s) and {len(report.people)} contact person(s) {verb} "
            f"(untouched since before {report.cutoff:%Y-%m-%d})"
            + (" (dry run: nothing changed)." if report.dry_run else ".")
        )
