"""Background work of accounts: pruning the audit log and purging personal data past
their retention."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from distretto.accounts import audit, privacy
from distretto.accounts.services import SYSTEM


@task()
def prune_audit_task() -> int:
    """Delete the audit entries older than DISTRETTO_AUDIT_RETENTION_DAYS (``distretto audit
    prune`` from cron does the same in the shell); returns how many were deleted."""
    return audit.prune()


@task()
def purge_personal_data_task() -> int:
    """Erase the accounts and contact people kept past DISTRETTO_PRIVACY_RETENTION_DAYS
    (``distretto privacy purge`` from cron does the same in the shell); returns how many."""
    return privacy.purge_stale_data(SYSTEM, timezone.now()).total
