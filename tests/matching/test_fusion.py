import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from distretto.matching.domain import fusion
from distretto.matching.domain.fusion import Weights, fuse, normalise, shares

WEIGHTS = Weights(lexical=0.25, semantic=0.6, codes=0.15)
values = st.lists(st.floats(0, 50, allow_nan=False), min_size=2, max_size=8)


def fused(raw: dict[str, list[float]]) -> np.ndarray:
    return fuse(
        {name: normalise(name, np.asarray(v, dtype=np.float32)) for name, v in raw.items()},
        WEIGHTS,
    )


def test_no_evidence_scores_zero():
    assert fused({"lexical": [0, 0], "codes": [0, 0]}).tolist() == [0.0, 0.0]


def test_lexical_and_code_scores_are_divided_by_the_best():
    assert normalise("codes", np.asarray([2, 4, 0], dtype=np.float32)).tolist() == [0.5, 1, 0]


def test_semantic_similarity_is_spread_from_lowest_to_highest():
    assert normalise("semantic", np.asarray([0.5, 1.0, 0.75], dtype=np.float32)).tolist() == [
        0.0,
        1.0,
        0.5,
    ]


def test_shares_say_how_much_each_signal_gave():
    assert shares({"lexical": 1.0, "semantic": 0.5, "codes": 0.0}, WEIGHTS) == {
        "lexical": 0.455,
        "semantic": 0.545,
        "codes": 0.0,
    }


@given(values, values, st.integers(0, 7), st.floats(0.01, 20))
def test_fused_score_never_falls_when_a_records_evidence_grows(lexical, semantic, pick, more):
    size = min(len(lexical), len(semantic))
    lexical, semantic = lexical[:size], semantic[:size]
    pick %= size
    before = fused({"lexical": lexical, "semantic": semantic})[pick]
    grown = list(lexical)
    grown[pick] += more
    after = fused({"lexical": grown, "semantic": semantic})[pick]
    assert after >= before - 1e-6


@given(values)
def test_a_record_better_on_every_signal_ranks_at_least_as_high(lexical):
    semantic = [v / 50 for v in lexical]
    scores = fused({"lexical": lexical, "semantic": semantic})
    best = int(np.argmax(lexical))
    assert scores[best] == scores.max()


def test_lexical_coverage_is_only_clipped():
    assert normalise("lexical", np.asarray([0.5, 1.5, -1], dtype=np.float32)).tolist() == [
        0.5,
        1.0,
        0.0,
    ]


def test_a_similarity_far_above_the_rest_stands_out():
    values = np.asarray([0.10, 0.12, 0.11, 0.09, 0.10, 0.13, 0.11, 0.10, 0.60], dtype=np.float32)
    assert fusion.stands_out(values, 1.5).tolist() == [False] * 8 + [True]


def test_every_similarity_passes_with_too_few_records_or_no_threshold():
    few = np.asarray([0.1, 0.9, 0.2], dtype=np.float32)
    assert fusion.stands_out(few, 1.5).all()
    many = np.linspace(0, 1, 20, dtype=np.float32)
    assert fusion.stands_out(many, 0).all()
    assert not fusion.stands_out(many, 1.5).all()


def test_alike_similarities_all_pass():
    assert fusion.stands_out(np.full(12, 0.4, dtype=np.float32), 1.5).all()
