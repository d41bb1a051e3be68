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


WEIGHTS = ((1, _("normal")), (2, _("important")), (3, _("essential")))
COVERING = ((1, "1"), (2, "2"), (3, "3"))


class NeedsWidget(forms.Widget):
    """The needs as a table: a check box per competence, its weight and how many partners
    should cover it (``needs``, ``weight-<code>``, ``partners-<code>`` in the request)."""

    template_name = "calls/widgets/needs.html"
    use_fieldset = True

    def __init__(self, choices: Any = (), attrs: Any = None) -> None:
        super().__init__(attrs)
        self.choices = list(choices)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        codes = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        return [
            {
                "code": code,
                "weight": data.get(f"weight-{code}", "1"),
                "partners": data.get(f"partners-{code}", "1"),
            }
            for code in codes
        ]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = {n["code"]: n for n in value or [] if isinstance(n, dict)}
        context["widget"]["rows"] = [
            {
                "code": code,
                "label": label,
                "id": f"{attrs.get('id', 'id_' + name) if attrs else 'id_' + name}_{n}",
                "checked": code in chosen,
                "weight": str(chosen.get(code, {}).get("weight", 1)),
                "partners": str(chosen.get(code, {}).get("partners", 1)),
            }
            for n, (code, label) in enumerate(self.choices)
        ]
        context["widget"]["weights"] = [(str(v), label) for v, label in WEIGHTS]
        context["widget"]["covering"] = [(str(v), label) for v, label in COVERING]
        return context


class NeedsField(forms.Field):
    """The needs of an idea: a list of {code, weight, partners}, codes among the choices."""

    widget = NeedsWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices: list[tuple[str, str]] = []

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        self.choices = choices
        self.widget.choices = choices

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        known = {code for code, _label in self.choices}
        needs = []
        for item in value or []:
            code = item["code"]
            if code not in known:
                raise forms.ValidationError(
                    _("Unknown competence: %(code)s.") % {"code": code}, code="invalid_choice"
                )
            numbers = {}
            for key, allowed in (("weight", WEIGHTS), ("partners", COVERING)):
                try:
                    number = int(item[key])
                except (TypeError, ValueError):
                    number = 0
                if number not in {v for v, _label in allowed}:
                    raise forms.ValidationError(
                        _("Choose a value from the list for %(code)s.") % {"code": code},
                        code="invalid",
                    )
                numbers[key] = number
            needs.append({"code": code, **numbers})
        return needs


class BuilderForm(forms.Form):
    """A project idea: who leads, what it is about, what it needs, who must or must not be in."""

    lead = forms.ModelChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none()
    )
    idea = forms.CharField(
        label=_("Project idea"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In Italian or English: what the project will do."),
    )
    needs = NeedsField(
        label=_("Competences the idea needs"),
        help_text=_(
            "Tick what the idea needs; say how much each matters and how many partners "
            "should bring it."
        ),
    )
    must_include = forms.ModelMultipleChoiceField(
        label=_("Must be in"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    must_exclude = forms.ModelMultipleChoiceField(
        label=_("Must not be in"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )
    beyond_district = forms.BooleanField(
        label=_("Also propose organisations outside the district"),
        required=False,
        help_text=_(
            "Otherwise the partners come from the district, and organisations outside it are "
            "suggested for what the idea still lacks."
        ),
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
        self.fields["needs"].set_choices(need_choices())  # type: ignore[attr-defined]
        for name in ("must_include", "must_exclude"):
            self.fields[name].queryset = consortium_candidates()  # type: ignore[attr-defined]
        if leads.count() == 1:
            self.fields["lead"].initial = leads.first()


class DraftForm(forms.Form):
    """One of the builder's consortia, to keep as a draft (hidden fields of its result)."""

    lead = forms.ModelChoiceField(queryset=Organisation.objects.none())
    idea = forms.CharField(max_length=4000)
    needs = NeedsField()
    partners = forms.ModelMultipleChoiceField(queryset=Organisation.objects.none())
    coordinator = forms.ModelChoiceField(queryset=Organisation.objects.none())

    def __init__(self, *args: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads  # type: ignore[attr-defined]
        self.fields["needs"].set_choices(need_choices())  # type: ignore[attr-defined]
        # The published registry and the user's own organisations (a lead not yet published).
        members = consortium_candidates() | leads
        self.fields["partners"].queryset = members  # type: ignore[attr-defined]
        self.fields["coordinator"].queryset = members  # type: ignore[attr-defined]
