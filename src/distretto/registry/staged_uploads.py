"""Uploaded import files kept between the preview and the confirmation.

The preview must not write anything, and the confirmation must import exactly
the file the user previewed, so the file waits in ``DATA_DIR/imports/`` under a
random name that only the uploader's session knows. Files are removed once
imported, when the same session uploads another, or after a day. They are kept
outside ``MEDIA_ROOT``, so the web server never serves them.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings

SESSION_KEY = "registry_import_upload"
MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    return _folder() / f"{token}.upload"


def _remove_stale(now: float) -> None:
    for path in _folder().glob("*.upload"):
        try:
            if now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass  # another process removed it first


def stage(session: Any, content: bytes) -> str:
    """Keep ``content`` for this session and return its token (replacing an earlier upload)."""
    discard(session, session.get(SESSION_KEY, ""))
    _remove_stale(time.time())
    token = secrets.token_urlsafe(24)
    path = _path(token)
    assert path is not None  # token_urlsafe(24) always has the token's form
    path.write_bytes(content)
    session[SESSION_KEY] = token
    return token


def load(session: Any, token: str) -> bytes | None:
    """The staged file for ``token`` if it belongs to this session and still exists."""
    if not token or session.get(SESSION_KEY) != token:
        return None
    path = _path(token)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def discard(session: Any, token: str) -> None:
    """Forget a staged file (after it was imported, or when another replaces it)."""
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)
    if session.get(SESSION_KEY) == token:
        session.pop(SESSION_KEY, None)
