"""Pages of brokerage events. Thin: parse the request, call one query or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distretto.events import exports, queries, rules, services
from distretto.events.enums import EventStatus, MeetingStatus, RunStatus
from distretto.events.forms import (
    AnswerForm,
    EventForm,
    MeetingRequestForm,
    OrganiserMeetingForm,
    ParticipationTypeForm,
    RegistrationForm,
    ReportForm,
    ScheduleForm,
    SessionForm,
)
from distretto.events.models import Event
from distretto.web.feedback import flash_errors, flash_form_errors, show_errors

# --- everyone ------------------------------------------------------------------------------


def event_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    events = rules.visible_events(request.user)
    return render(
        request,
        "events/list.html",
        {
            "upcoming": events.filter(ends_on__gte=today).order_by("starts_on"),
            "past": events.filter(ends_on__lt=today).order_by("-starts_on")[:20],
            "may_create": rules.can_create_event(request.user),
        },
    )


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    now = timezone.now()
    own = rules.own_registrations(request.user, event) if request.user.is_authenticated else None
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "sessions": queries.sessions(event),
            "types": event.participation_types.all(),
            "own": own,
            "registration_open": event.status == EventStatus.PUBLISHED
            and event.registration_opens <= now <= event.registration_closes,
            "may_register": bool(
                request.user.is_authenticated
                and queries.registrable_organisations(request.user, event).exists()
            ),
            "is_organiser": rules.is_organiser(request.user, event),
            "participants": queries.marketplace(request.user, event).count(),
        },
    )


# --- organisers: set-up ----------------------------------------------------------------------


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not rules.can_create_event(request.user):
        raise Http404(_("No such page."))
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(request.user, form.data_for_service())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The event has been created: now add its sessions."))
            return redirect("events:setup", slug=event.slug)
    return render(request, "events/edit.html", {"form": form, "event": None})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(request.user, event, form.data_for_service())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The event has been saved."))
            return redirect("events:setup", slug=event.slug)
    return render(request, "events/edit.html", {"form": form, "event": event})


@login_required
def event_setup(request: HttpRequest, slug: str) -> HttpResponse:
    """Sessions with their breaks and slots, participation types, publication."""
    event = queries.organised_event(request.user, slug)
    session_form = SessionForm(prefix="session")
    type_form = ParticipationTypeForm(prefix="type")
    if request.method == "POST":
        if "session-name" in request.POST:
            session_form = SessionForm(request.POST, prefix="session")
            if session_form.is_valid():
                data = session_form.cleaned_data
                try:
                    services.save_session(
                        request.user,
                        event,
                        name=data["name"],
                        day=data["day"],
                        start=data["start"],
                        end=data["end"],
                        breaks=data["breaks"],
                    )
                except ValidationError as error:
                    show_errors(session_form, error)
                else:
                    messages.success(request, _("The session has been added."))
                    return redirect("events:setup", slug=event.slug)
        elif "type-name" in request.POST:
            type_form = ParticipationTypeForm(request.POST, prefix="type")
            if type_form.is_valid():
                data = type_form.cleaned_data
                try:
                    services.save_participation_type(
                        request.user,
                        event,
                        name=data["name"],
                        kind=data["kind"],
                        limit=data["limit"],
                    )
                except ValidationError as error:
                    show_errors(type_form, error)
                else:
                    messages.success(request, _("The participation type has been added."))
                    return redirect("events:setup", slug=event.slug)
    return render(
        request,
        "events/setup.html",
        {
            "event": event,
            "sessions": queries.sessions(event),
            "types": event.participation_types.all(),
            "session_form": session_form,
            "type_form": type_form,
            "statuses": EventStatus.choices,
        },
    )


@login_required
@require_POST
def session_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    session = event.sessions.filter(pk=pk).first()
    if session is None:
        raise Http404(_("No such session."))
    services.delete_session(request.user, session)
    messages.success(request, _("The session has been removed."))
    return redirect("events:setup", slug=event.slug)


@login_required
@require_POST
def event_status(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    try:
        services.set_event_status(request.user, event, request.POST.get("status", ""))
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request, _("The event is now: %(status)s.") % {"status": event.get_status_display()}
        )
    return redirect("events:setup", slug=event.slug)


# --- participants ------------------------------------------------------------------------------


@login_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    organisations = queries.registrable_organisations(request.user, event)
    if not organisations.exists():
        messages.info(request, _("Your organisations are already registered at this event."))
        return redirect(event.get_absolute_url())
    form = RegistrationForm(
        request.POST or None, event=event, organisations=organisations, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.register(
                request.user,
                event,
                form.cleaned_data["organisation"],
                form.registration_data(),
                timezone.now(),
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("You are registered."))
            return redirect("events:participation", slug=event.slug, pk=registration.pk)
    return render(
        request,
        "events/register.html",
        {"event": event, "form": form, "slots": queries.slots(event)},
    )


@login_required
def registration_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    initial = {
        "participation_type": registration.participation_type,
        "people": registration.people.all(),
        "available_slots": registration.available_slots.all(),
        "profiles": registration.profiles.all(),
        "max_meetings": registration.max_meetings,
    }
    form = RegistrationForm(
        request.POST or None,
        event=event,
        organisations=queries.registrable_organisations(request.user, event),
        registration=registration,
        initial=initial,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_registration(request.user, registration, form.registration_data())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Your registration has been saved."))
            return redirect("events:participation", slug=event.slug, pk=registration.pk)
    return render(
        request,
        "events/register.html",
        {"event": event, "form": form, "registration": registration},
    )


@login_required
def participation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A participant's page: requests, meetings, agenda and the people to meet."""
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    meetings = list(queries.meetings_of(registration))
    try:
        recommended = services.recommendations(request.user, registration, limit=8)
    except ValidationError:
        recommended = []
    return render(
        request,
        "events/participation.html",
        {
            "event": event,
            "registration": registration,
            "received": [
                m
                for m in meetings
                if m.recipient_id == registration.pk and m.status == MeetingStatus.REQUESTED
            ],
            "sent": [
                m
                for m in meetings
                if m.requester_id == registration.pk and m.status == MeetingStatus.REQUESTED
            ],
            "accepted": [m for m in meetings if m.status == MeetingStatus.ACCEPTED],
            "closed": [m for m in meetings if m.status not in services.OPEN],
            "recommended": recommended,
            "answer_form": AnswerForm(),
        },
    )


