"""Distances on the Earth's surface."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088


def distances_km(
    latitude: float, longitude: float, points: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Great-circle (haversine) distance from one point to each row ``(lat, lon)`` of ``points``."""
    if points.size == 0:
        return np.zeros(0, dtype=np.float64)
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2, lon2 = np.radians(points[:, 0]), np.radians(points[:, 1])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))))
