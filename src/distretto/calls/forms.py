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
