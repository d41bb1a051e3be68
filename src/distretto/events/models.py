"""Brokerage events: sessions and their slots, registrations, meetings, outcomes, schedule runs.

Slim tables; the rules live in ``rules.py`` and ``services.py``, the scheduler in ``domain/``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distretto.events.enums import (
    AgreementType,
    EventStatus,
    MeetingStatus,
    Outcome,
    ParticipantKind,
    Priority,
    RegistrationStatus,
    RunStatus,
)
from distretto.opportunities.models import CooperationProfile
from distretto.registry.models import Organisation, Person, Tie


class Event(models.Model):
    """A brokerage day: one or more matchmaking sessions of one-to-one meetings at tables."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    venue = models.CharField(_("venue"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    meeting_minutes = models.PositiveSmallIntegerField(
        _("meeting length (minutes)"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    tables = models.PositiveSmallIntegerField(
        _("tables"), default=20, validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    registration_opens = models.DateTimeField(_("registration opens"))
    registration_closes = models.DateTimeField(_("registration closes"))
    booking_opens = models.DateTimeField(_("meeting requests open"))
    booking_closes = models.DateTimeField(_("meeting requests close"))
    approval_required = models.BooleanField(_("organiser approves registrations"), default=True)
    request_expiry_days = models.PositiveSmallIntegerField(
        _("days a request waits for an answer"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    default_max_meetings = models.PositiveSmallIntegerField(
        _("default maximum meetings per participant"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_events",
        verbose_name=_("organiser"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("brokerage event")
        verbose_name_plural = _("brokerage events")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})


class Session(models.Model):
    """A matchmaking session (e.g. the morning) cut into meeting slots, with its breaks."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    name = models.CharField(_("name"), max_length=120)
    day = models.DateField(_("day"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["day", "start", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.name} ({self.day:%Y-%m-%d} {self.start:%H:%M}-{self.end:%H:%M})"


class Break(models.Model):
    """A pause inside a session: no meeting starts or runs through it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="breaks")
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["start"]
        verbose_name = _("break")
        verbose_name_plural = _("breaks")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Slot(models.Model):
    """One meeting time of a session, derived from the session, the breaks and the length."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class ParticipationType(models.Model):
    """A kind of participant (company, research, investor...) with its own limit."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participation_types")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ParticipantKind.choices)
    limit = models.PositiveIntegerField(
        _("at most"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("participation type")
        verbose_name_plural = _("participation types")
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="participation_type_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    """An organisation at an event: its people, availability, marketplace and meeting limit."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("organisation"),
    )
    participation_type = models.ForeignKey(
        ParticipationType, on_delete=models.PROTECT, verbose_name=_("participation type")
    )
    people = models.ManyToManyField(Person, blank=True, verbose_name=_("people attending"))
    available_slots = models.ManyToManyField(
        Slot, blank=True, related_name="available_registrations", verbose_name=_("available")
    )
    profiles = models.ManyToManyField(
        CooperationProfile, blank=True, verbose_name=_("offers and requests shown")
    )
    max_meetings = models.PositiveSmallIntegerField(
        _("maximum meetings"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    booth = models.PositiveSmallIntegerField(_("fixed booth (table number)"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    no_show = models.BooleanField(_("did not come"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="registration_one_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["event", "booth"],
                condition=models.Q(booth__isnull=False),
                name="registration_booth_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.event}"


class Meeting(models.Model):
    """A meeting request between two registrations and, once accepted, the meeting itself."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    requester = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_sent"
    )
    recipient = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_received"
    )
    reason = models.CharField(_("why meet"), max_length=300, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.REQUESTED
    )
    answer_note = models.CharField(_("answer"), max_length=300, blank=True)
    expires_at = models.DateTimeField(_("waits for an answer until"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    by_organiser = models.BooleanField(_("set by the organiser"), default=False)
    slot = models.ForeignKey(
        Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    table = models.PositiveSmallIntegerField(_("table"), null=True, blank=True)
    pinned = models.BooleanField(
        _("fixed by the organiser"),
        default=False,
        help_text=_("The scheduler keeps a fixed meeting at its slot and table."),
    )
    unscheduled_reason = models.CharField(_("why not scheduled"), max_length=300, blank=True)
    tie = models.OneToOneField(
        Tie,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting",
        verbose_name=_("tie in the network"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        ordering = ["slot__starts_at", "table", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requester=models.F("recipient")), name="meeting_not_with_self"
            ),
            # One meeting at a table in a slot. (A participant's one meeting per slot spans
            # two columns: the services keep it, holding the event's row lock.)
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=models.Q(slot__isnull=False, table__isnull=False),
                name="meeting_one_per_table_and_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester.organisation} ↔ {self.recipient.organisation}"

    def other(self, registration: Registration) -> Registration:
        return self.recipient if registration.pk == self.requester_id else self.requester


class MeetingReport(models.Model):
    """What one side says of a meeting after the event: held or not, and its outcome."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reports")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="+")
    took_place = models.BooleanField(_("the meeting took place"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    agreement_type = models.CharField(
        _("type of agreement"), max_length=20, choices=AgreementType.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("reported"), auto_now=True)

    class Meta:
        verbose_name = _("meeting report")
        verbose_name_plural = _("meeting reports")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "registration"], name="meeting_report_one_per_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.get_outcome_display() or self.took_place}"


class FollowUpPrompt(models.Model):
    """A follow-up e-mail sent to a participant some months after the event (sent once)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="follow_ups"
    )
    months = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "months"], name="follow_up_once")
        ]

    def __str__(self) -> str:
        return f"{self.registration} +{self.months}"


class ScheduleRun(models.Model):
    """One run of the scheduler for an event, with its progress and its result."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedule_runs")
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    time_limit = models.PositiveIntegerField(_("time limit (seconds)"), default=30)
    requests = models.PositiveIntegerField(_("meetings to place"), default=0)
    scheduled = models.PositiveIntegerField(_("meetings scheduled"), default=0)
    objective = models.PositiveIntegerField(_("weight scheduled"), default=0)
    upper_bound = models.FloatField(_("upper bound"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("schedule run")
        verbose_name_plural = _("schedule runs")
        constraints = [
            # One run at a time per event.
            models.UniqueConstraint(
                fields=["event"],
                condition=models.Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]),
                name="schedule_run_one_under_way",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def ratio(self) -> float | None:
        if not self.upper_bound:
            return None
        return self.objective / self.upper_bound

    @property
    def percent_of_bound(self) -> float | None:
        ratio = self.ratio
        return None if ratio is None else round(100 * ratio, 2)
