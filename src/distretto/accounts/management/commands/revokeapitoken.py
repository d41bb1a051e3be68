"""distretto revokeapitoken: revoke an API token at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from distretto.accounts.models import ApiToken
from distretto.accounts.services import SYSTEM, revoke_api_token


class Command(BaseCommand):
    help = (
        "Revoke the API token whose key starts with dst_PREFIX (PREFIX: the 8 characters "
        "shown when it was issued and in the back office; type them after dst_, as a "
        "prefix may start with a dash). It is refused from the next request on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="dst_ and the token's prefix, e.g. dst_Ab3-xY9z")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options["prefix"].strip().removeprefix("dst_")[:8]
        tokens = list(ApiToken.objects.select_related("user").filter(prefix=prefix))
        if not tokens:
            raise CommandError(f"prefix: no API token has the prefix {prefix!r}.")
        if len(tokens) > 1:
            raise CommandError(
                f"prefix: {len(tokens)} tokens have the prefix {prefix!r}; "
                "revoke them in the back office."
            )
        token = tokens[0]
        if revoke_api_token(SYSTEM, token):
            self.stdout.write(f"API token '{token.name}' of {token.user.username} revoked.")
        else:
            self.stdout.write(
                f"API token '{token.name}' of {token.user.username} was revoked already."
            )
