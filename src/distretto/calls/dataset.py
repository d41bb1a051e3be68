"""The funding calls of a shipped dataset (``calls/data/<dataset>.yaml``), loaded with it.

Connected to ``registry.signals.dataset_loaded``: calls are created once by their
address name and never overwritten (a facilitator may have edited them); their
rules are checked like any call's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from distretto.accounts.services import SYSTEM
from distretto.calls import services
from distretto.calls.models import Call

DATA_DIR = Path(__file__).resolve().parent / "data"
FIELDS = (
    "programme",
    "title",
    "status",
    "opens_on",
    "closes_on",
    "topics_it",
    "topics_en",
    "eligible_regions",
    "rules",
    "source",
    "link",
    "identifier",
    "budget",
)


def load_calls(sender: Any, path: Path, report: Any, **kwargs: Any) -> None:
    calls_file = DATA_DIR / f"{Path(path).stem}.yaml"
    if not calls_file.exists():
        return
    data = yaml.safe_load(calls_file.read_text(encoding="utf-8")) or {}
    for record in data.get("calls", []):
        values = {name: record[name] for name in FIELDS if record.get(name) is not None}
        existing = Call.objects.filter(slug=record["slug"]).first()
        if existing is None:
            services.save_call(SYSTEM, {"slug": record["slug"], **values})
            report.add(Call, "created")
        elif all(getattr(existing, name) == value for name, value in values.items()):
            report.add(Call, "unchanged")
        else:
            report.add(Call, "kept")  # edited since: the edit stays
