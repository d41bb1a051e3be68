"""The page a locked-out login gets (django-axes calls ``locked_out``)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """429 with a page saying how long the user name is blocked from this address."""
    minutes = max(1, math.ceil(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(request, "accounts/locked_out.html", {"lockout_minutes": minutes}, status=429)
