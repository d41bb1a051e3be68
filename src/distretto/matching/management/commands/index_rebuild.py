"""distretto index rebuild: rebuild the search index, lexical and embeddings."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from distretto.matching import services
from distretto.terminal import (
    RawDescriptionHelpFormatter,
    acting_user,
    add_acting_user_argument,
    console_for,
    progress_bar,
)


class Command(BaseCommand):
    help = (
        "Rebuild the search index of the published organisations and offers/requests: the "
        "lexical index, and the embeddings of every record whose text changed since it was "
        "embedded."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        add_acting_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["as_user"])
        try:
            with progress_bar(console_for(self.stderr)) as progress:
                counts = services.rebuild_index(user, progress)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        organisations = ngettext(
            "%(count)d organisation", "%(count)d organisations", counts["organisation"]
        ) % {"count": counts["organisation"]}
        profiles = ngettext(
            "%(count)d offer or request", "%(count)d offers and requests", counts["profile"]
        ) % {"count": counts["profile"]}
        self.stderr.write(
            _("Indexed %(organisations)s and %(profiles)s.")
            % {"organisations": organisations, "profiles": profiles}
        )
