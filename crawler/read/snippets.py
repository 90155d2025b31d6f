"""Snippets: the passage of an article that shows why a search found it, terms marked.

The same on both databases (PostgreSQL's ts_headline and FTS5's snippet() differ, and FTS5's
needs the text in the index). The search terms are found in the folded text by regular
expression, as the index matches them (:class:`crawler.text.search_syntax.Word`): the folded form,
the exact spelling where one was typed, phrases only where their words stand together.
"""

from __future__ import annotations

import re

from crawler.text.search_syntax import SearchQuery, Term, exact, exact_text, fold, fold_text

_LETTER = r"[^\W_]"
_SEP = r"[\W_]+"


def _pattern(term: Term) -> re.Pattern[str]:
    last = len(term.words) - 1
    parts = [
        f"({re.escape(w.folded)}{_LETTER + '*' if term.prefix and i == last else ''})"
        for i, w in enumerate(term.words)
    ]
    return re.compile(f"(?<!{_LETTER}){_SEP.join(parts)}(?!{_LETTER})")


def _spans(text: str, query: SearchQuery) -> list[tuple[int, int, int]]:
    """(start, end, term) of every word of the text that a search term matched."""
    folded, lower = fold_text(text), exact_text(text)
    if not len(folded) == len(lower) == len(text):  # a letter whose lower case is longer
        return _spans_by_word(text, query)
    spans = []
    for k, term in enumerate(query.positive_terms()):
        for m in _pattern(term).finditer(folded):
            words = [(m.start(i + 1), m.end(i + 1)) for i in range(len(term.words))]
            if all(w.exact is None or lower[a:b].startswith(w.exact)
                   for w, (a, b) in zip(term.words, words, strict=True)):
                spans += [(a, b, k) for a, b in words]
    return sorted(spans)


def _spans_by_word(text: str, query: SearchQuery) -> list[tuple[int, int, int]]:
    spans = []
    for m in re.finditer(_LETTER + "+", text):
        low, folded = exact(m.group()), fold(m.group())
        for k, term in enumerate(query.positive_terms()):
            if any(w.matches(low, folded, term.prefix) for w in term.words):
                spans.append((m.start(), m.end(), k))
                break
    return spans


def snippet(text: str, query: SearchQuery, words: int = 30, mark: tuple[str, str] = ("**", "**"),
            ) -> str:
    """About ``words`` words around the place with the most different search terms."""
    width = 7 * words  # characters: news words average six letters and a space
    spans = _spans(text, query)
    start = 0
    if spans:
        best = max(range(len(spans)), key=lambda i: (
            len({k for a, _, k in spans if spans[i][0] <= a < spans[i][0] + width}), -i))
        start = max(0, spans[best][0] - width // 8)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end].isspace():
        end += 1
    out, pos = [], start
    for a, b, _ in spans:
        if a >= start and b <= end and a >= pos:
            out += [text[pos:a], mark[0], text[a:b], mark[1]]
            pos = b
    out.append(text[pos:end])
    passage = " ".join("".join(out).split())
    return ("… " if start else "") + passage + (" …" if end < len(text) else "")
