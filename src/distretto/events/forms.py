"""Forms of the brokerage-event pages. They parse; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from distretto.events.enums import AgreementType, Outcome, ParticipantKind, Priority
from distretto.events.models import Event, ParticipationType, Registration, Slot
from distretto.events.services import EVENT_FIELDS, RegistrationData
from distretto.opportunities.models import CooperationProfile
from distretto.registry.models import Organisation, Person

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [f for f in EVENT_FIELDS if f != "organiser"] + ["organiser"]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "registration_opens": DATETIME,
            "registration_closes": DATETIME,
            "booking_opens": DATETIME,
            "booking_closes": DATETIME,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self) -> None:
        """The service checks the event as a whole (and names the fields); skip the model's."""


class SessionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    day = forms.DateField(label=_("Day"), widget=DATE)
    start = forms.TimeField(label=_("Start"), widget=TIME)
    end = forms.TimeField(label=_("End"), widget=TIME)
    breaks = forms.CharField(
        label=_("Breaks"),
        required=False,
        help_text=_("Times without meetings, e.g. 10:40-11:00, 12:00-12:15."),
    )

    def clean_breaks(self) -> list[tuple[Any, Any]]:
        text = self.cleaned_data["breaks"].strip()
        pauses = []
        field = forms.TimeField()
        for part in filter(None, (p.strip() for p in text.split(","))):
            pieces = [p.strip() for p in part.split("-")]
            if len(pieces) != 2:
                raise forms.ValidationError(
                    _("Write each break as start-end, e.g. 10:40-11:00: “%(part)s” is not."),
                    params={"part": part},
                )
            try:
                pauses.append((field.clean(pieces[0]), field.clean(pieces[1])))
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(part)s” is not a pair of times."), params={"part": part}
                ) from None
        return pauses


class ParticipationTypeForm(forms.ModelForm):
    class Meta:
        model = ParticipationType
        fields = ["name", "kind", "limit"]

    def _post_clean(self) -> None:
        """Checked by the service."""


class SlotChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        slot: Slot = obj
        return f"{slot.session.name} {slot}"


class RegistrationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects)
    participation_type = forms.ModelChoiceField(
        label=_("Participation type"), queryset=ParticipationType.objects
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People attending"),
        queryset=Person.objects,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    available_slots = SlotChoiceField(
        label=_("Slots in which you can meet"),
        queryset=Slot.objects,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    profiles = forms.ModelMultipleChoiceField(
        label=_("Offers and requests to show"),
        queryset=CooperationProfile.objects,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_meetings = forms.IntegerField(label=_("Maximum number of meetings"), min_value=1)

    def __init__(
        self,
        *args: Any,
        event: Event,
        organisations: QuerySet[Organisation],
        registration: Registration | None = None,
        user: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["participation_type"].queryset = event.participation_types.all()  # type: ignore[attr-defined]
        owners = [registration.organisation_id] if registration else list(organisations)
        people = Person.objects.filter(organisation__in=owners)
        if user is not None:
            # Only the contact people the user may see (by each person's consent).
            from distretto.registry.rules import visible_people

            shown = [
                person.pk
                for organisation in Organisation.objects.filter(
                    pk__in=people.values("organisation")
                )
                for person in visible_people(user, organisation)
            ]
            people = people.filter(pk__in=shown)
        self.fields["people"].queryset = people.order_by("full_name")  # type: ignore[attr-defined]
        self.fields["available_slots"].queryset = Slot.objects.filter(  # type: ignore[attr-defined]
            session__event=event
        ).select_related("session")
        self.fields["profiles"].queryset = CooperationProfile.objects.filter(  # type: ignore[attr-defined]
            owner__in=owners
        ).order_by("title")
        self.fields["max_meetings"].initial = event.default_max_meetings
        if registration is not None:
            del self.fields["organisation"]
        elif organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()

    def registration_data(self) -> RegistrationData:
        data = self.cleaned_data
        return RegistrationData(
            participation_type=data["participation_type"],
            people=list(data["people"]),
            slots=list(data["available_slots"]),
            profiles=list(data["profiles"]),
            max_meetings=data["max_meetings"],
        )


class MeetingRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why meet"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )


class AnswerForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReportForm(forms.Form):
    took_place = forms.TypedChoiceField(
        label=_("Did the meeting take place?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *Outcome.choices], required=False
    )
    agreement_type = forms.ChoiceField(
        label=_("Type of agreement"), choices=[("", "—"), *AgreementType.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class OrganiserMeetingForm(forms.Form):
    first = forms.ModelChoiceField(label=_("Participant"), queryset=Registration.objects)
    second = forms.ModelChoiceField(label=_("Meets"), queryset=Registration.objects)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.HIGH
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        approved = event.registrations.filter(status="approved").select_related("organisation")
        self.fields["first"].queryset = approved  # type: ignore[attr-defined]
        self.fields["second"].queryset = approved  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"), min_value=1, max_value=600, initial=30
    )


KIND_CHOICES = ParticipantKind.choices
