from distretto.matching.domain.lexical import LexicalIndex
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
