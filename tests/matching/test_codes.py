from hypothesis import given
from hypothesis import strategies as st

from distretto.matching.domain.codes import (
    CodeNode,
    best_matches,
    code_score,
    credit,
    descendants_and_self,
    inferred_codes,
    rarity,
    related_codes,
)

# A small EMDN-like hierarchy: C > C01 > C0101 > C010101, and a sibling branch C02.
NODES = {
    1: CodeNode(1, "emdn", "C", None, "cardiocircolatorio", "cardiocirculatory"),
    2: CodeNode(2, "emdn", "C01", 1, "vascolare", "vascular"),
    3: CodeNode(3, "emdn", "C0101", 2, "cateteri", "catheters"),
    4: CodeNode(4, "emdn", "C010101", 3, "cateteri arteriosi", "arterial catheters"),
    5: CodeNode(5, "emdn", "C02", 1, "cardiaco", "cardiac"),
}
CHILDREN = {1: [2, 5], 2: [3], 3: [4]}


def test_the_same_code_earns_full_credit():
    assert credit(3, 3, NODES) == 1.0


def test_credit_halves_with_each_step_up_or_down_the_hierarchy():
    assert [credit(3, other, NODES) for other in (2, 4, 1)] == [0.5, 0.5, 0.25]


def test_siblings_and_cousins_earn_nothing():
    assert credit(3, 5, NODES) == 0.0


def test_related_codes_lists_ancestors_and_descendants_with_their_credit():
    assert related_codes(2, NODES, CHILDREN) == {2: 1.0, 1: 0.5, 3: 0.5, 4: 0.25}


def test_a_filter_code_accepts_its_sub_codes():
    assert descendants_and_self(2, CHILDREN) == {2, 3, 4}


def test_rarer_codes_weigh_more():
    assert rarity(1, 100) > rarity(10, 100) > rarity(100, 100) > 0


def test_best_matches_take_the_closest_record_code():
    assert [(m.record_code, m.credit) for m in best_matches([3], [1, 4, 3], NODES)] == [(3, 1.0)]


def test_code_score_is_the_weighted_share_of_query_codes_met():
    assert code_score({3: 3.0, 5: 1.0}, [2], NODES) == 3.0 * 0.5 / 4.0


def test_codes_are_inferred_when_the_query_covers_their_label():
    labels = {3: [["it:catetr"], ["en:cathet"]], 5: [["it:cardiac"], ["en:cardiac"]]}
    assert inferred_codes({"en:cathet", "it:cathet"}, labels) == [3]


@given(
    st.dictionaries(st.sampled_from([1, 2, 3, 4, 5]), st.floats(0.1, 10), min_size=1),
    st.sets(st.sampled_from([1, 2, 3, 4, 5])),
    st.sampled_from([1, 2, 3, 4, 5]),
)
def test_adding_a_code_to_a_record_never_lowers_its_code_score(query, record, extra):
    before = code_score(query, record, NODES)
    after = code_score(query, record | {extra}, NODES)
    assert 0.0 <= before <= after <= 1.0 + 1e-9
