"""Saved searches: a user's search, run again on a schedule and e-mailed as a digest. Slim tables.

``params`` holds the search as query parameters (``matching.params.query_to_params``),
the same form the search page's address carries, so "run now" is a link. ``seen``
holds the results already notified (or shown when the search was saved), as
``type:id`` keys (``organisation:12``, ``profile:3``): a digest lists only results
that are not in it, and then adds them.

An alert of new funding calls that fit an organisation is a saved search too:
``params`` is ``{"calls_for": ["<organisation id>"]}`` (the id as the calls list's
``?organisation=`` parameter; ``queries.calls_for`` reads it), its results are
``calls.fit.fitting_calls`` and its keys ``call:7``. It yields nothing once the
owner is no longer a member of the organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from distretto.alerts.enums import Frequency

NAME_MAX = 200


class SavedSearch(models.Model):
    """A search a user asked to be told about when new results match it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    params = models.JSONField(_("search parameters"), default=dict)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    active = models.BooleanField(_("active"), default=True, db_index=True)
    seen = models.JSONField(_("results already notified"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name
