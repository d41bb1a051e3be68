"""The monitor of a shipped dataset (``monitor/data/<dataset>.yaml``), loaded with it.

Connected to ``registry.signals.dataset_loaded``: the indicators are created once by their
address name and never overwritten; their values are the registry dataset's key figures
(``DistrictFigure``), each with its period and source, in the territory the file maps
the figure's territory to; the region's profile is created once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from distretto.monitor.domain.periods import period_start
from distretto.monitor.models import Indicator, Observation, RegionProfile

DATA_DIR = Path(__file__).resolve().parent / "data"
INDICATOR_FIELDS = ("name_it", "name_en", "unit", "definition_it", "definition_en", "featured")


def load_monitor(sender: Any, path: Path, report: Any, **kwargs: Any) -> None:
    from distretto.registry.models import DistrictFigure

    data_file = DATA_DIR / f"{Path(path).stem}.yaml"
    if not data_file.exists():
        return
    data = yaml.safe_load(data_file.read_text(encoding="utf-8")) or {}
    territories = {name: tuple(where) for name, where in (data.get("territories") or {}).items()}
    figures = list(DistrictFigure.objects.order_by("sort_order", "pk"))
    for order, record in enumerate(data.get("indicators", [])):
        indicator = Indicator.objects.filter(slug=record["slug"]).first()
        if indicator is None:
            indicator = Indicator.objects.create(
                slug=record["slug"],
                sort_order=order,
                **{name: record[name] for name in INDICATOR_FIELDS if name in record},
            )
            report.add(Indicator, "created")
        else:
            report.add(Indicator, "unchanged")
        for figure in figures:
            if figure.label_en not in record.get("figures", ()):
                continue
            where = territories.get(figure.territory_en or "")
            if where is None:
                continue
            _, created = Observation.objects.get_or_create(
                indicator=indicator,
                territory_kind=where[0],
                territory_code=where[1],
                period=figure.period,
                source=figure.source,
                defaults={
                    "period_start": period_start(figure.period),
                    "value": figure.number,
                    "qualifier": figure.qualifier,
                    "change_percent": figure.change_percent,
                },
            )
            report.add(Observation, "created" if created else "unchanged")
    region = data.get("region")
    if region and RegionProfile.objects.filter(nuts_code=region["nuts_code"]).exists():
        report.add(RegionProfile, "unchanged")  # kept as it is: a facilitator may have edited it
    elif region:
        RegionProfile.objects.create(**region)
        report.add(RegionProfile, "created")
