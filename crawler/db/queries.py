"""The read side's SQL: search, filters, one article, reports, export streams.

The write side's SQL is in :mod:`crawler.db.repo`. Everything here is Core, over the model
tables and over the search index and views of migration 0003 (:mod:`crawler.db.readmodel`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
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
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from crawler.db.models import (
    Article,
    ArticleText,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    MinhashBand,
    MinhashSignature,
    Site,
)
from crawler.db.readmodel import (
    ARTICLE_COLUMNS,
    ID_BITS,
    ID_MASK,
    articles,
    fts_exact,
    fts_folded,
    v_articles,
)
from crawler.read.textsearch import EXACT, Condition, SearchQuery, fts5_plan, tsquery

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
    found = _searched(session.get_bind().dialect.name, sel, sel.search)
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


def stream_articles(
    session: Session, sel: Selection, limit: int | None = None, batch: int = 1000
) -> Iterator[RowMapping]:
    """Every selected article (the ``v_articles`` row), by id, without holding them all."""
    query = select(*ARTICLE_COLUMNS).where(
        v_articles.c.id.in_(selected_ids(session, sel, limit))
    )
    result = session.execute(
        query.order_by(v_articles.c.id), execution_options={"yield_per": batch}
    )
    yield from result.mappings()


def cast_table(table: Any) -> Table:
    """A model's ``__table__`` as the ``Table`` it is (typed as a plain FromClause)."""
    assert isinstance(table, Table)
    return table


# What a self-contained SQLite export holds, parents first: the small shared tables whole,
# the others as far as they belong to the selected articles.
SHARED_TABLES: tuple[Table, ...] = (cast_table(Site.__table__), cast_table(CrawlRun.__table__))
COPIED_TABLES: tuple[Table, ...] = (
    *SHARED_TABLES,
    *(cast_table(m.__table__) for m in (Article, ArticleText, ArticleUrl, ArticleVersion,
                                        MinhashSignature, MinhashBand)),
)


def stream_all(session: Session, table: Table, batch: int = 1000) -> Iterator[RowMapping]:
    result = session.execute(select(table), execution_options={"yield_per": batch})
    yield from result.mappings()


def stream_related(
    session: Session, sel: Selection, table: Table, limit: int | None = None, batch: int = 1000
) -> Iterator[RowMapping]:
    """The rows of a table that belong to the selected articles."""
    ids = selected_ids(session, sel, limit)
    if table is Article.__table__:
        condition = table.c.id.in_(ids)
    elif table is ArticleText.__table__:
        urls = select(Article.canonical_url).where(Article.id.in_(ids))
        condition = table.c.canonical_url.in_(urls)
    else:
        condition = table.c.article_id.in_(ids)
    result = session.execute(
        select(table).where(condition), execution_options={"yield_per": batch}
    )
    yield from result.mappings()


def detach_missing_clusters() -> Update:
    """For an export: near-duplicate links to articles that were not exported are cut."""
    a = cast_table(Article.__table__)
    return (
        update(a)
        .where(a.c.cluster_id.is_not(None), a.c.cluster_id.not_in(select(a.c.id)))
        .values(cluster_id=None, cluster_similarity=None)
    )


def captures(
    session: Session, sel: Selection, limit: int | None = None
) -> Iterator[tuple[str, int, int]]:
    """(WARC file, offset, length) of every version of the selected articles, file by file."""
    v = ArticleVersion
    query = (
        select(v.warc_file, v.warc_offset, v.warc_length)
        .where(v.article_id.in_(selected_ids(session, sel, limit)), v.warc_file.is_not(None))
        .order_by(v.warc_file, v.warc_offset)
    )
    for file, offset, length in session.execute(query, execution_options={"yield_per": 1000}):
        if file is not None and offset is not None and length is not None:
            yield file, offset, length


# --- one article ---------------------------------------------------------------------------
def find_article(session: Session, ident: str, canonical: str | None) -> int | None:
    """An article by id, by any URL it is known under, or by its canonical URL."""
    if ident.isdigit():
        return session.scalar(select(Article.id).where(Article.id == int(ident)))
    urls = [u for u in dict.fromkeys([ident, canonical]) if u]
    found = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url.in_(urls)).limit(1))
    if found is None:
        found = session.scalar(select(Article.id).where(Article.canonical_url.in_(urls)).limit(1))
    return found


def article_row(session: Session, article_id: int) -> RowMapping:
    query = select(*ARTICLE_COLUMNS).where(v_articles.c.id == article_id)
    return session.execute(query).mappings().one()


def cluster_rows(session: Session, article_id: int, cluster_id: int | None) -> list[RowMapping]:
    """The near-duplicate cluster the article belongs to: its original first, then members."""
    root = cluster_id or article_id
    v = v_articles.c
    query = (
        select(v.id, v.title, v.site, v.published, v.duplicate_of, v.similarity)
        .where(or_(v.id == root, v.duplicate_of == root))
        .order_by(v.duplicate_of.is_not(None), v.id)
    )
    rows = list(session.execute(query).mappings())
    return rows if len(rows) > 1 else []


# --- reports -------------------------------------------------------------------------------
def counts_by(session: Session, sel: Selection, column: str) -> list[tuple[Any, int]]:
    """Selected articles per value of a ``v_articles`` column, most first."""
    col = v_articles.c[column]
    n = func.count().label("n")
    query = (
        select(col, n)
        .where(v_articles.c.id.in_(selected_ids(session, sel)))
        .group_by(col)
        .order_by(n.desc(), col)
    )
    return [(value, int(total)) for value, total in session.execute(query).all()]


def weekly(session: Session, sel: Selection) -> list[tuple[str, str, str, int]]:
    """(seed, site, week, articles) of the selected dated articles with a closest seed."""
    v = v_articles.c
    query = (
        select(v.seed, v.site, v.published_week, func.count())
        .where(v.id.in_(selected_ids(session, sel)), v.seed.is_not(None), v.published.is_not(None))
        .group_by(v.seed, v.site, v.published_week)
        .order_by(v.published_week)
    )
    return [(s, site, w, int(n)) for s, site, w, n in session.execute(query).all()]


def relevance_histogram(session: Session, sel: Selection, bins: int = 10) -> list[int]:
    """Selected articles per relevance bin [i/bins, (i+1)/bins); 1.0 falls in the last."""
    rel = v_articles.c.relevance
    scaled = rel * bins
    # PostgreSQL rounds a float cast to integer, SQLite truncates: floor() where it exists.
    if session.get_bind().dialect.name == "postgresql":
        bucket: ColumnElement[Any] = cast(func.floor(scaled), Integer)
    else:
        bucket = cast(scaled, Integer)
    query = (
        select(bucket, func.count())
        .where(v_articles.c.id.in_(selected_ids(session, sel)), rel.is_not(None))
        .group_by(bucket)
    )
    counts = [0] * bins
    for index, n in session.execute(query).all():
        counts[max(0, min(bins - 1, int(index)))] += int(n)
    return counts
