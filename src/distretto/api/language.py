"""The language of API answers: the caller's ``Accept-Language`` (or language cookie).

The site's LocaleMiddleware gives every path without a language prefix the default
language (Italian), which suits pages but not the API: a script asking in English
must get its error messages in English.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation


def in_request_language(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an operation so that it runs, errors included, in the caller's language."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = translation.get_language_from_request(request, check_path=False)
        with translation.override(language):
            response = run(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    return wrapper
