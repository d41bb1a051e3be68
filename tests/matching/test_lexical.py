import logging

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from distretto.matching.domain.lexical import BM25_K1, LexicalIndex
from distretto.matching.domain.text import Field, document_tokens, query_tokens, query_words


def index_of(*texts: str) -> LexicalIndex:
    return LexicalIndex([document_tokens([Field(text, "en")]) for text in texts])


def test_records_without_the_query_words_score_zero():
    index = index_of("blood filters", "software for hospitals", "bakery ovens")
    assert index.scores(query_tokens("filters")).tolist()[1:] == [0.0, 0.0]


def test_an_empty_index_scores_nothing():
    assert LexicalIndex([]).scores(query_tokens("filters")).tolist() == []


def test_covering_more_of_the_query_scores_more_of_the_ceiling():
    index = index_of("blood filters", "blood", "software for hospitals", "bakery ovens")
    words = query_words("blood filters")
    covered = (index.scores(query_tokens("blood filters")) / index.ceiling(words)).tolist()
    assert covered[0] > covered[1] > covered[2] == covered[3] == 0.0


words = st.sampled_from(["blood", "filter", "oxygen", "pump", "valve", "tube", "gauze", "x"])


@settings(max_examples=60, deadline=None)
@given(
    documents=st.lists(st.lists(words, max_size=12), min_size=1, max_size=12),
    query=st.lists(words, min_size=1, max_size=4),
)
def test_scores_are_those_of_bm25s(documents, query):
    """The numpy build scores exactly as bm25s's Lucene BM25 (its default) does."""
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    reference = bm25s.BM25(k1=BM25_K1)
    reference.index([list(doc) or ["\x00"] for doc in documents], show_progress=False)
    vocabulary = reference.vocab_dict
    known = [vocabulary[t] for t in dict.fromkeys(query) if t in vocabulary]
    expected = reference.get_scores(known) if known else np.zeros(len(documents))
    assert np.allclose(LexicalIndex(documents).scores(query), expected, rtol=1e-5, atol=1e-6)


def test_an_index_of_token_ids_is_the_index_of_the_tokens():
    documents = [["a", "b", "a"], [], ["c"]]
    vocabulary = {"a": 0, "b": 1, "c": 2, "unheld": 3}
    by_ids = LexicalIndex.from_ids([[0, 1, 0], [], [2]], vocabulary)
    by_tokens = LexicalIndex(documents)
    assert by_ids.scores(["a", "c"]).tolist() == by_tokens.scores(["a", "c"]).tolist()
    assert by_ids.ceiling([["a"], ["zz"]]) == by_tokens.ceiling([["a"], ["zz"]])
    # A token of the vocabulary that no record holds counts as never seen.
    assert by_ids.ceiling([["a", "unheld"]]) == by_tokens.ceiling([["a"]])
