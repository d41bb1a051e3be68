"""Pages of offers and requests. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distretto.concurrency import EditConflict
from distretto.opportunities import queries, rules, services
from distretto.opportunities.enums import ProfileStatus
from distretto.opportunities.forms import DeclineForm, InterestForm, ProfileFilterForm, ProfileForm
from distretto.opportunities.models import CooperationProfile
from distretto.web.conflicts import CurrentValue, seen_version, show_conflict
from distretto.web.feedback import show_errors

PAGE_SIZE = 24


def profile_list(request: HttpRequest) -> HttpResponse:
    form = ProfileFilterForm(request.GET, codes=queries.filter_codes())
    profiles = queries.published_profiles(
        request.user, form.profile_filters(), timezone.localdate()
    )
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "opportunities/list.html", {"form": form, "page": page})


def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    profile = queries.get_profile(request.user, pk, today)
    senders = queries.sender_organisations(request.user, profile)
    may_send = rules.is_public(profile, today) and senders.exists()
    form = None
    if may_send:
        form = InterestForm(request.POST or None, organisations=senders)
        if request.method == "POST" and form.is_valid():
            try:
                services.send_interest(
                    request.user,
                    profile,
                    form.cleaned_data["organisation"],
                    form.cleaned_data["message"],
                    today=today,
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("Your expression of interest has been sent."))
                return redirect(profile.get_absolute_url())
    elif request.method == "POST":
        raise Http404(_("No such offer or request."))
    return render(
        request,
        "opportunities/profile.html",
        {
            "profile": profile,
            "form": form,
            "may_edit": rules.can_edit_profile(request.user, profile),
            "sent": queries.sent_to_profile(request.user, profile),
        },
    )


@login_required
def my_profiles(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opportunities/mine.html",
        {
            "profiles": queries.own_profiles(request.user),
            "may_create": queries.administered_organisations(request.user).exists(),
        },
    )


@login_required
def profile_create(request: HttpRequest) -> HttpResponse:
    owners = queries.administered_organisations(request.user)
    if not owners.exists():
        messages.error(request, _("Only an organisation's administrators write its profiles."))
        return redirect("opportunities:mine")
    form = ProfileForm(request.POST or None, owners=owners, codes=queries.filter_codes())
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.create_profile(
                request.user,
                form.cleaned_data["owner"],
                form.field_data(),
                form.selected_codes(),
                today=timezone.localdate(),
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect("opportunities:edit", pk=profile.pk)
    return render(request, "opportunities/edit.html", {"form": form, "profile": None})


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = services.get_profile_for_edit(
        request.user, queries.get_profile(request.user, pk, timezone.localdate())
    )
    form = ProfileForm(request.POST or None, instance=profile, codes=queries.filter_codes())
    conflict: list[CurrentValue] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                request.user,
                profile,
                form.field_data(),
                form.selected_codes(),
                today=timezone.localdate(),
                version=seen_version(form),
            )
        except ValidationError as error:
            show_errors(form, error)
        except EditConflict as error:
            current = CooperationProfile.objects.get(pk=profile.pk)
            conflict = show_conflict(form, error, current, list(form.field_data()))
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect("opportunities:edit", pk=profile.pk)
    return render(
        request,
        "opportunities/edit.html",
        {
            "form": form,
            "profile": profile,
            "conflict": conflict,
            "may_submit": rules.can_move_profile(request.user, profile, ProfileStatus.REVIEW),
        },
    )


@login_required
@require_POST
def profile_submit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = queries.get_profile(request.user, pk, timezone.localdate())
    try:
        services.submit_profile(request.user, profile)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("opportunities:edit", pk=profile.pk)
    messages.success(request, _("Submitted: a facilitator will review and publish it."))
    return redirect("opportunities:mine")


@login_required
def interests(request: HttpRequest) -> HttpResponse:
    incoming = list(queries.incoming_interests(request.user))
    return render(
        request,
        "opportunities/interests.html",
        {
            "incoming": [
                (interest, rules.can_answer_interest(request.user, interest))
                for interest in incoming
            ],
            "outgoing": queries.outgoing_interests(request.user),
            "decline_form": DeclineForm(),
        },
    )


@login_required
@require_POST
def answer_interest(request: HttpRequest, pk: int) -> HttpResponse:
    interest = queries.get_interest(request.user, pk)
    try:
        if request.POST.get("answer") == "accept":
            services.accept_interest(request.user, interest)
            done = _("Accepted: get in touch with them.")
        else:
            form = DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"decline_reason": _("Choose a reason for declining.")})
            services.decline_interest(
                request.user, interest, form.cleaned_data["reason"], form.cleaned_data["text"]
            )
            done = _("Declined; the sender sees your reason.")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("opportunities:interests")


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    return render(
        request, "opportunities/pipeline.html", {"pipeline": queries.pipeline(request.user)}
    )