@login_required
def marketplace(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    own = list(rules.own_registrations(request.user, event).filter(status="approved"))
    return render(
        request,
        "events/marketplace.html",
        {"event": event, "participants": queries.marketplace(request.user, event), "own": own},
    )


@login_required
def request_meeting(request: HttpRequest, slug: str, pk: int, other: int) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    recipient = queries.participant(request.user, event, other)
    form = MeetingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_meeting(
                request.user,
                registration,
                recipient,
                reason=form.cleaned_data["reason"],
                priority=form.cleaned_data["priority"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request has been sent to %(name)s.")
                % {"name": recipient.organisation.name},
            )
            return redirect("events:participation", slug=event.slug, pk=registration.pk)
    return render(
        request,
        "events/request.html",
        {"event": event, "registration": registration, "recipient": recipient, "form": form},
    )


@login_required
@require_POST
def answer_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = queries.get_meeting(request.user, pk)
    form = AnswerForm(request.POST)
    accept = request.POST.get("answer") == "accept"
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.answer_meeting(request.user, meeting, accept=accept, note=note, now=timezone.now())
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request, _("The meeting is accepted.") if accept else _("The request is declined.")
        )
    return redirect(_back(request, meeting.event))


@login_required
@require_POST
def cancel_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = queries.get_meeting(request.user, pk)
    try:
        services.cancel_meeting(request.user, meeting, request.POST.get("note", ""))
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The meeting is cancelled."))
    return redirect(_back(request, meeting.event))


def _back(request: HttpRequest, event: Event) -> str:
    """Where to go after a POST: the page it came from, if on this site, else the event."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return event.get_absolute_url()


@login_required
def agenda(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    return render(
        request,
        "events/agenda.html",
        {"event": event, "registration": registration, "meetings": queries.agenda(registration)},
    )


@login_required
def agenda_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    return exports.agenda_response(request, registration, "ics")


@login_required
def agenda_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.get_event(request.user, slug)
    registration = queries.registration_for(request.user, event, pk)
    return exports.agenda_response(request, registration, "pdf")


@login_required
def outcomes(request: HttpRequest, slug: str) -> HttpResponse:
    """After the event: each of the user's participations reports on its meetings."""
    event = queries.get_event(request.user, slug)
    own = list(rules.own_registrations(request.user, event))
    if request.method == "POST":
        meeting = queries.get_meeting(request.user, int(request.POST.get("meeting", "0") or 0))
        registration = next(
            (r for r in own if r.pk in (meeting.requester_id, meeting.recipient_id)), None
        )
        form = ReportForm(request.POST, prefix=f"m{meeting.pk}")
        if registration is None:
            raise Http404(_("No such meeting."))
        if form.is_valid():
            try:
                services.report_meeting(
                    request.user,
                    meeting,
                    registration,
                    took_place=form.cleaned_data["took_place"],
                    outcome=form.cleaned_data["outcome"],
                    agreement_type=form.cleaned_data["agreement_type"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("Thank you: the outcome is recorded."))
                return redirect("events:outcomes", slug=event.slug)
        else:
            flash_form_errors(request, form)
    rows = []
    for registration in own:
        for meeting in queries.agenda(registration):
            report = meeting.reports.filter(registration=registration).first()
            initial: dict[str, Any] = {}
            if report is not None:
                initial = {
                    "took_place": "yes" if report.took_place else "no",
                    "outcome": report.outcome,
                    "agreement_type": report.agreement_type,
                    "note": report.note,
                }
            rows.append(
                {
                    "registration": registration,
                    "meeting": meeting,
                    "other": meeting.other(registration),
                    "form": ReportForm(initial=initial, prefix=f"m{meeting.pk}"),
                    "report": report,
                }
            )
    return render(request, "events/outcomes.html", {"event": event, "rows": rows})


# --- organisers: running the event ---------------------------------------------------------------


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "registrations": queries.organiser_registrations(event),
            "meetings": queries.organiser_meetings(event),
            "run": queries.latest_run(event),
            "schedule_form": ScheduleForm(),
            "meeting_form": OrganiserMeetingForm(event=event),
            "figures": services.statistics(request.user, event, timezone.now()),
            "slots": queries.slots(event),
        },
    )


