"""Forms of the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import pick
from distretto.opportunities.enums import ProfileType
from distretto.registry import queries
from distretto.registry.enums import OrganisationKind, Status

# Query parameters the directory uses itself; a taxonomy with one of these slugs
# gets a prefixed parameter name instead.
RESERVED_PARAMETERS = {"q", "kind", "municipality", "status", "page"}


@dataclass(frozen=True)
class CodeChoice:
    """A checkbox label that remembers its code's level and language, for the template."""

    text: str
    level: int = 1
    lang: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Facet:
    """One filter of the sidebar: its field, how many choices are ticked, whether it is unfolded."""

    field: forms.BoundField
    selected: int
    is_open: bool


def code_checkboxes(taxonomy: Any) -> forms.MultipleChoiceField:
    """A filter field ticking codes of ``taxonomy``, each labelled in the visitor's language."""
    choices = []
    for code in taxonomy.codes.all():
        text, lang = pick(code, "label")
        choices.append((code.code, CodeChoice(text or code.code, code.level, lang)))
    return forms.MultipleChoiceField(
        label=taxonomy.tr("name"),
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
    )


def taxonomy_parameter(slug: str) -> str:
    """The query parameter of a taxonomy filter: its slug, e.g. ``?segment=dialysis``."""
    name = slug.replace("-", "_")
    return f"t_{name}" if name in RESERVED_PARAMETERS else name


class DirectoryFilterForm(forms.Form):
    """The directory's filters; a GET form whose values become ``queries.DirectoryFilters``.

    Every filter is a list of checkboxes: within one filter the choices are
    alternatives, different filters all apply.
    """

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Name, product, place…"), "autocomplete": "off"}
        ),
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data)
        options = queries.directory_options(user)
        self.primary_taxonomy = options.primary_taxonomy
        self.taxonomy_fields: list[tuple[str, str]] = []
        for taxonomy in options.taxonomies:
            name = taxonomy_parameter(taxonomy.slug)
            self.fields[name] = code_checkboxes(taxonomy)
            self.taxonomy_fields.append((name, taxonomy.slug))
        self.fields["municipality"] = forms.MultipleChoiceField(
            label=_("Municipality"),
            required=False,
            choices=[(m.istat_code, m.name) for m in options.municipalities],
            widget=forms.CheckboxSelectMultiple,
        )
        if options.may_filter_status:
            self.fields["status"] = forms.MultipleChoiceField(
                label=_("Publication status"),
                required=False,
                choices=Status.choices,
                widget=forms.CheckboxSelectMultiple,
            )

    def facets(self) -> list[Facet]:
        """The checkbox filters in the order the sidebar shows them."""
        primary = taxonomy_parameter(self.primary_taxonomy.slug) if self.primary_taxonomy else ""
        facets = []
        for name in self.fields:
            if name == "q":
                continue
            selected = len(self.data.getlist(name)) if hasattr(self.data, "getlist") else 0
            facets.append(Facet(self[name], selected, is_open=bool(selected) or name == primary))
        return facets

    def directory_filters(self) -> queries.DirectoryFilters:
        """The valid filters; a filter with an unknown value is left out (its error is shown)."""
        self.is_valid()
        data = self.cleaned_data
        return queries.DirectoryFilters(
            text=data.get("q", ""),
            kinds=tuple(data.get("kind", ())),
            municipalities=tuple(data.get("municipality", ())),
            codes={slug: tuple(data.get(name, ())) for name, slug in self.taxonomy_fields},
            statuses=tuple(data.get("status", ())),
        )

    @property
    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


# --- the search page ------------------------------------------------------------------

# The search page's filter taxonomies, in the order of the sidebar (the engine's filters).
SEARCH_TAXONOMIES = ("segment", "process_step", "certification", "value_chain")
SEARCH_LIMITS = (10, 20, 50, 100)


