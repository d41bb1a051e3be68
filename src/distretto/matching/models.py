"""Search tables: stored embeddings, and the version counter that keeps indexes fresh."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Embedding(models.Model):
    """The vector of one record's text under one embedder, shared by every process.

    ``text_hash`` says which text the vector belongs to: a rebuild embeds only
    the records whose text changed since.
    """

    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.BigIntegerField(_("record id"))
    embedder = models.CharField(_("embedder"), max_length=60)
    text_hash = models.CharField(_("text hash"), max_length=64)
    vector = models.BinaryField(_("vector"))
    updated_at = models.DateTimeField(_("last update"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "embedder"], name="embedding_unique"
            )
        ]
        verbose_name = _("embedding")
        verbose_name_plural = _("embeddings")

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} ({self.embedder})"


class IndexVersion(models.Model):
    """A counter moved by every change the search index depends on.

    Each process compares it with the version its in-memory index was built
    from, and rebuilds when it moved: several processes stay consistent.
    """

    name = models.CharField(_("name"), max_length=30, unique=True)
    version = models.BigIntegerField(_("version"), default=0)
    token = models.CharField(_("token"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("index version")
        verbose_name_plural = _("index versions")

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"


class IndexChange(models.Model):
    """One record a saved change touched, so that each process's index updates just that.

    ``record_type``: ``organisation``, ``profile``, ``owner`` (an organisation and
    its profiles, which take its name, kind and sites) or ``all`` (a code or a
    place changed: every index is rebuilt). Written in the transaction of the
    change, after the version row is locked, so the ids follow the commits.
    """

    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.BigIntegerField(_("record id"), default=0)
    # The version token the change gave: an index checks that the last change it took in
    # is still there with that token (a rolled-back change is gone, its id maybe reused).
    token = models.CharField(_("token"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("index change")
        verbose_name_plural = _("index changes")

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}"
