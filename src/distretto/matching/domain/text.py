"""Text analysis: words, Italian and English stems, and the tokens the lexical index uses.

A field written in Italian is stemmed with the Italian Snowball stemmer, one in
English with the English one; names and labels whose language is unknown are
stemmed both ways. Every stem carries its language (``it:``/``en:``), and a
query is stemmed both ways, so each stem meets the fields of its own language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN

LANGUAGES = ("it", "en")
_STEMMER_NAMES = {"it": "italian", "en": "english"}
_STOPWORDS = {"it": frozenset(STOPWORDS_ITALIAN), "en": frozenset(STOPWORDS_EN)}
_ANY_STOPWORD = frozenset().union(*_STOPWORDS.values())
# Letters and digits; an apostrophe splits ("dell'ossigenatore" -> "dell", "ossigenatore").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


# The combining marks of the Latin block (accents); the one that is not combining is left out.
_LATIN_MARKS = re.compile(
    "[" + "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c))) + "]"
)


def fold(text: str) -> str:
    """Lower case without accents, so "Qualità" and "qualita" are one word."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    decomposed = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", lowered))
    if decomposed.isascii():
        return decomposed
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES[language])


def is_stopword(word: str) -> bool:
    """A word too common in either language to say anything about a need."""
    return len(word) < 2 or word in _ANY_STOPWORD


def stem(word: str, language: str) -> str:
    """The Snowball stem of one folded word, tagged with its language (``it:ossigen``)."""
    return f"{language}:{_stemmer(language).stemWord(word)}"


def stems(text: str, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """The stems of the content words of ``text``, under each of ``languages``."""
    chosen = tuple(languages)
    return [stem(word, lang) for word in words(text) if not is_stopword(word) for lang in chosen]


class Field(NamedTuple):
    """One piece of a record's text, with its language ("" when unknown: stemmed both ways).

    A named tuple: an index holds millions of them, made fast and kept small.
    """

    text: str
    language: str = ""


def document_tokens(fields: Iterable[Field]) -> list[str]:
    """The tokens of a record for the lexical index."""
    tokens: list[str] = []
    for field in fields:
        languages = (field.language,) if field.language in LANGUAGES else LANGUAGES
        tokens.extend(stems(field.text, languages))
    return tokens


class Tokenizer:
    """``document_tokens`` for many records: each distinct word is stemmed once.

    Building an index stems millions of words, mostly the same few thousand;
    the memory of each word's stems, and of each short text's tokens (labels,
    place names), saves most of the work. ``ids`` gives the tokens as numbers of
    ``vocabulary`` (token -> number), for ``LexicalIndex.from_ids``.
    """

    SHORT_TEXT = 120

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._words: dict[str, tuple[int, int] | None] = {}
        self._texts: dict[tuple[str, str], list[int]] = {}
        self._names: list[str] = []
        self._it = _stemmer("it")
        self._en = _stemmer("en")

    def _number(self, token: str) -> int:
        number = self.vocabulary.get(token)
        if number is None:
            number = self.vocabulary[token] = len(self.vocabulary)
            self._names.append(token)
        return number

    def _stems(self, word: str) -> tuple[int, int] | None:
        if word in self._words:
            return self._words[word]
        if is_stopword(word):
            found = None
        elif word.isascii() and word.isdigit():  # numbers: both stemmers leave them be
            found = (self._number(f"it:{word}"), self._number(f"en:{word}"))
        else:
            found = (
                self._number(f"it:{self._it.stemWord(word)}"),
                self._number(f"en:{self._en.stemWord(word)}"),
            )
        self._words[word] = found
        return found

    def ids(self, text: str, language: str = "") -> list[int]:
        """The tokens of ``stems(text, (language,))`` (both languages when not one), as ids."""
        short = len(text) <= self.SHORT_TEXT
        if short:
            known = self._texts.get((text, language))
            if known is not None:
                return known
        found: list[int] = []
        which = {"it": 0, "en": 1}.get(language)
        for word in _WORD.findall(fold(text)):
            pair = self._stems(word)
            if pair is None:
                continue
            if which is None:
                found.extend(pair)
            else:
                found.append(pair[which])
        if short:
            self._texts[(text, language)] = found
        return found

    def tokens(self, text: str, language: str = "") -> list[str]:
        """``stems(text, (language,))``, or both languages when ``language`` is not one."""
        return [self._names[i] for i in self.ids(text, language)]

    def document_ids(self, fields: Iterable[Field]) -> list[int]:
        found: list[int] = []
        for field in fields:
            found.extend(self.ids(field.text, field.language))
        return found

    def document(self, fields: Iterable[Field]) -> list[str]:
        """The same tokens as ``document_tokens(fields)``."""
        return [self._names[i] for i in self.document_ids(fields)]


def query_tokens(text: str) -> list[str]:
    """The tokens of a query: each content word stemmed both ways, without repeats."""
    return list(dict.fromkeys(stems(text)))


def query_words(text: str) -> list[list[str]]:
    """Each distinct content word of a query with its stems in both languages."""
    unique = dict.fromkeys(w for w in words(text) if not is_stopword(w))
    return [[stem(word, lang) for lang in LANGUAGES] for word in unique]


def matched_words(query: str, document: Iterable[str]) -> list[str]:
    """The content words of ``query`` (as typed) whose stem occurs in the ``document`` tokens."""
    present = set(document)
    found: list[str] = []
    for original in _WORD.findall(query):
        word = fold(original)
        if is_stopword(word):
            continue
        if any(stem(word, lang) in present for lang in LANGUAGES) and original not in found:
            found.append(original)
    return found


def matched_phrases(query: str, document: Iterable[str]) -> list[str]:
    """Runs of two or more consecutive query words that all occur in the document.

    Stop words inside a run are kept ("ossigenatori per ECMO"); a run never
    starts or ends with one.
    """
    present = set(document)
    phrases: list[str] = []
    run: list[str] = []

    def close() -> None:
        while run and is_stopword(fold(run[-1])):
            run.pop()
        if sum(1 for w in run if not is_stopword(fold(w))) >= 2:
            phrases.append(" ".join(run))
        run.clear()

    for original in _WORD.findall(query):
        word = fold(original)
        if is_stopword(word):
            if run:
                run.append(original)
            continue
        if any(stem(word, lang) in present for lang in LANGUAGES):
            run.append(original)
        else:
            close()
    close()
    return phrases
