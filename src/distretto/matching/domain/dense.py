"""Dense similarity: one query vector against every record's vector, on every core.

The product of a large record matrix with a query vector is bound by memory
bandwidth. Numpy's BLAS is kept to one thread in the search's process (its
spinning threads would slow the embedding model's own; see
``embedding.single_threaded_blas``), so a large matrix is cut into row blocks
multiplied side by side by plain threads, which numpy lets run in parallel and
which sleep, not spin, when idle.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

# Below this many rows one thread is as fast: the product takes well under a millisecond.
PARALLEL_MIN_ROWS = 20_000

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def workers() -> int:
    """How many blocks a large product is cut into: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="similarity")
        return _pool


def similarities(matrix: NDArray[np.float32], vector: NDArray[np.float32]) -> NDArray[np.float32]:
    """``matrix @ vector`` as float32, computed in row blocks in parallel when it is large."""
    rows = matrix.shape[0]
    blocks = workers()
    if rows < PARALLEL_MIN_ROWS or blocks == 1:
        return np.asarray(matrix @ vector, dtype=np.float32)
    out = np.empty(rows, dtype=np.float32)
    edges = np.linspace(0, rows, blocks + 1).astype(int)

    def block(start: int, stop: int) -> None:
        np.dot(matrix[start:stop], vector, out=out[start:stop])

    futures = [
        _executor().submit(block, int(edges[i]), int(edges[i + 1])) for i in range(1, blocks)
    ]
    block(int(edges[0]), int(edges[1]))
    for future in futures:
        future.result()
    return out


# Rows centred at a time: a few megabytes, instead of several copies of the whole matrix.
CENTRE_BLOCK_ROWS = 8192


def centre_rows(vectors: NDArray[np.float32], rows: NDArray[np.int64]) -> NDArray[np.float32]:
    """Subtract the mean of ``vectors[rows]`` from those rows and bring each to unit length.

    In place and block by block: at 100,000 records of 896 numbers the matrix
    is 358 MB, and the plain expression made three transient copies of it.
    Returns the mean (float32); rows of length zero after centring stay zero.
    """
    count = int(rows.size)
    if count == 0:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    every = count == vectors.shape[0] and bool(np.all(rows == np.arange(count)))
    total = np.zeros(vectors.shape[1], dtype=np.float64)
    for start in range(0, count, CENTRE_BLOCK_ROWS):
        stop = min(start + CENTRE_BLOCK_ROWS, count)
        block = vectors[start:stop] if every else vectors[rows[start:stop]]
        total += block.sum(axis=0, dtype=np.float64)
    centre = (total / count).astype(np.float32)
    for start in range(0, count, CENTRE_BLOCK_ROWS):
        stop = min(start + CENTRE_BLOCK_ROWS, count)
        block = vectors[start:stop] if every else vectors[rows[start:stop]]
        block -= centre
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        block /= np.where(norms > 0, norms, 1)
        if not every:
            vectors[rows[start:stop]] = block
    return centre
