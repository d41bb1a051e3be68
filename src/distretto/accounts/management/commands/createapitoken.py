"""distretto createapitoken: issue an API token for a user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from distretto.accounts.services import SYSTEM, issue_api_token


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME. The key is printed once, on the last line; "
        "only its hash is kept, so a lost key is replaced by issuing a new token. "
        "Scripts send it as 'Authorization: Bearer KEY'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token acts for")
        parser.add_argument(
            "--name", required=True, help="what the token is for, e.g. 'CRM sync script'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, raw_key = issue_api_token(SYSTEM, options["username"], options["name"])
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        self.stdout.write(
            f"API token '{token.name}' issued for {token.user.username} "
            f"(prefix {token.prefix}). The key is shown once; copy it now:"
        )
        self.stdout.write(raw_key)
