"""Background tasks of saved searches (run by ``distretto worker``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from distretto.alerts import services


@task()
def send_digests_task(frequency: str | None = None) -> int:
    """Send the due digests now; returns how many e-mails went out."""
    return services.send_digests(timezone.now(), frequency)
