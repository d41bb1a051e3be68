"""Optimistic concurrency for records edited through forms and the API.

A record that people edit carries a ``version`` number. An editor reads the record
with its version, and saves "if it is still at the version I read": the service
claims the version with one conditional UPDATE inside its transaction, which
bumps it by one. A second editor who read the same version then finds it gone
and is refused with ``EditConflict``, instead of silently overwriting the first
(a lost update). Works the same on SQLite (writers are serialised) and on
PostgreSQL (the UPDATE locks the row; a waiting UPDATE re-reads it after the
first transaction commits and finds the version changed).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class EditConflict(Exception):
    """Someone else saved the record after this editor read it; nothing was saved.

    ``message`` says so in the user's language; ``current_version`` is the version
    now stored, with which the editor may save again on purpose.
    """

    def __init__(self, message: str, current_version: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.current_version = current_version


def claim_version(instance: Any, seen: int | None, message: str) -> int:
    """Bump ``instance``'s stored version if it is still ``seen``; return the new version.

    ``seen`` None means the version ``instance`` was read with. Call inside the
    transaction that then saves the record; on a mismatch raises ``EditConflict``
    with ``message`` and the version now stored.
    """
    model: type[models.Model] = type(instance)
    expected = instance.version if seen is None else seen
    claimed = model._default_manager.filter(pk=instance.pk, version=expected).update(
        version=F("version") + 1
    )
    if not claimed:
        current = (
            model._default_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        )
        raise EditConflict(message, current)
    instance.version = expected + 1
    return int(instance.version)


def parse_if_match(header: str | None) -> int | None:
    """The version named by an ``If-Match`` header (``"7"``, ``W/"7"`` or ``7``); None if absent.

    Raises ValueError when the header is present but names no version.
    """
    if header is None or not header.strip():
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip().strip('"')
    if not value.isdigit():
        raise ValueError(header)
    return int(value)
