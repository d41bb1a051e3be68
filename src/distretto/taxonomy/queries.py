"""Reading the reference lists: taxonomies, their codes, municipalities.

Public reads (code lists are not secret), used by the API and the forms.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from distretto.taxonomy.models import Code, Municipality, Taxonomy


def resolve_codes(references: Iterable[str], field_name: str = "codes") -> list[Code]:
    """The codes named ``taxonomy:code`` (e.g. ``segment:dialysis``), in the order given.

    Raises a ValidationError on ``field_name`` naming every reference that is
    malformed or unknown, so a caller can reject the whole request before changing anything.
    """
    wanted: list[tuple[str, str]] = []
    malformed: list[str] = []
    for reference in references:
        taxonomy_slug, colon, code = reference.strip().partition(":")
        if colon and taxonomy_slug.strip() and code.strip():
            wanted.append((taxonomy_slug.strip(), code.strip()))
        else:
            malformed.append(reference)
    if malformed:
        message = _("Write codes as taxonomy:code, e.g. segment:dialysis (got: %(refs)s).")
        raise ValidationError({field_name: message % {"refs": ", ".join(malformed)}})
    if not wanted:
        return []
    condition = Q()
    for taxonomy_slug, code in wanted:
        condition |= Q(taxonomy__slug=taxonomy_slug, code=code)
    found = {
        (c.taxonomy.slug, c.code): c
        for c in Code.objects.filter(condition).select_related("taxonomy")
    }
    unknown = [f"{t}:{c}" for t, c in wanted if (t, c) not in found]
    if unknown:
        raise ValidationError(
            {field_name: _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return list(dict.fromkeys(found[key] for key in wanted))


def taxonomy_list() -> QuerySet[Taxonomy]:
    """Every taxonomy, in display order, with ``code_count`` (its number of codes)."""
    return Taxonomy.objects.annotate(code_count=Count("codes")).order_by("sort_order", "slug")


def taxonomy_codes(taxonomy_slug: str, parent: str = "") -> QuerySet[Code]:
    """The codes of one taxonomy (404 when unknown), or only the children of ``parent``.

    An unknown ``parent`` is a ValidationError on ``parent``, not an empty list, so a
    typo does not look like a leaf.
    """
    taxonomy = Taxonomy.objects.filter(slug=taxonomy_slug).first()
    if taxonomy is None:
        raise Http404(_("No such taxonomy."))
    codes = Code.objects.filter(taxonomy=taxonomy).select_related("parent")
    if parent:
        parent_code = codes.filter(code=parent).first()
        if parent_code is None:
            raise ValidationError(
                {"parent": _("Unknown code %(code)s in this taxonomy.") % {"code": parent}}
            )
        codes = codes.filter(parent=parent_code)
    return codes.order_by("sort_order", "code")


def municipality_list(text: str = "", province: str = "") -> QuerySet[Municipality]:
    """Municipalities by name, optionally those whose name contains ``text`` or in ``province``."""
    municipalities = Municipality.objects.all()
    if text.strip():
        municipalities = municipalities.filter(
            Q(name__icontains=text.strip()) | Q(istat_code=text.strip())
        )
    if province.strip():
        municipalities = municipalities.filter(province__iexact=province.strip())
    return municipalities.order_by("name", "istat_code")
