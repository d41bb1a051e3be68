"""distretto createapitoken: issue an API token for a user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from distretto.accounts.enums import TokenScope
from distretto.accounts.services import SYSTEM, issue_api_token


class Command(BaseCommand):
    help = (
        "Issue an API token for USERNAME. The key is printed once, on the last line; "
        "only its hash is kept, so a lost key is replaced by issuing a new token. "
        "Scripts send it as 'Authorization: Bearer KEY'. A token reads only unless "
        "--scope write; it expires after --days days (DISTRETTO_API_TOKEN_DAYS by default; "
        "0: never) and is revoked with 'distretto revokeapitoken PREFIX'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token acts for")
        parser.add_argument(
            "--name", required=True, help="what the token is for, e.g. 'CRM sync script'"
        )
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.READ,
            help="read (default): GET only; write: reads and changes",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="days until the token expires (default: DISTRETTO_API_TOKEN_DAYS; 0: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, raw_key = issue_api_token(
                SYSTEM,
                options["username"],
                options["name"],
                scope=options["scope"],
                days=options["days"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "never expires"
        self.stdout.write(
            f"API token '{token.name}' issued for {token.user.username} "
            f"(prefix {token.prefix}, scope {token.scope}, {expiry}). "
            "The key is shown once; copy it now:"
        )
        self.stdout.write(raw_key)
