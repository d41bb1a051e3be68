"""Every change that a search could see moves the index version (see ``index.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from distretto.matching.index import bump_version
from distretto.registry.models import Organisation, OrganisationFact, Site
from distretto.taxonomy.models import Code, Municipality


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixture loading: the index is rebuilt on the next search anyway
    bump_version()


def _codes_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_version()


for _model in (Organisation, OrganisationFact, Site, Code, Municipality):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"matching-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"matching-delete-{_model.__name__}")
m2m_changed.connect(
    _codes_changed, sender=Organisation.codes.through, dispatch_uid="matching-organisation-codes"
)
