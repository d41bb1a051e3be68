"""Pages where organisation admins and facilitators edit an organisation and its people.

Thin views: parse the form, call one service, render; services check permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distretto.concurrency import EditConflict
from distretto.registry import queries, services
from distretto.registry.enums import Status
from distretto.registry.models import Organisation
from distretto.web.conflicts import CurrentValue, seen_version, show_conflict
from distretto.web.edit_forms import OrganisationProfileForm, PersonForm
from distretto.web.feedback import show_errors


@login_required
def edit_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = services.get_organisation_for_edit(request.user, slug)
    taxonomies = queries.directory_options(request.user).taxonomies
    conflict: list[CurrentValue] | None = None
    if request.method == "POST":
        form = OrganisationProfileForm(request.POST, instance=organisation, taxonomies=taxonomies)
        if form.is_valid():
            try:
                services.update_organisation(
                    request.user,
                    organisation,
                    form.field_data(),
                    form.selected_codes(),
                    only_taxonomies=form.taxonomy_slugs,
                    version=seen_version(form),
                )
            except ValidationError as error:
                show_errors(form, error)
            except EditConflict as error:
                current = Organisation.objects.get(pk=organisation.pk)
                conflict = show_conflict(form, error, current, list(form.Meta.fields))
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect(organisation.get_absolute_url())
    else:
        form = OrganisationProfileForm(instance=organisation, taxonomies=taxonomies)
    return render(
        request,
        "web/edit/organisation.html",
        {
            "organisation": organisation,
            "form": form,
            "conflict": conflict,
            "people": list(organisation.people.all()),
            "may_submit": organisation.status == Status.DRAFT,
        },
    )


@login_required
@require_POST
def submit_for_review(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = services.get_organisation_for_edit(request.user, slug)
    services.set_status(request.user, organisation, Status.REVIEW)
    messages.success(request, _("Submitted: a facilitator will review and publish it."))
    return redirect("web:edit_organisation", slug=organisation.slug)


@login_required
def edit_person(request: HttpRequest, slug: str, person_id: int | None = None) -> HttpResponse:
    organisation = services.get_organisation_for_edit(request.user, slug)
    person = (
        services.get_person_for_edit(request.user, organisation, person_id)
        if person_id is not None
        else None
    )
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person)
        if form.is_valid():
            try:
                if person is None:
                    services.add_person(request.user, organisation, form.field_data())
                else:
                    services.update_person(request.user, person, form.field_data())
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.success(request, _("Contact person saved."))
                return redirect("web:edit_organisation", slug=organisation.slug)
    else:
        form = PersonForm(instance=person)
    return render(
        request,
        "web/edit/person.html",
        {"organisation": organisation, "person": person, "form": form},
    )


@login_required
@require_POST
def remove_person(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    organisation = services.get_organisation_for_edit(request.user, slug)
    person = services.get_person_for_edit(request.user, organisation, person_id)
    services.remove_person(request.user, person)
    messages.success(request, _("Contact person removed."))
    return redirect("web:edit_organisation", slug=organisation.slug)