class SearchForm(forms.Form):
    """The search page: a need in free words, facets, and a distance from a municipality.

    A GET form whose parameters are those of ``matching.params`` (so the address
    can be shared and saved), plus ``near``: the ISTAT code of the municipality
    the distance is measured from (the page turns it into ``lat``/``lon``).
    """

    q = forms.CharField(
        label=_("What are you looking for?"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("e.g. “cerchiamo un produttore di ossigenatori per ECMO”"),
            }
        ),
    )
    type = forms.ChoiceField(
        label=_("Show"),
        required=False,
        # "all" is what the API and saved searches may write; the page writes nothing.
        choices=[
            ("", _("Both")),
            ("organisation", _("Organisations")),
            ("profile", _("Offers and requests")),
            ("all", _("Both")),
        ],
        widget=forms.RadioSelect,
    )
    profile_type = forms.MultipleChoiceField(
        label=_("Type of offer or request"),
        required=False,
        choices=ProfileType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    near = forms.ChoiceField(label=_("From"), required=False)
    distance_km = forms.FloatField(
        label=_("Within (km)"),
        required=False,
        min_value=0.1,
        max_value=2000,
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    code = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    limit = forms.TypedChoiceField(
        label=_("Results"),
        required=False,
        coerce=int,
        empty_value=None,
        # The default (10) is the empty choice, so that it stays out of the address.
        choices=[("", str(SEARCH_LIMITS[0]))] + [(n, str(n)) for n in SEARCH_LIMITS[1:]],
    )

    # Fields shown as checkbox facets, in order, after the taxonomy ones are added.
    FACETS = ("profile_type", "kind", *SEARCH_TAXONOMIES, "municipality")

    def __init__(self, data: Any = None, *, user: Any) -> None:
        super().__init__(data)
        options = queries.directory_options(user)
        by_slug = {t.slug: t for t in options.taxonomies}
        self.taxonomy_fields: list[str] = []
        for slug in SEARCH_TAXONOMIES:
            taxonomy = by_slug.get(slug)
            if taxonomy is None:
                continue
            self.fields[slug] = code_checkboxes(taxonomy)
            self.taxonomy_fields.append(slug)
        places = [(m.istat_code, m.name) for m in options.municipalities]
        self.fields["municipality"] = forms.MultipleChoiceField(
            label=_("Municipality"),
            required=False,
            choices=places,
            widget=forms.CheckboxSelectMultiple,
        )
        cast(forms.ChoiceField, self.fields["near"]).choices = [
            ("", _("— choose a municipality —")),
            *places,
        ]
        self.municipalities = {m.istat_code: m for m in options.municipalities}
        # ``code`` ranks by any code named in the address; the engine checks it exists.
        codes = data.getlist("code") if hasattr(data, "getlist") else []
        cast(forms.MultipleChoiceField, self.fields["code"]).choices = [(c, c) for c in codes]

    @property
    def submitted(self) -> bool:
        """Whether the address asks for a search (a first visit shows the empty form)."""
        return bool(self.data) and any(name in self.data for name in self.fields)

    def facets(self) -> list[Facet]:
        """The checkbox filters in the order the sidebar shows them."""
        facets = []
        for name in self.FACETS:
            if name not in self.fields:
                continue
            selected = len(self.data.getlist(name)) if hasattr(self.data, "getlist") else 0
            facets.append(Facet(self[name], selected, is_open=bool(selected)))
        return facets

    def search_params(self) -> dict[str, list[str]]:
        """The valid values as ``matching.params`` parameters; ``near`` becomes ``lat``/``lon``.

        Call after ``is_valid()``. Adds an error to ``distance_km`` when a
        distance comes without a place to measure it from.
        """
        data = self.cleaned_data
        params: dict[str, list[str]] = {"q": [data.get("q", "")]}
        if data.get("type") and data["type"] != "all":
            params["type"] = [data["type"]]
        for name in ("profile_type", "kind", "municipality", "code", *self.taxonomy_fields):
            if data.get(name):
                params[name] = list(data[name])
        near = self.municipalities.get(data.get("near") or "")
        latitude, longitude = data.get("lat"), data.get("lon")
        if near is not None:
            latitude, longitude = float(near.latitude), float(near.longitude)
        if latitude is not None and longitude is not None:
            params["lat"], params["lon"] = [repr(latitude)], [repr(longitude)]
        if data.get("distance_km") is not None:
            if latitude is None or longitude is None:
                self.add_error(
                    "distance_km", _("Choose the municipality to measure the distance from.")
                )
            else:
                params["distance_km"] = [repr(data["distance_km"])]
        if data.get("limit"):
            params["limit"] = [str(data["limit"])]
        return params

    def show_errors(self, error: ValidationError) -> None:
        """Put the search engine's errors next to the fields they are about."""
        where = {"lat": "near", "lon": "near", "codes": "code"}
        for field, messages in error.message_dict.items():
            name = where.get(field, field)
            if name in self.errors:
                continue  # the form's own message about it is already there
            for message in messages:
                if name == "code" or name not in self.fields:
                    self.add_error(None, message)
                else:
                    self.add_error(name, message)
