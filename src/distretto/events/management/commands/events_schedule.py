"""distretto events schedule: schedule the meetings of an event described in a JSON file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.events.domain.schedule_io import parse_event, result_to_json
from distretto.events.domain.scheduler import ScheduleInputError, schedule


class Command(BaseCommand):
    help = (
        "Schedule the meetings of a brokerage event read from a JSON file (slots, tables, "
        "participants, meeting requests, optionally a previous schedule) and write the "
        "schedule as JSON. The format is described in docs/scheduler-file-format.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="the event, a JSON file")
        parser.add_argument("--output", required=True, help="where to write the schedule")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=30.0,
            help="seconds the scheduler may take (default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["input"])
        target = Path(options["output"])
        limit = options["time_limit"]
        if not limit > 0:
            raise CommandError(_("--time-limit must be a positive number of seconds."))
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(problem)s") % {"file": source, "problem": exc}
            ) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(file)s is not valid JSON: %(problem)s (line %(line)d, column %(column)d)")
                % {"file": source, "problem": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from exc
        except RecursionError as exc:  # "[[[[..." thousands deep: not a file to read
            raise CommandError(
                _("%(file)s is not valid JSON: %(problem)s")
                % {"file": source, "problem": _("it is nested too deeply")}
            ) from exc
        try:
            event = parse_event(data)
        except ScheduleInputError as exc:
            raise CommandError(
                _("%(file)s cannot be scheduled:") % {"file": source}
                + "\n"
                + "\n".join(f"- {message}" for message in exc.messages)
            ) from exc
        verbosity = options.get("verbosity", 1)

        def progress(fraction: float, message: str) -> None:
            if verbosity >= 2:
                self.stderr.write(f"{fraction:4.0%} {message}")

        result = schedule(event, time_limit=limit, progress=progress)
        output = json.dumps(result_to_json(event, result), indent=2, ensure_ascii=False) + "\n"
        try:
            handle, temporary = tempfile.mkstemp(
                dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(output)
            os.replace(temporary, target)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(problem)s") % {"file": target, "problem": exc}
            ) from exc
        self.stdout.write(
            _(
                "%(held)d meetings scheduled, %(left)d not; weight %(objective)d of at most "
                "%(bound)d (gap %(gap).2f%%) in %(seconds).1f s. Written to %(file)s."
            )
            % {
                "held": len(result.placements),
                "left": len(result.unscheduled),
                "objective": result.objective,
                "bound": result.upper_bound,
                "gap": 100 * result.gap,
                "seconds": result.seconds,
                "file": target,
            }
        )
        if event.previous is not None:
            self.stdout.write(
                _(
                    "Compared with the previous schedule: %(kept)d kept, %(moved)d moved, "
                    "%(dropped)d dropped, %(added)d added."
                )
                % {
                    "kept": len(result.kept),
                    "moved": len(result.moved),
                    "dropped": len(result.dropped),
                    "added": len(result.added),
                }
            )
