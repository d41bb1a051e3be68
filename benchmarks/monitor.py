"""District monitor benchmark: the dashboard and an indicator page with many long series,
and the district report.

SYNTHETIC DATA, generated with a fixed seed (nothing here describes a real district's
figures): 100 indicators named "Benchmark indicator NNN", each with 20 years of quarterly
values (80 each, 8,000 in all) for the district, a random walk around 1,000 with a stated
change on the previous period on every value and the source "Synthetic benchmark source".
The database is a fresh SQLite file in a temporary DISTRETTO_DATA_DIR (migrated, with only
the district's record besides the synthetic indicators); nothing is written elsewhere.

Timed through Django's test client (the whole request: URL routing, queries, templates,
SVG sparklines and charts), the median of ``--repeat`` requests after one warm-up:

- the dashboard (``/en/monitor/``) with all 100 indicators featured (the worst case: a card
  with a sparkline each) and with 10 featured;
- one indicator's page (``/en/monitor/indicators/<slug>/``: its chart and table of 80 values).

Target on the reference machine (2 cores): the dashboard within 300 ms (median, all 100
featured).

The district report (``distretto.monitor.report``), when installed: ``report_data`` and the
PDF written by the ``report`` management command (``--format pdf``), each once after a
warm-up; target 30 s.

Prints a table and writes benchmarks/results/monitor.json (with the machine and its load).

    .venv/bin/python benchmarks/monitor.py [--indicators 100] [--years 20] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "monitor.json"
TARGET_DASHBOARD_MS = 300.0
TARGET_REPORT_SECONDS = 30.0
SOURCE = "Synthetic benchmark source"


def populate(indicators: int, years: int, seed: int) -> str:
    """The synthetic indicators and their quarterly values; returns one indicator's slug."""
    from django.conf import settings

    from distretto.monitor.models import Indicator, Observation
    from distretto.registry.models import District

    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    District.objects.create(
        slug=settings.DISTRICT_SLUG,
        name_it="Distretto di prova",
        name_en="Benchmark district",
        source=SOURCE,
    )
    first_year = 2025 - years + 1
    made = Indicator.objects.bulk_create(
        [
            Indicator(
                slug=f"benchmark-indicator-{n:03d}",
                name_it=f"Indicatore di prova {n:03d}",
                name_en=f"Benchmark indicator {n:03d}",
                unit="eur_million",
                definition_en="A synthetic series for the benchmark.",
                featured=True,
                sort_order=n,
            )
            for n in range(1, indicators + 1)
        ]
    )
    rows = []
    for indicator in made:
        level = 1000.0
        for year in range(first_year, first_year + years):
            for quarter in range(1, 5):
                change = rng.gauss(0.5, 3.0)
                level *= 1 + change / 100
                rows.append(
                    Observation(
                        indicator=indicator,
                        territory_kind="district",
                        territory_code=settings.DISTRICT_SLUG,
                        period=f"{year}-Q{quarter}",
                        period_start=datetime.date(year, 3 * quarter - 2, 1),
                        value=Decimal(f"{level:.1f}"),
                        change_percent=Decimal(f"{change:.2f}"),
                        source=SOURCE,
                        licence="CC BY 4.0",
                    )
                )
    Observation.objects.bulk_create(rows, batch_size=2000)
    return made[0].slug


def timed(client: Any, url: str, repeat: int) -> dict[str, Any]:
    """Median, p95 and max of ``repeat`` GETs after one warm-up, and the queries of one."""
    from django.db import connection

    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {
        "url": url,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[max(0, round(0.95 * len(samples)) - 1)], 1),
        "max_ms": round(samples[-1], 1),
        "queries": len(queries),
        "bytes": len(response.content),
    }


