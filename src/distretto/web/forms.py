"""Forms of the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import pick
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
            choices = []
            for code in taxonomy.codes.all():
                text, lang = pick(code, "label")
                choices.append((code.code, CodeChoice(text or code.code, code.level, lang)))
            self.fields[name] = forms.MultipleChoiceField(
                label=taxonomy.tr("name"),
                required=False,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
            )
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
