"""Background work of brokerage events: scheduling runs, which take seconds to minutes."""

from __future__ import annotations

from django_tasks import task

from distretto.events import services


@task()
def schedule_event_task(run_id: int) -> int:
    """Carry out a queued scheduling run; returns the number of meetings scheduled."""
    return services.execute_schedule(run_id).scheduled
