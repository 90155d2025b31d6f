"""The read side's SQL: the selection (filters and search) and its ranked, counted results.

``export_sql`` and ``report_sql`` build on the selection; the write side's SQL is in
``article_sql``, ``near_duplicate_sql``, ``run_sql`` and ``revisit_sql``. Everything here is Core,
over the model tables and over the search index and views of migration 0003
(:mod:`crawler.db.read_tables`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from crawler.db.models import (
    Article,
    Site,
)
from crawler.db.read_tables import (
    ARTICLE_COLUMNS,
    ID_BITS,
    ID_MASK,
    articles,
    fts_exact,
    fts_folded,
    v_articles,
)
from crawler.text.fulltext_forms import EXACT, Condition, fts5_plan, tsquery
from crawler.text.search_syntax import SearchQuery

Sort = Literal["relevance", "date"]
RANK_WINDOW = 2_000  # relevance ranks the newest this many matches (see search())
COUNT_CAP = 1000  # counting every match of a common word costs more than the search
TITLE_WEIGHT = 4.0  # a title word counts as much as four in the text (FTS5 bm25)
_articles = articles


@dataclass(frozen=True)
class Selection:
    """Which articles: filters already validated, site keys resolved to ids (crawler.read.query)."""

    site_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    min_relevance: float | None = None
    include_duplicates: bool = False
    search: SearchQuery | None = None


def site_ids(session: Session) -> dict[str, int]:
    return {key: id_ for key, id_ in session.execute(select(Site.key, Site.id)).all()}


def present(session: Session, column: str, values: Sequence[str] = ()) -> set[str]:
    """The values of ``articles.<column>`` (language, seed_id) that occur, among ``values``
    when given (an index lookup each) or all of them."""
    col = Article.__table__.c[column]
    query = select(col).where(col.is_not(None)).distinct()
    if values:
        query = query.where(col.in_(list(values)))
    return {v for v in session.scalars(query).all() if v}


def _filters(sel: Selection) -> list[ColumnElement[bool]]:
    a = _articles.c
    conditions: list[ColumnElement[bool]] = []
    if sel.site_ids:
        conditions.append(a.site_id.in_(sel.site_ids))
    if sel.languages:
        conditions.append(a.language.in_(sel.languages))
    if sel.seeds:
        conditions.append(a.seed_id.in_(sel.seeds))
    if sel.since is not None:
        conditions.append(a.published_at >= sel.since)
    if sel.until is not None:
        conditions.append(a.published_at < sel.until)
    if sel.min_relevance is not None:
        conditions.append(a.relevance >= sel.min_relevance)
    if not sel.include_duplicates:
        conditions.append(a.cluster_id.is_(None))
    return conditions


def _fts(index: str) -> tuple[Table, ColumnElement[Any]]:
    """An FTS5 table and its hidden column (which MATCH and the ranking functions take)."""
    if index == EXACT:
        return fts_exact, fts_exact.c.fts_articles_exact
    return fts_folded, fts_folded.c.fts_articles


@dataclass(frozen=True)
class _Search:
    """A full-text search as SQL: the article ids it selects, its score (higher is better)
    and its newest-first order."""

    ids: Select[Any]
    score: ColumnElement[float]
    newest_first: tuple[ColumnElement[Any], ...]


def _by_date() -> tuple[ColumnElement[Any], ...]:
    return (_articles.c.published_at.desc().nulls_last(), _articles.c.id.desc())


def _searched(dialect: str, sel: Selection, search: SearchQuery) -> _Search:
    if dialect == "postgresql":
        query = cast(bindparam("tsquery", tsquery(search)), TSQUERY)
        document = _articles.c.fts_document
        ids = select(_articles.c.id).where(document.op("@@")(query), *_filters(sel))
        return _Search(ids, func.ts_rank(document, query), _by_date())
    plan = fts5_plan(search)
    table, match = _fts(plan.driver)
    key = table.c.rowid  # date-ordered, the article id in its low bits (migration 0003)

    def holds(condition: Condition) -> ColumnElement[bool]:
        other, column = _fts(condition[0])
        matching = select(other.c.rowid).where(column.op("MATCH")(condition[1])).correlate(None)
        # "+ 0": an index on the key would tempt SQLite to turn an OR of these into lookups
        # outside the MATCH, which FTS5 refuses ("unable to use function MATCH").
        return (key + 0).in_(matching)

    conditions: list[ColumnElement[bool]] = [match.op("MATCH")(plan.match)]
    for group in plan.required:
        conditions.append(or_(*(and_(*map(holds, alt)) for alt in group)))
    for alt in plan.excluded:
        conditions.append(not_(and_(*map(holds, alt))))
    article_id = key.op("&")(ID_MASK)
    # The key orders by publication time: a date range is a range of the index itself.
    if sel.since is not None:
        conditions.append(key >= _key_floor(sel.since))
    if sel.until is not None:
        conditions.append(key < _key_floor(sel.until))
    if filters := _filters(sel):
        # EXISTS, not a join: the index must drive (a join lets SQLite scan the articles
        # and run the MATCH once per article when the filters look selective).
        conditions.append(exists().where(_articles.c.id == article_id, *filters))
    ids = select(article_id.label("id")).where(*conditions)
    return _Search(ids, -func.bm25(match, TITLE_WEIGHT, 1.0), (key.desc(),))


def _key_floor(moment: datetime) -> int:
    """The smallest SQLite index key of an article published at ``moment`` or later."""
    return max(1, math.ceil(moment.timestamp())) << ID_BITS


def _selected(session: Session, sel: Selection) -> tuple[Select[Any], _Search | None]:
    if sel.search is None:
        return select(_articles.c.id).where(*_filters(sel)), None
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # psycopg prepares a statement run five times, and PostgreSQL may then keep one plan
        # for every tsquery, blind to how common the words are: whether to walk the newest-first
        # index (migration 0008) or take the GIN index's matches depends on exactly that
        # (1.1-1.5 s instead of 0.1-0.2 s for common words at 100,000 articles).
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    found = _searched(dialect, sel, sel.search)
    return found.ids, found


@dataclass(frozen=True)
class Found:
    """A page of search results: (article id, score) best first, and how many matched."""

    rows: list[tuple[int, float | None]]
    total: int
    total_exact: bool  # False: at least ``total`` matched


def search(session: Session, sel: Selection, sort: Sort, limit: int) -> Found:
    """The best ``limit`` articles and the number of matches.

    Relevance ranks the newest :data:`RANK_WINDOW` matches: a word found in most of the
    archive would otherwise be ranked across all of it, at about a microsecond an article,
    to tell apart articles that it hardly tells apart. The window's size is the count; other
    orders count up to :data:`COUNT_CAP`."""
    query, found = _selected(session, sel)
    if found is None or sort == "date":
        if found is None:
            a = _articles.c
            by_relevance = (a.relevance.desc().nulls_last(), a.id)
            ordered = query.order_by(*(by_relevance if sort == "relevance" else _by_date()))
        else:
            ordered = query.add_columns(found.score).order_by(*found.newest_first)
        rows = [(r[0], float(r[1]) if found else None)
                for r in session.execute(ordered.limit(limit)).all()]
        total = len(rows) if len(rows) < limit else count(session, sel)
        return Found(rows, total, total < COUNT_CAP)
    if session.get_bind().dialect.name == "postgresql":
        # ts_rank outside the window's sort: only the window's rows are ranked.
        window = query.add_columns(_articles.c.fts_document).order_by(*found.newest_first)
        recent = window.limit(RANK_WINDOW).subquery()
        tsq = cast(bindparam("tsquery", tsquery(sel.search)), TSQUERY)  # type: ignore[arg-type]
        score: ColumnElement[Any] = func.ts_rank(recent.c.fts_document, tsq)
    else:
        window = query.add_columns(found.score.label("score")).order_by(*found.newest_first)
        recent = window.limit(RANK_WINDOW).subquery()
        score = recent.c.score
    matches = func.count().over()
    ranked = select(recent.c.id, score, matches).order_by(score.desc(), recent.c.id).limit(limit)
    result = session.execute(ranked).all()
    total = int(result[0][2]) if result else 0
    return Found([(i, float(value)) for i, value, _ in result], total, total < RANK_WINDOW)


def count(session: Session, sel: Selection, cap: int | None = COUNT_CAP) -> int:
    """How many articles are selected, counting no further than ``cap``."""
    query, _ = _selected(session, sel)
    if cap is not None:
        query = query.limit(cap)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def article_rows(session: Session, ids: Sequence[int]) -> dict[int, RowMapping]:
    query = select(*ARTICLE_COLUMNS).where(v_articles.c.id.in_(list(ids)))
    rows = session.execute(query).mappings()
    return {row["id"]: row for row in rows}


def selected_ids(session: Session, sel: Selection, limit: int | None = None) -> Select[Any]:
    """The selection as an ``IN`` subquery for reports and exports (the first ``limit`` by
    id when given)."""
    query = _selected(session, sel)[0]
    return query if limit is None else query.order_by(query.selected_columns[0]).limit(limit)
