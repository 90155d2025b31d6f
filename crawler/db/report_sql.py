"""What ``crawler show`` and ``crawler stats`` read: one article's rows, counts, weeks,
the relevance histogram."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from crawler.db.models import (
    Article,
    ArticleUrl,
)
from crawler.db.read_tables import (
    ARTICLE_COLUMNS,
    v_articles,
)
from crawler.db.search_sql import Selection, selected_ids


# --- one article ---------------------------------------------------------------------------
def find_article(session: Session, ident: str, key: str | None) -> int | None:
    """An article by id, by any URL it is known under, or by the URL key ``ident`` has."""
    if ident.isdigit():
        return session.scalar(select(Article.id).where(Article.id == int(ident)))
    urls = [u for u in dict.fromkeys([ident, key]) if u]
    found = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url.in_(urls)).limit(1))
    if found is None:
        found = session.scalar(select(Article.id).where(Article.url_key.in_(urls)).limit(1))
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
