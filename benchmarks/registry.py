"""Registry benchmark: import speed and page/API latency at district scale.

Runs in a throw-away data directory (SQLite, or PostgreSQL with --database-url).
It loads the Mirandola dataset, then imports N synthetic organisations (named
"Benchmark organisation NNNNN", clearly not real firms, never written outside the
temporary database) from a generated CSV, and times the directory, the
organisation page and the API list. Prints the figures and writes them to
benchmarks/results/registry.json.

Targets (chosen for a district of a few thousand organisations on a 2-core
machine): import of 2,000 rows under 20 s; directory and API p95 under 300 ms.

    .venv/bin/python benchmarks/registry.py [--organisations 2000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "registry.json"
TARGETS = {"import_seconds": 20.0, "page_p95_ms": 300.0}


def synthetic_csv(count: int, municipalities: list[str], segments: list[str]) -> bytes:
    rng = random.Random(42)  # noqa: S311 (reproducible synthetic data, not security)
    lines = ["name,kind,status,municipality,summary_en,summary_it,segments,founded"]
    for n in range(1, count + 1):
        chosen = ";".join(sorted(rng.sample(segments, k=rng.randint(1, 3))))
        lines.append(
            f"Benchmark organisation {n:05d},sme,published,{rng.choice(municipalities)},"
            f"Synthetic record {n} for the benchmark,Record sintetico {n},{chosen},"
            f"{rng.randint(1950, 2020)}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


BENCH_DATABASE = "distretto_bench"


def fresh_postgresql_database(url: str) -> str:
    """Create an empty database beside the one in ``url``; the benchmark never touches real data."""
    import psycopg

    drop_database(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return url.rsplit("/", 1)[0] + "/" + BENCH_DATABASE


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")


def timed(client, url: str, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="distretto-bench-")
    os.environ["DISTRETTO_DATA_DIR"] = data_dir
    bench_url = ""
    if args.database_url:
        bench_url = fresh_postgresql_database(args.database_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "distretto.settings"
    os.environ.setdefault("DISTRETTO_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from distretto.accounts.services import SYSTEM
    from distretto.registry.dataset import load_dataset
    from distretto.registry.imports import import_organisations
    from distretto.taxonomy.models import Code, Municipality

    setup_test_environment()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    load_dataset("mirandola")
    load_seconds = time.perf_counter() - start

    municipalities = list(Municipality.objects.values_list("istat_code", flat=True))
    segments = list(Code.objects.filter(taxonomy__slug="segment").values_list("code", flat=True))
    content = synthetic_csv(args.organisations, municipalities, segments)

    start = time.perf_counter()
    dry = import_organisations(SYSTEM, content, dry_run=True)
    dry_seconds = time.perf_counter() - start
    assert not dry.errors, dry.errors[:3]
    start = time.perf_counter()
    done = import_organisations(SYSTEM, content)
    import_seconds = time.perf_counter() - start
    assert not done.errors, done.errors[:3]

    client = Client()
    pages = {
        "directory": "/en/organisations/",
        "directory_segment": f"/en/organisations/?segment={segments[0]}",
        "directory_text": "/en/organisations/?q=dialysis",
        "directory_page_10": "/en/organisations/?page=10",
        "organisation": "/en/organisations/bellco/",
        "home": "/en/",
        "api_list": "/api/v1/organisations?limit=50",
        "api_filtered": f"/api/v1/organisations?segment={segments[0]}&limit=50",
    }
    listed = client.get("/api/v1/organisations?limit=1").json()["count"]
    # The synthetic records are published: the pages are measured over all of them.
    assert listed >= args.organisations, listed
    latency = {name: timed(client, url, args.repeat) for name, url in pages.items()}

    worst_p95 = max(entry["p95_ms"] for entry in latency.values())
    results = {
        "benchmark": "registry",
        "database": connection.vendor,
        "organisations_imported": args.organisations,
        "organisations_listed": listed,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "dataset_load_seconds": round(load_seconds, 2),
        "import_dry_run_seconds": round(dry_seconds, 2),
        "import_seconds": round(import_seconds, 2),
        "import_rows_per_second": round(args.organisations / import_seconds, 1),
        "latency": latency,
        "targets": TARGETS,
        "meets_targets": import_seconds <= TARGETS["import_seconds"]
        and worst_p95 <= TARGETS["page_p95_ms"],
    }
    print(json.dumps(results, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    name = RESULTS
    if connection.vendor != "sqlite":
        name = RESULTS.with_name("registry-postgresql.json")
    name.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    connection.close()
    if args.database_url:
        drop_database(args.database_url)
    sys.exit(0)


if __name__ == "__main__":
    main()
