"""What ``crawler export`` streams: the selected articles' rows of every table, their WARC
captures, and the fix-up of a partial copy's near-duplicate links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    Table,
    select,
    update,
)
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
from crawler.db.read_tables import ARTICLE_COLUMNS, v_articles
from crawler.db.search_sql import Selection, selected_ids


def cast_table(table: Any) -> Table:
    """A model's ``__table__`` as the ``Table`` it is (typed as a plain FromClause)."""
    assert isinstance(table, Table)
    return table


# What a self-contained SQLite export holds, parents first: the small shared tables whole,
# the others as far as they belong to the selected articles.
SHARED_TABLES: tuple[Table, ...] = (cast_table(Site.__table__), cast_table(CrawlRun.__table__))


COPIED_TABLES: tuple[Table, ...] = (
    *SHARED_TABLES,
    *(
        cast_table(m.__table__)
        for m in (Article, ArticleText, ArticleUrl, ArticleVersion, MinhashSignature, MinhashBand)
    ),
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
        keys = select(Article.url_key).where(Article.id.in_(ids))
        condition = table.c.url_key.in_(keys)
    else:
        condition = table.c.article_id.in_(ids)
    result = session.execute(select(table).where(condition), execution_options={"yield_per": batch})
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


def feed_entries(session: Session, sel: Selection, limit: int) -> list[RowMapping]:
    """The selected articles for a feed, newest first: each ``v_articles`` row with
    ``updated``, when its current version was first archived (a re-crawl that finds the
    same text leaves it alone; a new version moves it)."""
    v = ArticleVersion
    updated = v.first_seen_at.label("updated")
    query = (
        select(*ARTICLE_COLUMNS, updated)
        .join(v, (v.article_id == v_articles.c.id) & (v.version == v_articles.c.version))
        .where(v_articles.c.id.in_(selected_ids(session, sel)))
        .order_by(updated.desc(), v_articles.c.id.desc())
        .limit(limit)
    )
    return list(session.execute(query).mappings())


def pages(
    session: Session, sel: Selection, limit: int | None = None
) -> Iterator[RowMapping]:
    """Each selected article's current version that has a capture: its URL as fetched, when
    it was archived, its title and text (a WACZ's page list and full-text index)."""
    v, a = ArticleVersion, Article
    query = (
        select(a.id, v.url, v.first_seen_at, v.title, v.text)
        .join(v, (v.article_id == a.id) & (v.version == a.version))
        .where(a.id.in_(selected_ids(session, sel, limit)), v.warc_file.is_not(None))
        .order_by(a.id)
    )
    yield from session.execute(query, execution_options={"yield_per": 1000}).mappings()


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
