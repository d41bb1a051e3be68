"""Background work of the search: embedding the records saved since their last embedding."""

from __future__ import annotations

from django_tasks import task

from distretto.matching import index as search_index
from distretto.matching.embedding import get_embedder


@task()
def complete_embeddings_task(embedder: str = "") -> int:
    """Embed the indexed records lacking an up-to-date vector; returns how many it embedded.

    Queued after each change (``signals.py``) and by a search that found such
    records; every process's index takes the new vectors in at its next search.
    """
    search_index.prune_changes()
    return search_index.embed_missing(get_embedder(embedder or None))