@login_required
@require_POST
def registration_action(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Approve, reject, check in, mark as no-show, set the booth: one button each."""
    event = queries.organised_event(request.user, slug)
    registration = event.registrations.filter(pk=pk).select_related("event").first()
    if registration is None:
        raise Http404(_("No such registration."))
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if action in ("approve", "reject"):
            services.decide_registration(request.user, registration, action == "approve")
        elif action in ("check_in", "undo_check_in"):
            services.check_in(request.user, registration, now, present=action == "check_in")
        elif action in ("no_show", "undo_no_show"):
            services.mark_no_show(request.user, registration, action == "no_show")
        elif action == "booth":
            raw = request.POST.get("booth", "").strip()
            if raw and not raw.isdigit():
                raise ValidationError({"booth": [_("Give a table number.")]})
            services.set_booth(request.user, registration, int(raw) if raw else None)
        else:
            raise Http404(_("No such action."))
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Saved: %(name)s.") % {"name": registration.organisation.name})
    if request.POST.get("next"):
        return redirect(_back(request, event))
    return redirect("events:manage", slug=event.slug)


@login_required
@require_POST
def organiser_meeting(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    form = OrganiserMeetingForm(request.POST, event=event)
    if form.is_valid():
        try:
            services.organiser_meeting(
                request.user,
                form.cleaned_data["first"],
                form.cleaned_data["second"],
                priority=form.cleaned_data["priority"],
                now=timezone.now(),
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The meeting has been added."))
    else:
        flash_form_errors(request, form)
    return redirect("events:manage", slug=event.slug)


@login_required
@require_POST
def pin_meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    meeting = event.meetings.filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("No such meeting."))
    slot = queries.slots(event).filter(pk=request.POST.get("slot") or 0).first()
    table_text = request.POST.get("table", "").strip()
    try:
        table = int(table_text) if table_text.isdigit() else None
        services.pin_meeting(request.user, meeting, slot, table)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The meeting is fixed at its slot and table."))
    return redirect("events:manage", slug=event.slug)


@login_required
@require_POST
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("events:manage", slug=event.slug)
    try:
        run = services.start_schedule(request.user, event, form.cleaned_data["time_limit"])
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("events:manage", slug=event.slug)
    messages.success(request, _("The scheduler is at work."))
    return redirect("events:run", slug=event.slug, pk=run.pk)


@login_required
def run_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A scheduling run: progress while it works (the page refreshes itself), then its result."""
    event = queries.organised_event(request.user, slug)
    services.abandon_stale_runs(event)  # a run whose process died says so, not "running"
    run = queries.get_run(event, pk)
    template = "events/_run.html" if request.htmx else "events/run.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "event": event,
            "run": run,
            "working": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "changes": exports.describe_changes(run),
        },
    )


@login_required
def grid(request: HttpRequest, slug: str) -> HttpResponse:
    event = queries.organised_event(request.user, slug)
    return render(request, "events/grid.html", {"event": event, "grid": exports.grid_rows(event)})


@login_required
def organiser_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """The organiser's downloads: grid and table sheets (PDF), programme and figures."""
    event = queries.organised_event(request.user, slug)
    return exports.organiser_response(request, event, name)
