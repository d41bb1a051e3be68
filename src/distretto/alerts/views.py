"""Pages of saved searches. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from distretto.alerts import queries, services
from distretto.alerts.enums import Frequency

# Form fields of the save form that are not search parameters.
NOT_SEARCH = {"csrfmiddlewaretoken", "frequency", "name", "page"}


def field_label(field: str) -> str:
    """The name a person knows a search parameter by."""
    labels = {
        "q": _("search text"),
        "type": _("type"),
        "profile_type": _("type of offer or request"),
        "kind": _("kind of organisation"),
        "municipality": _("municipality"),
        "segment": _("segment"),
        "process_step": _("process step"),
        "certification": _("certification"),
        "value_chain": _("value chain"),
        "code": _("code"),
        "codes": _("code"),
        "lat": _("latitude"),
        "lon": _("longitude"),
        "distance_km": _("distance"),
        "limit": _("number of results"),
        "frequency": _("frequency"),
        "name": _("name"),
    }
    return labels.get(field, field)


def error_messages(error: ValidationError) -> list[str]:
    """Each problem as one sentence naming its field: "latitude: Enter a number."."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        message if field == NON_FIELD_ERRORS else f"{field_label(field)}: {message}"
        for field, field_messages in error.message_dict.items()
        for message in field_messages
    ]


@login_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Save the search of the posted parameters; back to the search page, with a message."""
    params = {name: request.POST.getlist(name) for name in request.POST if name not in NOT_SEARCH}
    try:
        saved = services.save_search(
            request.user,
            params,
            request.POST.get("frequency", Frequency.WEEKLY),
            request.POST.get("name", ""),
        )
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(
                request, _("The search was not saved. %(problem)s") % {"problem": message}
            )
        return redirect(queries.search_page_path(params))
    messages.success(
        request,
        _("Search “%(name)s” saved: you will receive new results by e-mail (%(frequency)s).")
        % {"name": saved.name, "frequency": saved.get_frequency_display()},
    )
    return redirect(queries.search_page_path(saved.params))


@login_required
def saved_list(request: HttpRequest) -> HttpResponse:
    searches = [
        (saved, queries.search_page_path(saved.params))
        for saved in queries.own_saved_searches(request.user)
    ]
    return render(
        request,
        "alerts/list.html",
        {
            "searches": searches,
            "frequencies": Frequency.choices,
            "limit": services.MAX_SAVED_SEARCHES,
            "has_email": bool(getattr(request.user, "email", "")),
        },
    )


@login_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the frequency (``frequency``), or pause and resume (``action``)."""
    saved = queries.get_saved_search(request.user, pk)
    action = request.POST.get("action", "")
    active = {"pause": False, "resume": True}.get(action)
    frequency = request.POST.get("frequency") or None
    try:
        services.update_saved_search(request.user, saved, frequency=frequency, active=active)
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    else:
        if active is False:
            messages.success(request, _("“%(name)s” is paused.") % {"name": saved.name})
        elif active is True:
            messages.success(request, _("“%(name)s” is active again.") % {"name": saved.name})
        else:
            messages.success(
                request,
                _("“%(name)s” will be sent %(frequency)s.")
                % {"name": saved.name, "frequency": saved.get_frequency_display()},
            )
    return redirect("alerts:list")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for confirmation (GET), then delete (POST)."""
    saved = queries.get_saved_search(request.user, pk)
    if request.method == "POST":
        services.delete_saved_search(request.user, saved)
        messages.success(request, _("“%(name)s” deleted.") % {"name": saved.name})
        return redirect("alerts:list")
    return render(request, "alerts/confirm_delete.html", {"saved": saved})
