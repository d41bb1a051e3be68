"""Forms of the offers and requests pages. They parse; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.opportunities.enums import DeclineReason, PartnershipType, ProfileType
from distretto.opportunities.models import CooperationProfile
from distretto.opportunities.queries import ProfileFilters
from distretto.opportunities.services import EDITABLE_FIELDS
from distretto.registry.enums import OrganisationKind, StaffBand
from distretto.registry.models import Organisation, Person
from distretto.taxonomy.models import Code
from distretto.web.conflicts import add_version_field


def code_reference(code: Code) -> str:
    return f"{code.taxonomy.slug}:{code.code}"


def code_choices(codes: list[Code]) -> list[tuple[str, str]]:
    return [(code_reference(code), f"{code.taxonomy.tr('name')}: {code.label}") for code in codes]


class ProfileFilterForm(forms.Form):
    type = forms.MultipleChoiceField(
        label=_("Type"),
        choices=ProfileType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    code = forms.MultipleChoiceField(
        label=_("Codes"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, codes: list[Code], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = code_choices(codes)  # type: ignore[attr-defined]

    def profile_filters(self) -> ProfileFilters:
        if not self.is_valid():
            return ProfileFilters()
        return ProfileFilters(
            types=tuple(self.cleaned_data["type"]), codes=tuple(self.cleaned_data["code"])
        )


LIST_FIELDS = {
    "partnership_types": (_("Types of partnership sought"), PartnershipType.choices),
    "partner_kinds": (_("Kinds of partner sought"), OrganisationKind.choices),
    "partner_sizes": (_("Sizes of partner sought"), StaffBand.choices),
}


class ProfileForm(forms.ModelForm):
    """The profile's fields; on a new profile also the owner, among the user's organisations."""

    owner = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=True
    )
    call_link = forms.URLField(
        label=_("Call link"), required=False, assume_scheme="https", max_length=200
    )
    codes = forms.MultipleChoiceField(
        label=_("Codes"), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CooperationProfile
        fields = [name for name in EDITABLE_FIELDS if name not in LIST_FIELDS]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "advantages": forms.Textarea(attrs={"rows": 4}),
            "partner_role": forms.Textarea(attrs={"rows": 3}),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "call_interest_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "call_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(
        self,
        *args: Any,
        owners: Any = None,
        codes: list[Code],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codes_by_reference = {code_reference(code): code for code in codes}
        self.fields["codes"].choices = code_choices(codes)  # type: ignore[attr-defined]
        for name, (label, choices) in LIST_FIELDS.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=getattr(self.instance, name) if self.instance.pk else [],
            )
        if self.instance.pk:
            del self.fields["owner"]
            owner_id = self.instance.owner_id
            self.fields["codes"].initial = [code_reference(c) for c in self.instance.codes.all()]
            # The version the form was opened with: saving over a newer one is refused.
            add_version_field(self, self.instance)
        else:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
            owner_id = None
        # The owner first, the profile's text, then whom it looks for; the call fields last.
        self.order_fields(
            [
                "owner",
                "profile_type",
                "title",
                "summary",
                "description",
                "advantages",
                "stage",
                "ipr_status",
                "partner_role",
                *LIST_FIELDS,
                "codes",
                "target_countries",
                "target_regions",
                "language",
                "expires_on",
                "contact",
            ]
        )
        contact = self.fields["contact"]
        contact.queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(organisation_id=owner_id)
            if owner_id
            else Person.objects.filter(organisation__in=owners)
        )

    def field_data(self) -> dict[str, Any]:
        """The cleaned profile fields, for ``services.create_profile`` / ``update_profile``."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name in LIST_FIELDS:
            data[name] = list(self.cleaned_data[name])
        return data

    def selected_codes(self) -> list[Code]:
        return [self.codes_by_reference[ref] for ref in self.cleaned_data["codes"]]

    def _post_clean(self) -> None:
        # Validation and saving are the service's job; the ModelForm only parses the fields.
        pass


class InterestForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Organisation.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say who you are and why this offer or request interests you."),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    text = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
