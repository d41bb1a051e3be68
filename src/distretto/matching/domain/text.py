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
from dataclasses import dataclass
from functools import cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN

LANGUAGES = ("it", "en")
_STEMMER_NAMES = {"it": "italian", "en": "english"}
_STOPWORDS = {"it": frozenset(STOPWORDS_ITALIAN), "en": frozenset(STOPWORDS_EN)}
# Letters and digits; an apostrophe splits ("dell'ossigenatore" -> "dell", "ossigenatore").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents, so "Qualità" and "qualita" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES[language])


def is_stopword(word: str) -> bool:
    """A word too common in either language to say anything about a need."""
    return len(word) < 2 or any(word in stops for stops in _STOPWORDS.values())


def stem(word: str, language: str) -> str:
    """The Snowball stem of one folded word, tagged with its language (``it:ossigen``)."""
    return f"{language}:{_stemmer(language).stemWord(word)}"


def stems(text: str, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """The stems of the content words of ``text``, under each of ``languages``."""
    chosen = tuple(languages)
    return [stem(word, lang) for word in words(text) if not is_stopword(word) for lang in chosen]


@dataclass(frozen=True)
class Field:
    """One piece of a record's text, with its language ("" when unknown: stemmed both ways)."""

    text: str
    language: str = ""


def document_tokens(fields: Iterable[Field]) -> list[str]:
    """The tokens of a record for the lexical index."""
    tokens: list[str] = []
    for field in fields:
        languages = (field.language,) if field.language in LANGUAGES else LANGUAGES
        tokens.extend(stems(field.text, languages))
    return tokens


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
