"""Pages of funding calls. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from distretto.calls import queries, services
from distretto.calls.domain import builder
from distretto.calls.forms import BuilderForm, EligibilityForm
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


@login_required
def build(request: HttpRequest, slug: str) -> HttpResponse:
    """The consortium builder: the best eligible consortia for a project idea, with reasons."""
    call = queries.get_call(request.user, slug)
    leads = queries.lead_organisations(request.user)
    form = BuilderForm(request.GET or None, leads=leads)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        idea = services.Idea(
            lead=data["lead"],
            text=data["idea"],
            needs=tuple(builder.Need(code) for code in data["needs"]),
            max_partners=data["max_partners"],
            alternatives=data["alternatives"],
        )
        try:
            result = services.build_consortia(request.user, call, idea)
        except ValidationError as error:
            show_errors(form, error)
    return render(
        request,
        "calls/build.html",
        {
            "call": call,
            "form": form,
            "result": result,
            "proposals": services.describe_proposals(result) if result else [],
            "diagnosis": services.in_language(result.diagnosis_it, result.diagnosis_en)
            if result
            else "",
        },
    )
