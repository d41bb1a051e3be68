"""Forms of the funding-call pages. They parse; the services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.calls.queries import consortium_candidates
from distretto.registry.models import Organisation


class EligibilityForm(forms.Form):
    """A consortium to check against a call: its partners and its coordinator."""

    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = consortium_candidates()  # type: ignore[attr-defined]
        self.fields["coordinator"].queryset = consortium_candidates()  # type: ignore[attr-defined]


def need_choices() -> list[tuple[str, str]]:
    """The competences an idea may need: segments and process steps, as ``taxonomy:code``."""
    from distretto.taxonomy.models import Code

    codes = Code.objects.filter(taxonomy__slug__in=["segment", "process_step"]).select_related(
        "taxonomy"
    )
    return [
        (f"{c.taxonomy.slug}:{c.code}", f"{c.taxonomy.tr('name')}: {c.label}")
        for c in codes.order_by("taxonomy__slug", "label_en")
    ]


class BuilderForm(forms.Form):
    """A project idea: who leads, what it is about, what it needs."""

    lead = forms.ModelChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none()
    )
    idea = forms.CharField(
        label=_("Project idea"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In Italian or English: what the project will do."),
    )
    needs = forms.MultipleChoiceField(
        label=_("Competences the idea needs"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each one weighs the same and should be covered by one partner."),
    )
    max_partners = forms.IntegerField(
        label=_("At most this many partners"), min_value=1, max_value=50, required=False
    )
    alternatives = forms.IntegerField(
        label=_("Alternatives to propose"), min_value=1, max_value=5, initial=3
    )

    def __init__(self, *args: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads  # type: ignore[attr-defined]
        self.fields["needs"].choices = need_choices()  # type: ignore[attr-defined]
        if leads.count() == 1:
            self.fields["lead"].initial = leads.first()


class DraftForm(forms.Form):
    """One of the builder's consortia, to keep as a draft (hidden fields of its result)."""

    lead = forms.ModelChoiceField(queryset=Organisation.objects.none())
    idea = forms.CharField(max_length=4000)
    needs = forms.MultipleChoiceField()
    partners = forms.ModelMultipleChoiceField(queryset=Organisation.objects.none())
    coordinator = forms.ModelChoiceField(queryset=Organisation.objects.none())

    def __init__(self, *args: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads  # type: ignore[attr-defined]
        self.fields["needs"].choices = need_choices()  # type: ignore[attr-defined]
        self.fields["partners"].queryset = consortium_candidates()  # type: ignore[attr-defined]
        self.fields["coordinator"].queryset = consortium_candidates()  # type: ignore[attr-defined]
