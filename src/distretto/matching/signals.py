"""Every change that a search could see is noted for the index (see ``index.py``).

Each change moves the index version and records which records it touched
(``IndexChange``): the next search updates those records' lexical part at once.
The embeddings of changed texts are left to the background task, queued once
per transaction, after it commits.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from distretto.matching.index import (
    ALL,
    ORGANISATION,
    OWNER,
    PROFILE,
    Key,
    note_changes,
    schedule_embeddings,
)
from distretto.opportunities.models import CooperationProfile
from distretto.registry.models import Organisation, OrganisationFact, Site
from distretto.taxonomy.models import Code, Municipality

# Changes to these change a record's embedded text; the others only its place or labels.
TEXT_MODELS = (Organisation, CooperationProfile)


def _touched(sender: Any, instance: Any) -> list[Key]:
    if sender is Organisation:
        return [(OWNER, instance.pk)]  # its profiles show its name, kind and place
    if sender in (Site, OrganisationFact):
        return [(OWNER, instance.organisation_id)]
    if sender is CooperationProfile:
        return [(PROFILE, instance.pk)]
    return [(ALL, 0)]  # a code's label or a place: every record may show it


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixture loading: the index is rebuilt on the next search anyway
    note_changes(_touched(sender, instance))
    if sender in TEXT_MODELS:
        schedule_embeddings()


def _codes_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    kind = ORGANISATION if sender is Organisation.codes.through else PROFILE
    if not reverse:
        note_changes([(kind, instance.pk)])
    elif pk_set is not None:  # code.organisations.add(...): the records named
        note_changes([(kind, pk) for pk in pk_set])
    else:  # code.organisations.clear(): which records is not said
        note_changes([(ALL, 0)])


for _model in (Organisation, OrganisationFact, Site, Code, Municipality, CooperationProfile):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"matching-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"matching-delete-{_model.__name__}")
m2m_changed.connect(
    _codes_changed, sender=Organisation.codes.through, dispatch_uid="matching-organisation-codes"
)
m2m_changed.connect(
    _codes_changed,
    sender=CooperationProfile.codes.through,
    dispatch_uid="matching-profile-codes",
)
