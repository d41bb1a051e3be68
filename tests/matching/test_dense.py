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


@pytest.mark.parametrize("subset", [False, True])
def test_centre_rows_matches_the_plain_expression(subset, monkeypatch):
    monkeypatch.setattr(dense, "CENTRE_BLOCK_ROWS", 4)
    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((11, 5)).astype(np.float32)
    rows = np.asarray([0, 2, 3, 5, 6, 7, 10]) if subset else np.arange(11)
    expected_centre = vectors[rows].mean(axis=0)
    centred = vectors[rows] - expected_centre
    expected = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    untouched = vectors[[1, 4, 8, 9]].copy()
    centre = dense.centre_rows(vectors, rows)
    np.testing.assert_allclose(centre, expected_centre, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vectors[rows], expected, rtol=1e-5, atol=1e-6)
    if subset:
        np.testing.assert_array_equal(vectors[[1, 4, 8, 9]], untouched)


def test_centring_no_rows_changes_nothing():
    vectors = np.ones((3, 2), dtype=np.float32)
    assert dense.centre_rows(vectors, np.zeros(0, dtype=np.int64)).tolist() == [0.0, 0.0]
    assert vectors.tolist() == [[1.0, 1.0]] * 3
