"""Pages of funding calls. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from distretto.accounts.roles import member_organisation_ids
from distretto.alerts import queries as alert_queries
from distretto.alerts import services as alert_services
from distretto.alerts.enums import Frequency
from distretto.calls import fit, queries, services
from distretto.calls.documents import PartnerTable, partner_table_pdf
from distretto.calls.domain import builder
from distretto.calls.enums import CallStatus
from distretto.calls.forms import BuilderForm, DraftForm, EligibilityForm
from distretto.registry.models import Organisation
from distretto.registry.tabular import write_csv, write_xlsx
from distretto.web.downloads import download
from distretto.web.feedback import flash_errors, flash_form_errors, show_errors


def _fit_organisations(request: HttpRequest) -> tuple[list[Organisation], Organisation | None]:
    """The user's organisations, and the one chosen by ``?organisation=`` (default: the first).

    A facilitator may choose any organisation; anyone else choosing another
    organisation's id gets PermissionDenied (403), a bad or unknown id 404.
    """
    if not request.user.is_authenticated:
        return [], None
    mine = list(Organisation.objects.filter(pk__in=member_organisation_ids(request.user)))
    mine.sort(key=lambda o: o.name.casefold())
    wanted = request.GET.get("organisation", "").strip()
    if not wanted:
        return mine, mine[0] if mine else None
    if not wanted.isdigit():
        raise Http404(_("No such organisation."))
    chosen = next((o for o in mine if o.pk == int(wanted)), None)
    if chosen is None:
        chosen = Organisation.objects.filter(pk=int(wanted)).first()
        if chosen is None:
            raise Http404(_("No such organisation."))
        if not fit.can_ask(request.user, chosen):
            raise PermissionDenied(_("Only the organisation's members can see which calls fit it."))
        mine.append(chosen)
    return mine, chosen


def _has_calls_alert(request: HttpRequest, organisation: Organisation) -> bool:
    return any(
        alert_queries.calls_for(saved.params) == organisation.pk
        for saved in alert_queries.own_saved_searches(request.user)
    )


def call_list(request: HttpRequest) -> HttpResponse:
    """The calls, open and closed; for a member, the open calls that fit their organisation."""
    today = timezone.localdate()
    calls = list(queries.visible_calls(request.user))
    open_calls = [
        c
        for c in calls
        if c.status != CallStatus.ARCHIVED and (c.closes_on is None or c.closes_on >= today)
    ]
    organisations, chosen = _fit_organisations(request)
    fits = None
    if chosen is not None:
        fits = [
            {"fit": found, "phrase": fit.fit_phrase(found.score)}
            for found in fit.fitting_calls(request.user, chosen, today)
        ]
    return render(
        request,
        "calls/list.html",
        {
            "open_calls": open_calls,
            "past_calls": [c for c in calls if c not in open_calls],
            "today": today,
            "fit_organisations": organisations,
            "fit_organisation": chosen,
            "fits": fits,
            "has_calls_alert": chosen is not None and _has_calls_alert(request, chosen),
            "frequencies": Frequency.choices,
        },
    )


@login_required
@require_POST
def save_calls_alert(request: HttpRequest) -> HttpResponse:
    """Alert me of new calls that fit one of my organisations; back to the list, with a message."""
    wanted = request.POST.get("organisation", "").strip()
    organisation = Organisation.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if organisation is None:
        raise Http404(_("No such organisation."))
    back = f"{reverse('calls:list')}?{urlencode({'organisation': organisation.pk})}"
    try:
        saved = alert_services.save_calls_alert(
            request.user, organisation, request.POST.get("frequency", Frequency.WEEKLY)
        )
    except ValidationError as error:
        flash_errors(request, error)
        return redirect(back)
    messages.success(
        request,
        _("Alert “%(name)s” saved: you will receive new fitting calls by e-mail (%(frequency)s).")
        % {"name": saved.name, "frequency": saved.get_frequency_display()},
    )
    return redirect(back)


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


def _pair(built: services.Consortia | None, name: str) -> str:
    """The builder's Italian or English text ``name``, by the active language."""
    if built is None:
        return ""
    return str(
        services.in_language(
            getattr(built.result, f"{name}_it"), getattr(built.result, f"{name}_en")
        )
    )


def _needs(cleaned: list[dict[str, Any]]) -> tuple[builder.Need, ...]:
    return tuple(builder.Need(n["code"], float(n["weight"]), n["partners"]) for n in cleaned)


@login_required
def build(request: HttpRequest, slug: str) -> HttpResponse:
    """The consortium builder: the best eligible consortia for a project idea, with reasons."""
    call = queries.get_call(request.user, slug)
    leads = queries.lead_organisations(request.user)
    form = BuilderForm(request.GET or None, leads=leads)
    result: services.Consortia | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        idea = services.Idea(
            lead=data["lead"],
            text=data["idea"],
            needs=_needs(data["needs"]),
            must_include=tuple(data["must_include"]),
            must_exclude=tuple(data["must_exclude"]),
            max_partners=data["max_partners"],
            alternatives=data["alternatives"],
            beyond_district=data["beyond_district"],
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
            "diagnosis": _pair(result, "diagnosis"),
            "preselection": _pair(result, "preselection"),
            "outside": services.describe_outside(result) if result else [],
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
        needs=_needs(data["needs"]),
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
    """The partner table for the proposal, as CSV, XLSX or PDF."""
    draft = queries.get_draft(request.user, pk)
    if extension not in ("csv", "xlsx", "pdf"):
        raise Http404(_("No such file."))
    header, rows = services.partner_table(draft)
    if extension == "csv":
        content = write_csv(header, rows)
    elif extension == "xlsx":
        content = write_xlsx(header, rows, title=_("Partners"))
    else:
        content = partner_table_pdf(
            PartnerTable(
                call_title=draft.call.title,
                call_programme=draft.call.programme,
                call_identifier=draft.call.identifier,
                call_closes_on=draft.call.closes_on,
                draft_title=draft.title,
                lead_name=draft.lead.name,
                generated_at=timezone.now(),
                header=header,
                rows=rows,
            )
        )
    return download(content, f"partners-{draft.pk}", extension)
