"""Background work of the monitor: the monthly snapshot of the platform's own figures."""

from __future__ import annotations

from django_tasks import task

from distretto.monitor import snapshots
from distretto.monitor.enums import SnapshotTrigger


@task()
def snapshot_task(trigger: str = SnapshotTrigger.SCHEDULED) -> int:
    """Take a snapshot now (``distretto indicators snapshot`` from cron does the same in the
    shell); returns the new snapshot's id."""
    return snapshots.take_snapshot(str(trigger)).pk
