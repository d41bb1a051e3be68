"""Search speed benchmark: index build, update and query latency at district-to-region scale.

Loads the Mirandola dataset for its taxonomies and municipalities, then writes N
synthetic organisations, named "Synthetic organisation NNNNNN" and described
from the taxonomies' labels (clearly not real firms, never in the default
dataset), and measures through the engine's own functions:

- the full index build, embedding every record (only when the data directory
  holds no vectors yet: ``--data-dir`` keeps them for the next run);
- the rebuild from stored vectors, and the lexical build (embedder ``none``);
- the update after one saved change: the next search (which rebuilds without
  embedding) and the embedding of the changed record taken in (what the
  background task does);
- warm query latency p50/p95/p99 of a search of 10 results, hybrid (query
  embedding included) and lexical only, and the query embedding alone;
- peak memory (``resource.getrusage``), after the hybrid part and at the end.

Prints the figures and writes them to benchmarks/results/search_speed-N-EMBEDDER.json.

    .venv/bin/python benchmarks/search_speed.py [--organisations 10000] [--embedder none]
        [--data-dir DIR] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = {
    "hybrid_query_p95_ms_at_100000": 50.0,
    "lexical_build_seconds_at_100000": 10.0,
    "full_index_seconds_at_10000": 300.0,
    "peak_memory_mb_at_100000": 2048.0,
}
SYNTHETIC_SOURCE = "synthetic benchmark record"


class PieceEmbedder:
    """A stand-in for the records' embedding, for sizes the model cannot embed in a sitting.

    Each record's text is cut into its pieces (name, each label; digits folded),
    each distinct piece is embedded once by the real model, and a record's vector
    is the mean of its pieces'. The vectors have the real size and a realistic
    spread, so building, memory and query latency are measured as they are;
    the time of a real full build is not (see ``records_per_second`` at 10,000).
    Queries are embedded by the real model.
    """

    def __init__(self, real: Any) -> None:
        self.name = real.name
        self.dimensions = real.dimensions
        self._real = real
        self._pieces: dict[str, Any] = {}

    def embed_queries(self, texts: Any) -> Any:
        return self._real.embed_queries(texts)

    def embed_passages(self, texts: Any) -> Any:
        import numpy as np

        rows = []
        for text in texts:
            pieces = [
                re.sub(r"\d+", "0", p.strip()) for p in re.split(r"[.;:] ", text) if p.strip()
            ]
            missing = [p for p in dict.fromkeys(pieces) if p not in self._pieces]
            if missing:
                self._pieces.update(zip(missing, self._real.embed_passages(missing), strict=True))
            vector = np.mean([self._pieces[p] for p in pieces], axis=0)
            rows.append(vector / max(float(np.linalg.norm(vector)), 1e-9))
        return np.asarray(rows, dtype=np.float32).reshape(-1, self.dimensions)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))], 2)


def latency(samples: list[float]) -> dict[str, float]:
    return {
        "queries": len(samples),
        "p50": percentile(samples, 0.5),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
        "mean": round(statistics.mean(samples), 2),
    }


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return round(time.perf_counter() - start, 2)


def cpu_seconds() -> float:
    """CPU time of this process so far (all its threads), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_synthetic(count: int, rng: random.Random) -> float:
    """N published synthetic organisations with three codes and one site each; seconds taken."""
    from django.db import transaction

    from distretto.registry.models import Organisation, Site
    from distretto.taxonomy.models import Code, Municipality

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
        for n in range(1, count + 1):
            picked = rng.sample(codes, k=3)
            organisations.append(
                Organisation(
                    name=f"Synthetic organisation {n:06d}",
                    slug=f"synthetic-organisation-{n:06d}",
                    kind=rng.choice(["sme", "startup", "large_company", "research_centre"]),
                    summary_it=f"Sintetico: {picked[0].label_it}; {picked[1].label_it}",
                    summary_en=f"Synthetic: {picked[0].label_en}; {picked[2].label_en}",
                    status="published",
                    source=SYNTHETIC_SOURCE,
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
    return round(time.perf_counter() - start, 2)


def query_texts(count: int, rng: random.Random) -> list[str]:
    """Needs made of the taxonomies' labels, in Italian or English, some with a qualifier."""
    from distretto.taxonomy.models import Code

    codes = list(
        Code.objects.filter(taxonomy__slug__in=["segment", "process_step", "emdn"]).exclude(
            label_en=""
        )
    )
    texts = []
    for _ in range(count):
        code = rng.choice(codes)
        label = rng.choice([code.label_it, code.label_en])
        texts.append(label + rng.choice(["", " per ospedali", " for hospitals"]))
    return texts


def measure_queries(texts: list[str]) -> list[float]:
    from distretto.accounts.services import SYSTEM
    from distretto.matching.services import SearchQuery, search

    for text in texts[:5]:
        search(SYSTEM, SearchQuery(text, limit=10))  # warm up
    samples = []
    for text in texts:
        begin = time.perf_counter()
        search(SYSTEM, SearchQuery(text, limit=10))
        samples.append((time.perf_counter() - begin) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedder", default="")
    parser.add_argument(
        "--data-dir",
        default="",
        help="keep the database (and its stored vectors) here; a later run reuses them",
    )
    parser.add_argument(
        "--approximate-embeddings",
        action="store_true",
        help="embed each distinct piece of the records' texts once, not each record "
        "(for 100,000: the full build's time is then not measured)",
    )
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="distretto-search-speed-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ["DISTRETTO_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "distretto.settings"
    if args.embedder:
        os.environ["DISTRETTO_SEARCH_EMBEDDER"] = args.embedder
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from distretto.accounts.services import SYSTEM
    from distretto.matching import index as search_index
    from distretto.matching.embedding import get_embedder
    from distretto.matching.models import Embedding
    from distretto.matching.services import SearchQuery, search
    from distretto.registry.dataset import load_dataset
    from distretto.registry.models import Organisation
    from distretto.taxonomy.models import Code

    call_command("migrate", verbosity=0)
    synthetic = Organisation.objects.filter(source=SYNTHETIC_SOURCE)
    write_seconds: float | None = None
    reuse = (
        synthetic.count() == args.organisations
        and not Organisation.objects.exclude(source=SYNTHETIC_SOURCE).exists()
    )
    if not reuse:
        if not Code.objects.exists():
            load_dataset("mirandola")  # taxonomies and municipalities
        Organisation.objects.all().delete()  # only the synthetic records are measured
        write_seconds = write_synthetic(args.organisations, random.Random(7))  # noqa: S311

    embedder = get_embedder()
    if args.approximate_embeddings and embedder.dimensions:
        from distretto.matching import embedding as embedding_module

        # The engine asks get_embedder() for the model by name: hand it the stand-in.
        embedding_module._loaded[embedder.name] = PieceEmbedder(embedder)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    stored_before = Embedding.objects.filter(embedder=embedder.name).count()
    cpu_before = cpu_seconds()
    full_build_seconds = timed(search_index.rebuild)  # embeds whatever has no stored vector
    full_build_cpu_seconds = round(cpu_seconds() - cpu_before, 1)
    rebuild_seconds = timed(search_index.rebuild)  # vectors read back from the database
    embedded_in_full_build = (
        Embedding.objects.filter(embedder=embedder.name).count() - stored_before
        if embedder.dimensions
        else 0
    )

    texts = query_texts(args.queries, random.Random(11))  # noqa: S311
    if embedder.dimensions:
        embedder.embed_queries(["warm up"])  # the models load on first use
    embed_samples = []
    for text in texts[:50]:
        begin = time.perf_counter()
        embedder.embed_queries([text])
        embed_samples.append((time.perf_counter() - begin) * 1000)
    hybrid = measure_queries(texts)
    peak_after_hybrid = peak_mb()

    # One record changed: the next search rebuilds without embedding; the task embeds it.
    first = Organisation.objects.filter(source=SYNTHETIC_SOURCE).order_by("pk").first()
    assert first is not None
    first.summary_en = f"Synthetic: a changed description of oxygenators {time.time():.0f}"
    first.save()
    search_after_change_seconds = timed(
        lambda: search(SYSTEM, SearchQuery("oxygenators", limit=10))
    )
    embed_change_seconds = timed(lambda: search_index.get_index(complete=True))

    # Lexical and codes only.
    lexical_embedder = get_embedder("none")
    lexical_build_seconds = timed(lambda: search_index.rebuild(embedder=lexical_embedder))
    settings.SEARCH_EMBEDDER = "none"
    lexical = measure_queries(texts)

    index = search_index.get_index(embedder=embedder)
    results = {
        "benchmark": "search_speed",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "embedder": embedder.name,
        "dimensions": embedder.dimensions,
        "organisations": args.organisations,
        "records_indexed": index.size,
        "write_seconds": write_seconds,
        "full_build_seconds": full_build_seconds,
        "full_build_cpu_seconds": full_build_cpu_seconds,
        "records_embedded_in_full_build": embedded_in_full_build,
        "records_per_second_in_full_build": (
            round(embedded_in_full_build / full_build_seconds, 1)
            if embedded_in_full_build and not args.approximate_embeddings
            else None
        ),
        "approximate_embeddings": args.approximate_embeddings,
        "rebuild_from_stored_vectors_seconds": rebuild_seconds,
        "lexical_build_seconds": lexical_build_seconds,
        "update_after_one_change": {
            "next_search_seconds": search_after_change_seconds,
            "embedding_taken_in_seconds": embed_change_seconds,
        },
        "query_embedding_ms": latency(embed_samples) if embedder.dimensions else None,
        "hybrid_query_ms": latency(hybrid),
        "lexical_query_ms": latency(lexical),
        "peak_memory_mb_after_hybrid": peak_after_hybrid,
        "peak_memory_mb": peak_mb(),
        # Other work on the machine: the latencies and build times depend on it.
        "load_average_1_5_15_min": {
            "start": load_at_start,
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "targets": TARGETS,
    }
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"search_speed-{args.organisations}-{embedder.name.replace('+', '-')}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
