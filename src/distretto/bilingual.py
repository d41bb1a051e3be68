"""Bilingual fields: every user-facing text is kept as ``<name>_it`` and ``<name>_en``.

A record shows the text in the active language and falls back to the other one,
so an organisation described only in Italian still shows its description to an
English visitor (marked by the template as being in Italian).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

LANGUAGE_CODES = ("it", "en")


def active_language() -> str:
    """The active language code reduced to one Distretto knows ("it" or "en")."""
    lang = (get_language() or "it")[:2]
    return lang if lang in LANGUAGE_CODES else "it"


def pick(obj: Any, field: str, lang: str | None = None) -> tuple[str, str]:
    """Return ``(text, language)`` of ``obj.<field>_<lang>``, falling back to the other language."""
    lang = lang or active_language()
    order = [lang] + [code for code in LANGUAGE_CODES if code != lang]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "") or ""
        if value:
            return value, code
    return "", lang


class BilingualMixin:
    """Adds ``obj.tr("field")`` returning the text in the active language."""

    def tr(self, field: str) -> str:
        return pick(self, field)[0]

    def tr_lang(self, field: str) -> str:
        """The language the text returned by ``tr`` is written in."""
        return pick(self, field)[1]
