"""Pages of funding calls. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from distretto.accounts.roles import member_organisation_ids
from distretto.calls import queries, services
from distretto.calls.domain import builder
from distretto.calls.enums import CallStatus
from distretto.calls.forms import BuilderForm, DraftForm, EligibilityForm
from distretto.registry.tabular import write_csv, write_xlsx
from distretto.web.downloads import download
from distretto.web.feedback import flash_errors, flash_form_errors, show_errors


def call_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    calls = list(queries.visible_calls(request.user))
    open_calls = [
        c
        for c in calls
        if c.status != CallStatus.ARCHIVED and (c.closes_on is None or c.closes_on >= today)
    ]
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


@login_required
@require_POST
def save_draft(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep one of the builder's consortia as a draft of the lead."""
    call = queries.get_call(request.user, slug)
    form = DraftForm(request.POST, leads=queries.lead_organisations(request.user))
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("calls:build", slug=call.slug)
    data = form.cleaned_data
    idea = services.Idea(
        lead=data["lead"],
        text=data["idea"],
        needs=tuple(builder.Need(code) for code in data["needs"]),
    )
    try:
        draft = services.save_draft(
            request.user, call, idea, list(data["partners"]), data["coordinator"]
        )
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("calls:build", slug=call.slug)
    messages.success(request, _("The consortium is saved as a draft: invite the partners."))
    return redirect("calls:draft", pk=draft.pk)


@login_required
def drafts(request: HttpRequest) -> HttpResponse:
    return render(request, "calls/drafts.html", {"drafts": queries.visible_drafts(request.user)})


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = queries.get_draft(request.user, pk)
    return render(
        request,
        "calls/draft.html",
        {
            "draft": draft,
            "places": draft.partners.select_related("organisation"),
            "may_edit": services.can_edit_draft(request.user, draft),
            "mine": member_organisation_ids(request.user),
        },
    )


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    draft = queries.get_draft(request.user, pk)
    count = services.invite_partners(request.user, draft)
    messages.success(
        request,
        ngettext("%(count)d partner invited.", "%(count)d partners invited.", count)
        % {"count": count},
    )
    return redirect("calls:draft", pk=draft.pk)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int, place: int) -> HttpResponse:
    draft = queries.get_draft(request.user, pk)
    found = draft.partners.filter(pk=place).first()
    if found is None:
        raise Http404(_("No such partner."))
    try:
        services.answer_invitation(
            request.user,
            found,
            accept=request.POST.get("answer") == "accept",
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect("calls:draft", pk=draft.pk)


@login_required
def draft_table(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    """The partner table for the proposal, as CSV or XLSX."""
    draft = queries.get_draft(request.user, pk)
    if extension not in ("csv", "xlsx"):
        raise Http404(_("No such file."))
    header, rows = services.partner_table(draft)
    if extension == "csv":
        content = write_csv(header, rows)
    else:
        content = write_xlsx(header, rows, title=_("Partners"))
    return download(content, f"partners-{draft.pk}", extension)
