from hypothesis import given
from hypothesis import strategies as st

from distretto.matching.domain.text import (
    Field,
    document_tokens,
    fold,
    matched_phrases,
    matched_words,
    query_tokens,
    query_words,
    stems,
)


def test_fold_drops_case_and_accents():
    assert fold("Qualità ÈCMO") == "qualita ecmo"


def test_italian_stems_join_singular_and_plural():
    assert stems("ossigenatore ossigenatori", ("it",)) == ["it:ossigen", "it:ossigen"]


def test_english_stems_join_inflections():
    assert stems("filters filtering", ("en",)) == ["en:filter", "en:filter"]


def test_stopwords_of_both_languages_are_dropped():
    assert stems("the filters of il sangue", ("en",)) == ["en:filter", "en:sangu"]


def test_query_tokens_are_stemmed_both_ways_without_repeats():
    assert query_tokens("filtri filtro") == ["it:filtr", "en:filtri", "en:filtro"]


def test_document_fields_are_stemmed_in_their_own_language():
    fields = [Field("Eurosets"), Field("ossigenatori", "it"), Field("oxygenators", "en")]
    assert document_tokens(fields) == ["it:eurosets", "en:euroset", "it:ossigen", "en:oxygen"]


def test_matched_words_keep_the_query_spelling():
    document = document_tokens([Field("Produzione di ossigenatori per ECMO", "it")])
    assert matched_words("Ossigenatore per l'ECMO neonatale", document) == ["Ossigenatore", "ECMO"]


def test_matched_phrases_are_runs_of_matched_words():
    document = document_tokens([Field("ossigenatori per ECMO e filtri", "it")])
    assert matched_phrases("cerchiamo ossigenatori per ECMO e dializzatori", document) == [
        "ossigenatori per ECMO"
    ]


def test_a_single_matched_word_is_no_phrase():
    document = document_tokens([Field("filtri", "it")])
    assert matched_phrases("filtri per sangue", document) == []


def test_query_words_carry_their_stems_in_both_languages():
    assert query_words("Filtri per il sangue, filtri") == [
        ["it:filtr", "en:filtri"],
        ["it:sangu", "en:sangu"],
    ]


@given(
    st.lists(st.tuples(st.text(max_size=40), st.sampled_from(["", "it", "en", "de"])), max_size=6)
)
def test_the_tokenizer_gives_the_tokens_of_document_tokens(pieces):
    from distretto.matching.domain.text import Tokenizer

    fields = [Field(text, language) for text, language in pieces]
    tokenizer = Tokenizer()
    assert tokenizer.document(fields) == document_tokens(fields)
    assert tokenizer.document(fields) == document_tokens(fields)  # from its memory


def test_fold_takes_accents_off_decomposed_and_composed_letters():
    assert fold("Qualità E\u0301TÉ ﬁltro ß") == "qualita ete filtro ß"
