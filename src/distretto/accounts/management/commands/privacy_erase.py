"""distretto privacy erase: erase one person's personal data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from distretto.accounts import privacy
from distretto.accounts.management.commands.privacy_export import (
    add_subject_arguments,
    subject_of,
)
from distretto.accounts.services import SYSTEM


class Command(BaseCommand):
    help = (
        "Erase a user's or a contact person's personal data (GDPR Art. 17): an account "
        "is renamed erased-ID, emptied and deactivated, its memberships, API tokens, saved "
        "searches, consents and linked contact records deleted; a contact person is "
        "deleted. The history keeps what was done, without the name; meetings, "
        "registrations and the district's figures stay. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        subject = subject_of(options)
        ((kind, target),) = subject.items()
        label = f"{kind} {target} (id {target.pk})"
        if not options["yes"]:
            answer = input(f"Erase the personal data of {label}? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in {"y", "yes", "s", "si", "sì"}:
                raise CommandError("Nothing erased.")
        report = privacy.erase_personal_data(SYSTEM, **subject)
        self.stdout.write(
            f"Erased {label}: {report.contact_records} contact record(s), "
            f"{report.memberships} membership(s), {report.api_tokens} API token(s), "
            f"{report.saved_searches} saved search(es), {report.consents} consent(s) deleted; "
            f"{report.history_anonymised} history entries anonymised, "
            f"{report.references_cleared} author references cleared."
        )
