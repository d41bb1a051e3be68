"""Pages of funding calls. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from distretto.calls import queries, services
from distretto.calls.forms import EligibilityForm
from distretto.web.feedback import show_errors


def call_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    calls = list(queries.visible_calls(request.user))
    open_calls = [c for c in calls if c.closes_on is None or c.closes_on >= today]
    return render(
        request,
        "calls/list.html",
        {
            "open_calls": open_calls,
            "past_calls": [c for c in calls if c not in open_calls],
            "today": today,
        },
    )


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The call, and its eligibility check for a consortium the visitor puts together."""
    call = queries.get_call(request.user, slug)
    form = EligibilityForm(request.GET or None)
    checks = None
    eligible = False
    if form.is_bound and form.is_valid():
        try:
            results = services.check_eligibility(
                call, list(form.cleaned_data["partners"]), form.cleaned_data["coordinator"]
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            checks = [{"check": c, "text": services.check_text(c)} for c in results]
            eligible = all(c.status != "fail" for c in results)
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "form": form,
            "checks": checks,
            "eligible": eligible,
            "regions": services.region_codes(call),
            "days_left": (call.closes_on - timezone.localdate()).days if call.closes_on else None,
        },
    )
