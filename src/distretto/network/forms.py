"""Forms of the network pages. They parse; the queries and services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.network.services import kind_choices
from distretto.registry.models import Organisation
from distretto.taxonomy.models import Municipality


class GraphFilterForm(forms.Form):
    """Which ties to draw: their kinds, a market segment, a year."""

    kinds = forms.MultipleChoiceField(
        label=_("Ties"), required=False, widget=forms.CheckboxSelectMultiple
    )
    segment = forms.ChoiceField(label=_("Market segment"), required=False)
    year = forms.IntegerField(
        label=_("Active in year"), required=False, min_value=1900, max_value=2100
    )

    def __init__(self, *args: Any, segments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kind_choices()  # type: ignore[attr-defined]
        self.fields["segment"].choices = [("", _("All segments")), *segments]  # type: ignore[attr-defined]


class ScenarioForm(forms.Form):
    """An area hit: a circle (centre and radius) or municipalities."""

    radius_km = forms.FloatField(label=_("Radius (km)"), required=False)
    lat = forms.FloatField(label=_("Latitude of the centre"), required=False)
    lon = forms.FloatField(label=_("Longitude of the centre"), required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Or: municipalities"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Or: organisations that stop"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("A plant closure, a sale: the organisations named stop, wherever they are."),
    )
    name = forms.CharField(label=_("Name (to save it)"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        from distretto.registry.rules import visible_organisations

        super().__init__(*args, **kwargs)
        chosen: Any = self.fields["organisations"]
        chosen.queryset = visible_organisations(user).order_by("name")
        field: Any = self.fields["municipalities"]
        field.queryset = (
            Municipality.objects.filter(sites__isnull=False).distinct().order_by("name")
        )

    def area_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "radius_km": data.get("radius_km"),
            "lat": data.get("lat"),
            "lon": data.get("lon"),
            "municipalities": [m.istat_code for m in data.get("municipalities") or []],
            "organisations": [o.slug for o in data.get("organisations") or []],
        }
