"""The search language: parse what a person types (``crawler/text/fulltext_forms.py`` compiles it).

Syntax (the same on SQLite and PostgreSQL): words are ANDed; ``"a phrase"``; ``OR`` between
words or phrases; ``-word`` or ``NOT word`` excludes; ``word*`` matches a prefix. Anything
else that is not a letter or digit separates words, so text pasted from an article works
("Nga - Nhật", "V.Putinas") and no input reaches the engines' own syntax.

How a word matches (the index holds a folded and an exact form of every word, see
migrations/versions/20261129_0003_full_text_search.py):

- without diacritics it matches any spelling: "nhat" finds nhật, nhất, Nhat;
- with diacritics it matches exactly those: "nhật" finds Nhật, not nhất;
- a single unquoted word of four letters or more that is not a Vietnamese syllable (any word
  under ``--lang lt``) is reduced to its Lithuanian stem and matched as a prefix: "Rusija"
  finds Rusijos and Rusiją, "Putin" finds Putinas and Putino. Phrases match word forms as
  typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.errors import CrawlerError
from crawler.text import normalize

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MIN_STEM = 4  # a shorter Lithuanian stem ("nat" of NATO) would match too much as a prefix
MIN_PREFIX = 2

WORD_RE = re.compile(r"[^\W_]+")
_MARKS_AFTER_LATIN = re.compile(r"([A-Za-z])[\u0300-\u036f]+")
_ITEM_RE = re.compile(r'(-?)"([^"]*)"(\*?)|([^\s"]+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_OPERATORS = {"OR", "AND", "NOT"}


class QueryError(CrawlerError):
    """The search text cannot be understood; the message says how to fix it."""


def fold_text(text: str) -> str:
    """The folded form the index holds: lower case, diacritics of Latin letters removed, đ→d.

    Mirrors the migration's SQL (NFD, marks after an ASCII letter dropped, NFC) rather than
    :func:`crawler.text.normalize.fold`, which also folds other scripts: the index cannot."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = _MARKS_AFTER_LATIN.sub(r"\1", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", decomposed).lower()


def exact_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


# Words repeat: the cached forms are for single words (whole texts go to the functions above).
fold = lru_cache(maxsize=65536)(fold_text)
exact = lru_cache(maxsize=65536)(exact_text)


@dataclass(frozen=True)
class Word:
    folded: str
    exact: str | None  # set when the word has diacritics: only this spelling matches

    def matches(self, low: str, folded: str, prefix: bool) -> bool:
        """Whether a text's word (its :func:`exact` and :func:`fold` forms) matches."""
        if prefix:
            return folded.startswith(self.folded) and (
                self.exact is None or low.startswith(self.exact)
            )
        return folded == self.folded and (self.exact is None or low == self.exact)


@dataclass(frozen=True)
class Term:
    """A word or a phrase; ``prefix`` applies to its last word."""

    words: tuple[Word, ...]
    prefix: bool = False

    def has_marks(self) -> bool:
        return any(w.exact for w in self.words)

    def all_marked(self) -> bool:
        return all(w.exact for w in self.words)


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR; a negated clause has exactly one."""

    alternatives: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class SearchQuery:
    text: str
    clauses: tuple[Clause, ...]

    def positive_terms(self) -> list[Term]:
        return [t for c in self.clauses if not c.negated for t in c.alternatives]


def _word(token: str) -> Word:
    low = exact(token)
    folded = fold(low)
    return Word(folded, low if folded != low else None)


def _single(token: str, prefix: bool, languages: frozenset[str]) -> Term:
    word = _word(token)
    if prefix:
        if len(word.folded) < MIN_PREFIX:
            raise QueryError(f"'{token}*': a prefix search needs at least {MIN_PREFIX} letters")
        return Term((word,), prefix=True)
    stemming = "lt" in languages if languages else not normalize.is_vi_syllable(word.folded)
    if stemming and token.isalpha():
        stem = normalize.lt_stem(word.folded)
        stem = stem if len(stem) >= MIN_STEM else word.folded
        if len(stem) >= MIN_STEM:
            low = exact(token)[: len(stem)]
            marked = low if len(exact(token)) == len(word.folded) and fold(low) != low else None
            return Term((Word(stem, marked),), prefix=True)
    return Term((word,))


def parse(text: str, languages: frozenset[str] = frozenset()) -> SearchQuery:
    """Parse a search text; raise :class:`QueryError` with a one-line fix on bad syntax."""
    text = normalize.nfc(text).translate(_QUOTES).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the search text is {len(text)} characters long; at most "
                         f"{MAX_QUERY_CHARS} are allowed")
    if text.count('"') % 2:
        raise QueryError('unbalanced quotation mark: close the phrase with another "')
    if re.search(r"[(){}]", text):
        raise QueryError("parentheses are not supported: use OR between words "
                         "(Nga OR Rusija) and quotes for phrases (\"Nhật Bản\")")
    builder = _Builder()
    for m in _ITEM_RE.finditer(text):
        negated_phrase, phrase, phrase_prefix, chunk = m.groups()
        if chunk in _OPERATORS:
            builder.operator(chunk)
            continue
        if chunk is None:
            words = WORD_RE.findall(phrase)
            negated, prefix = bool(negated_phrase), bool(phrase_prefix)
        else:
            negated = chunk.startswith("-") and len(chunk) > 1
            prefix = chunk.endswith("*")
            words = WORD_RE.findall(chunk)
        if not words:
            continue  # punctuation between words ("Nga - Nhật")
        if chunk is not None and len(words) == 1:
            term = _single(words[0], prefix, languages)
        else:
            term = Term(tuple(_word(w) for w in words), prefix=prefix)
        builder.term(term, negated)
    return SearchQuery(text, builder.finish())


@dataclass
class _Builder:
    clauses: list[Clause] = field(default_factory=list)
    pending: str | None = None  # the operator waiting for its right-hand side

    def operator(self, op: str) -> None:
        if op == "NOT":
            if self.pending:
                raise QueryError(f"{self.pending} NOT: put a word between the two operators")
            self.pending = op
            return
        if not self.clauses or self.pending:
            raise QueryError(f"{op} needs a word or phrase on both sides")
        if op == "OR" and self.clauses[-1].negated:
            raise QueryError("an excluded word cannot take part in OR")
        self.pending = op

    def term(self, term: Term, negated: bool) -> None:
        negated = negated or self.pending == "NOT"
        if self.pending == "OR":
            if negated:
                raise QueryError("an excluded word cannot take part in OR")
            last = self.clauses[-1]
            self.clauses[-1] = Clause((*last.alternatives, term))
        else:
            self.clauses.append(Clause((term,), negated))
        self.pending = None
        if sum(len(c.alternatives) for c in self.clauses) > MAX_TERMS:
            raise QueryError(f"the search has more than {MAX_TERMS} words or phrases")

    def finish(self) -> tuple[Clause, ...]:
        if self.pending:
            raise QueryError(f"{self.pending} at the end of the search needs a word after it")
        if not self.clauses:
            raise QueryError("the search text has no words to search for")
        if all(c.negated for c in self.clauses):
            raise QueryError("the search only excludes words: add a word to search for")
        return tuple(self.clauses)
