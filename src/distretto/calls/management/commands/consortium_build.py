"""consortium_build: propose consortia for an idea.

Two modes: ``--call ID --idea FILE`` builds over the registry (the same service as the
builder page and the API); ``--input PROBLEM.json --output RESULT.json`` is the file
mode, a thin wrapper of ``distretto.calls.domain.problem_io.run_file``. Both formats
are in docs/consortium-file-format.md.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from distretto.calls.domain.builder import BuildInputError
from distretto.calls.domain.problem_io import run_file


class Command(BaseCommand):
    help = (
        "Propose the best consortia for an idea. With --call and --idea: over the district's "
        "registry, for a call and an idea file (JSON: lead, idea, needs...). With --input and "
        "--output: file mode, from a JSON file with the candidates, the call's rules, needs, "
        "lead, trust and budgets. Both formats are in docs/consortium-file-format.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", help="the call: its address name (slug) or identifier")
        parser.add_argument("--idea", help="the idea, a JSON file (with --call)")
        parser.add_argument("--json", action="store_true", help="print JSON (with --call)")
        parser.add_argument("--input", help="file mode: the problem, a JSON file")
        parser.add_argument("--output", help="file mode: where to write the consortia")
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
        registry_mode = options["call"] is not None or options["idea"] is not None
        file_mode = options["input"] is not None or options["output"] is not None
        if registry_mode == file_mode or (
            registry_mode and not (options["call"] and options["idea"])
        ):
            raise CommandError(
                _("Give either --call and --idea, or --input and --output (file mode).")
            )
        if registry_mode:
            self.build_for_call(options["call"], options["idea"], limit, options["json"])
            return
        if not options["output"] or not options["input"]:
            raise CommandError(
                _("Give either --call and --idea, or --input and --output (file mode).")
            )
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

    def build_for_call(self, call_id: str, path: str, limit: float | None, as_json: bool) -> None:
        from django.db.models import Q

        from distretto.accounts.services import SYSTEM
        from distretto.calls import queries, services

        calls = list(queries.visible_calls(SYSTEM).filter(Q(slug=call_id) | Q(identifier=call_id)))
        call = next((c for c in calls if c.slug == call_id), None)
        if call is None and len(calls) > 1:
            raise CommandError(
                _("Several calls have the identifier %(id)s: give one of %(slugs)s.")
                % {"id": call_id, "slugs": ", ".join(c.slug for c in calls)}
            )
        call = call or next(iter(calls), None)
        if call is None:
            raise CommandError(_("No such call: %(slug)s.") % {"slug": call_id})
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as error:
            raise CommandError(
                _("%(file)s cannot be read: %(error)s") % {"file": path, "error": error.strerror}
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s") % {"file": path, "error": error}
            ) from None
        except RecursionError:  # "[[[[..." thousands deep: not a file to read
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s")
                % {"file": path, "error": _("it is nested too deeply")}
            ) from None
        if not isinstance(data, dict):
            raise CommandError(_("%(file)s must hold a JSON object.") % {"file": path})
        try:
            idea = services.parse_idea(SYSTEM, data)
            built = services.build_consortia(SYSTEM, call, idea, time_limit=limit or 10.0)
        except ValidationError as error:
            raise CommandError(
                _("%(file)s cannot be used:") % {"file": path}
                + "\n"
                + "\n".join(
                    f"- {name}: {message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                )
            ) from None
        data = services.consortia_data(built)
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        if not data["consortia"]:
            self.stdout.write(data["diagnosis"])
        for n, proposal in enumerate(data["consortia"], 1):
            self.stdout.write(
                _(
                    "Consortium %(n)d: %(partners)d partners, coordinator %(coordinator)s, "
                    "objective %(objective).3f of at most %(bound).3f (%(proof)s)."
                )
                % {
                    "n": n,
                    "partners": len(proposal["partners"]),
                    "coordinator": proposal["coordinator"],
                    "objective": proposal["objective"],
                    "bound": proposal["bound"],
                    "proof": _("proven optimal")
                    if proposal["optimal"]
                    else _("not proven optimal"),
                }
            )
            for partner in proposal["partners"]:
                covers = ", ".join(partner["covers"]) or "-"
                self.stdout.write(f"  - {partner['name']} ({partner['organisation']}): {covers}")
            for rule in proposal["binding_rules"]:
                self.stdout.write("  " + _("At its limit: %(rule)s") % {"rule": rule})
            for need in proposal["lacking"]:
                names = ", ".join(o["name"] for o in need["outside"]) or "-"
                self.stdout.write(
                    "  "
                    + _("Lacking %(code)s (%(missing)d); outside the district: %(names)s")
                    % {"code": need["code"], "missing": need["missing"], "names": names}
                )
