import numpy as np
import pytest

from distretto.matching.domain import dense


@pytest.mark.parametrize("rows", [0, 7, dense.PARALLEL_MIN_ROWS + 3])
def test_similarities_equal_the_plain_product(rows, monkeypatch):
    monkeypatch.setattr(dense, "workers", lambda: 3)
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((rows, 16)).astype(np.float32)
    vector = rng.standard_normal(16).astype(np.float32)
    result = dense.similarities(matrix, vector)
    assert result.dtype == np.float32
    assert result.shape == (rows,)
    np.testing.assert_allclose(result, matrix @ vector, rtol=1e-5, atol=1e-5)


def test_one_core_multiplies_in_one_block(monkeypatch):
    monkeypatch.setattr(dense, "workers", lambda: 1)
    matrix = np.ones((dense.PARALLEL_MIN_ROWS, 2), dtype=np.float32)
    assert dense.similarities(matrix, np.ones(2, dtype=np.float32)).tolist() == [2.0] * (
        dense.PARALLEL_MIN_ROWS
    )
