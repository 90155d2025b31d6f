"""The search language compiled for the engines: SQLite FTS5 match plans, PostgreSQL tsquery.

Input is a parsed :class:`crawler.text.search_syntax.SearchQuery`, whose words hold only letters
and digits, so nothing a person types reaches the engines' own syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.text.search_syntax import SearchQuery, Term

# --- SQLite FTS5 -------------------------------------------------------------------------
FOLDED, EXACT = "folded", "exact"
Condition = tuple[str, str]  # (index: FOLDED | EXACT, FTS5 expression)


@dataclass(frozen=True)
class Fts5Plan:
    """``match`` runs on the ``driver`` index and ranks; each ``required`` group holds when
    any of its alternatives (all of their conditions) holds; an ``excluded`` row is dropped."""

    driver: str
    match: str
    required: tuple[tuple[tuple[Condition, ...], ...], ...]
    excluded: tuple[tuple[Condition, ...], ...]


def _fts5(forms: list[str], prefix: bool) -> str:
    return '"' + " ".join(forms) + '"' + ("*" if prefix else "")


def _folded_fts5(term: Term) -> str:
    return _fts5([w.folded for w in term.words], term.prefix)


def _exact_fts5(term: Term) -> str | None:
    if not term.has_marks():
        return None
    if term.all_marked():
        return _fts5([w.exact or "" for w in term.words], term.prefix)
    last = len(term.words) - 1
    parts = [_fts5([w.exact], term.prefix and i == last)
             for i, w in enumerate(term.words) if w.exact]
    return " AND ".join(parts)


def _conditions(term: Term, alone: bool) -> tuple[Condition, ...]:
    exact_expr = _exact_fts5(term)
    if exact_expr is None:
        return ((FOLDED, _folded_fts5(term)),)
    if alone or term.all_marked():  # the folded match is implied, or enforced by `match`
        return ((EXACT, exact_expr),)
    return ((FOLDED, _folded_fts5(term)), (EXACT, exact_expr))


def fts5_plan(query: SearchQuery) -> Fts5Plan:
    """Which index drives the search and what the other must confirm.

    A search whose every word carries diacritics ("Nhật Bản", "Đà Nẵng") runs on the exact
    index alone: it is the more selective, and the folded match is implied."""
    positive = [c for c in query.clauses if not c.negated]
    negative = [c.alternatives[0] for c in query.clauses if c.negated]
    if all(len(c.alternatives) == 1 and c.alternatives[0].all_marked() for c in positive):
        match = " AND ".join(f"({_exact_fts5(c.alternatives[0])})" for c in positive)
        marked = [_exact_fts5(t) or "" for t in negative if t.all_marked()]
        if marked:
            match = f"({match}) NOT ({' OR '.join(marked)})"
        excluded = tuple(_conditions(t, False) for t in negative if not t.all_marked())
        return Fts5Plan(EXACT, match, (), excluded)
    match = " AND ".join(
        "(" + " OR ".join(_folded_fts5(t) for t in c.alternatives) + ")" for c in positive
    )
    plain = [_folded_fts5(t) for t in negative if not t.has_marks()]
    if plain:
        match = f"({match}) NOT ({' OR '.join(plain)})"
    required = tuple(
        tuple(_conditions(t, len(c.alternatives) == 1) for t in c.alternatives)
        for c in positive
        if any(t.has_marks() for t in c.alternatives)
    )
    excluded = tuple(_conditions(t, False) for t in negative if t.has_marks())
    return Fts5Plan(FOLDED, match, required, excluded)


# --- PostgreSQL tsquery --------------------------------------------------------------------
def _lexeme(form: str, weights: str, prefix: bool) -> str:
    return "'" + form.replace("'", "''") + "':" + ("*" if prefix else "") + weights


def _ts_phrase(forms: list[str], weights: str, prefix: bool) -> str:
    last = len(forms) - 1
    lexemes = [_lexeme(f, weights, prefix and i == last) for i, f in enumerate(forms)]
    return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"


def _ts_term(term: Term) -> str:
    folded = _ts_phrase([w.folded for w in term.words], "AB", term.prefix)
    if not term.has_marks():
        return folded
    if term.all_marked():
        return _ts_phrase([w.exact or "" for w in term.words], "CD", term.prefix)
    last = len(term.words) - 1
    marked = [_lexeme(w.exact, "CD", term.prefix and i == last)
              for i, w in enumerate(term.words) if w.exact]
    return "(" + " & ".join([folded, *marked]) + ")"


def tsquery(query: SearchQuery) -> str:
    """The query for ``articles.fts_document``: weights A, B hold folded forms, C, D exact."""
    parts = []
    for clause in query.clauses:
        inner = " | ".join(_ts_term(t) for t in clause.alternatives)
        parts.append(f"!({inner})" if clause.negated else f"({inner})")
    return " & ".join(parts)
