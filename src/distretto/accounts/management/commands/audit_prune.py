"""distretto audit prune: delete the audit log's entries past their retention."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.accounts import audit


class Command(BaseCommand):
    help = (
        "Delete the entries of the audit log older than DISTRETTO_AUDIT_RETENTION_DAYS days "
        "(default 1825, five years; 0 keeps them forever). Run it daily or monthly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count the entries, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if audit.retention_cutoff() is None:
            self.stdout.write(
                _("DISTRETTO_AUDIT_RETENTION_DAYS is 0: the audit log is kept forever.")
            )
            return
        count = audit.prune(dry_run=options["dry_run"])
        days = settings.AUDIT_RETENTION_DAYS
        if options["dry_run"]:
            message = ngettext(
                "%(count)d audit entry is older than %(days)d days and would be deleted.",
                "%(count)d audit entries are older than %(days)d days and would be deleted.",
                count,
            )
        else:
            message = ngettext(
                "%(count)d audit entry older than %(days)d days deleted.",
                "%(count)d audit entries older than %(days)d days deleted.",
                count,
            )
        self.stdout.write(message % {"count": count, "days": days})
