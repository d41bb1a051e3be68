"""consortium_build: propose consortia for an idea described in a JSON file.

A thin wrapper of ``distretto.calls.domain.problem_io.run_file``; the format is in
docs/consortium-file-format.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.calls.domain.builder import BuildInputError
from distretto.calls.domain.problem_io import run_file


class Command(BaseCommand):
    help = (
        "Propose the best consortia for an idea, read from a JSON file (candidates, the "
        "call's rules, needs, lead, trust, budgets), and write them as JSON. The format is "
        "described in docs/consortium-file-format.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="the problem, a JSON file")
        parser.add_argument("--output", required=True, help="where to write the consortia")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=None,
            help="seconds for each solve (default: the file's time_limit, else 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["time_limit"]
        if limit is not None and not limit > 0:
            raise CommandError(_("--time-limit must be a positive number of seconds."))
        try:
            result = run_file(options["input"], options["output"], limit)
        except BuildInputError as exc:
            raise CommandError(
                _("%(file)s cannot be used:") % {"file": options["input"]}
                + "\n"
                + "\n".join(f"- {message}" for message in exc.messages)
            ) from exc
        best = result.best
        if best is None:
            self.stdout.write(
                _("No eligible consortium: %(diagnosis)s Written to %(file)s.")
                % {"diagnosis": result.diagnosis_en, "file": options["output"]}
            )
            return
        self.stdout.write(
            _(
                "%(count)d consortia proposed; the best has %(partners)d partners, objective "
                "%(objective).3f of at most %(bound).3f (gap %(gap).2f%%, %(proof)s) in "
                "%(seconds).1f s. Written to %(file)s."
            )
            % {
                "count": len(result.consortia),
                "partners": len(best.partners),
                "objective": best.objective,
                "bound": best.bound,
                "gap": 100 * best.gap,
                "proof": _("proven optimal") if best.optimal else _("not proven optimal"),
                "seconds": result.seconds,
                "file": options["output"],
            }
        )
        if result.preselection_en:
            self.stdout.write(_("Pre-selection: %(why)s.") % {"why": result.preselection_en})
