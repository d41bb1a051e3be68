"""Forms with which organisation admins and facilitators edit an organisation and its people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.registry.models import Organisation, Person
from distretto.registry.services import EDITABLE_FIELDS, PERSON_FIELDS
from distretto.taxonomy.models import Code, Taxonomy
from distretto.web.conflicts import add_version_field


class OrganisationProfileForm(forms.ModelForm):
    """The organisation's own fields, plus one checkbox list per filter taxonomy."""

    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Organisation
        # What the services let a user edit; the kind is the facilitators' to change.
        fields = [name for name in EDITABLE_FIELDS if name != "kind"]
        widgets = {
            "description_it": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "source": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, taxonomies: list[Taxonomy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taxonomy_slugs: list[str] = []
        current = (
            set(self.instance.codes.values_list("pk", flat=True)) if self.instance.pk else set()
        )
        for taxonomy in taxonomies:
            codes = list(taxonomy.codes.all())
            name = f"codes_{taxonomy.slug}"
            self.fields[name] = forms.ModelMultipleChoiceField(
                label=taxonomy.tr("name"),
                queryset=Code.objects.filter(taxonomy=taxonomy),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[code.pk for code in codes if code.pk in current],
            )
            self.fields[name].label_from_instance = lambda code: code.label  # type: ignore[attr-defined]
            self.taxonomy_slugs.append(taxonomy.slug)
        # The version the form was opened with: saving over a newer one is refused.
        add_version_field(self, self.instance)

    def field_data(self) -> dict[str, Any]:
        """The cleaned organisation fields, for ``services.update_organisation``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def selected_codes(self) -> list[Code]:
        return [code for slug in self.taxonomy_slugs for code in self.cleaned_data[f"codes_{slug}"]]

    def code_fields(self) -> list[forms.BoundField]:
        return [self[f"codes_{slug}"] for slug in self.taxonomy_slugs]

    def _post_clean(self) -> None:
        # Validation and saving are the service's job (it checks duplicates too);
        # the ModelForm only parses the fields.
        pass


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        help_texts = {
            "consent_members": _("The person agreed to be shown to logged-in members."),
            "consent_public": _("The person agreed to be shown to every visitor."),
            "consent_contact": _("The person agreed that their e-mail and phone are shown."),
        }

    def _post_clean(self) -> None:
        pass

    def field_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