def time_report(data_dir: str) -> dict[str, Any]:
    """The district report, when ``distretto.monitor.report`` exists: ``report_data`` and
    the PDF through the ``report`` command, each once after a warm-up."""
    # --- the report's timing (distretto.monitor.report, written separately) -------------
    if importlib.util.find_spec("distretto.monitor.report") is None:
        return {"available": False}
    from django.core.management import call_command

    from distretto.accounts.services import SYSTEM
    from distretto.monitor.report import report_data

    try:
        report_data(SYSTEM)  # warm-up
        start = time.perf_counter()
        report_data(SYSTEM)
        data_seconds = time.perf_counter() - start
        output = Path(data_dir) / "report.pdf"
        call_command("report", "--format", "pdf", "--output", str(output), stderr=_Null())
        start = time.perf_counter()
        call_command("report", "--format", "pdf", "--output", str(output), stderr=_Null())
        pdf_seconds = time.perf_counter() - start
    except Exception as exc:  # a report still being written must not lose the page timings
        return {"available": True, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "available": True,
        "report_data_seconds": round(data_seconds, 3),
        "pdf_command_seconds": round(pdf_seconds, 3),
        "pdf_bytes": output.stat().st_size,
        "target_seconds": TARGET_REPORT_SECONDS,
        "meets_target": pdf_seconds <= TARGET_REPORT_SECONDS,
    }


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indicators", type=int, default=100)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--few", type=int, default=10, help="featured in the second case")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="distretto-bench-monitor-")
    os.environ["DISTRETTO_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "distretto.settings"
    os.environ.setdefault("DISTRETTO_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from distretto.monitor.models import Indicator, Observation

    setup_test_environment()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    slug = populate(args.indicators, args.years, args.seed)
    populate_seconds = time.perf_counter() - start
    observations = Observation.objects.count()

    client = Client()
    pages = {f"dashboard_{args.indicators}_featured": timed(client, "/en/monitor/", args.repeat)}
    Indicator.objects.filter(sort_order__gt=args.few).update(featured=False)
    pages[f"dashboard_{args.few}_featured"] = timed(client, "/en/monitor/", args.repeat)
    pages["indicator_page"] = timed(client, f"/en/monitor/indicators/{slug}/", args.repeat)
    Indicator.objects.update(featured=True)  # the report's worst case too
    report = time_report(data_dir)

    worst = pages[f"dashboard_{args.indicators}_featured"]["p50_ms"]
    figures = {
        "benchmark": "monitor",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "database": connection.vendor,
        "data": "synthetic (see the benchmark's docstring)",
        "indicators": args.indicators,
        "values_each": 4 * args.years,
        "observations": observations,
        "populate_seconds": round(populate_seconds, 2),
        "repeat": args.repeat,
        "pages": pages,
        "report": report,
        "target_dashboard_ms": TARGET_DASHBOARD_MS,
        "meets_target": worst <= TARGET_DASHBOARD_MS,
    }
    print(
        f"monitor: {args.indicators} indicators x {4 * args.years} quarterly values "
        f"({observations} observations, SQLite), median of {args.repeat} after a warm-up"
    )
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'KB':>7}")
    for name, row in pages.items():
        print(
            f"{name:<28} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['max_ms']:>8.1f} "
            f"{row['queries']:>8} {row['bytes'] / 1024:>7.0f}"
        )
    if report.get("report_data_seconds") is not None:
        print(
            f"report: report_data {report['report_data_seconds']:.2f} s, PDF command "
            f"{report['pdf_command_seconds']:.2f} s ({report['pdf_bytes'] / 1024:.0f} KB); "
            f"target {TARGET_REPORT_SECONDS:.0f} s: "
            f"{'met' if report['meets_target'] else 'NOT met'}"
        )
    elif report.get("error"):
        print(f"report: failed: {report['error']}")
    else:
        print("report: distretto.monitor.report is not installed; not timed")
    print(
        f"dashboard target {TARGET_DASHBOARD_MS:.0f} ms (median, all featured): "
        f"{'met' if figures['meets_target'] else 'NOT met'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")
    connection.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
