"""BM25 over the records' tokens, with ``bm25s`` (sparse matrices, scores for every record)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import bm25s
import numpy as np
from numpy.typing import NDArray

# BM25's term-frequency saturation (the common default).
BM25_K1 = 1.5


class LexicalIndex:
    """BM25 scores of a query against every record, in the order the records were given."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        self._retriever: bm25s.BM25 | None = None
        self._vocabulary: dict[str, int] = {}
        if self.size:
            # bm25s logs each build; a search's output is no place for it.
            logging.getLogger("bm25s").setLevel(logging.WARNING)
            retriever = bm25s.BM25(k1=BM25_K1)
            # An empty record gets one placeholder token: bm25s needs every row non-empty.
            corpus = [list(doc) or ["\x00"] for doc in documents]
            retriever.index(corpus, show_progress=False)
            self._retriever = retriever
            self._vocabulary = dict(retriever.vocab_dict)
        frequency: dict[str, int] = {}
        for doc in documents:
            for token in set(doc):
                frequency[token] = frequency.get(token, 0) + 1
        # Lucene's IDF, the one bm25s scores with by default.
        self._idf = {
            token: math.log(1 + (self.size - df + 0.5) / (df + 0.5))
            for token, df in frequency.items()
        }
        self._rarest = math.log(1 + (self.size + 0.5) / 0.5)

    def scores(self, tokens: Sequence[str]) -> NDArray[np.float32]:
        """One BM25 score per record (0 where no query token occurs)."""
        known = [t for t in dict.fromkeys(tokens) if t in self._vocabulary]
        if self._retriever is None or not known:
            return np.zeros(self.size, dtype=np.float32)
        ids = [self._vocabulary[t] for t in known]
        return np.asarray(self._retriever.get_scores(ids), dtype=np.float32)

    def ceiling(self, words: Sequence[Sequence[str]]) -> float:
        """About the score of a record of average length holding each query word once.

        ``words`` gives each query word's stems (one per language); a word the
        index has never seen (in any language) counts as the rarest. Dividing a record's score by
        this gives the share of the query it covers (about 0..1), which does
        not turn one accidental match into a perfect lexical score.
        """
        total = 0.0
        for stems in words:
            known = [self._idf[stem] for stem in stems if stem in self._idf]
            total += max(known) if known else self._rarest
        # bm25s's Lucene variant leaves out BM25's (k1 + 1) factor: one occurrence in a
        # record of average length scores idf / (1 + k1).
        return total / (1 + BM25_K1)
