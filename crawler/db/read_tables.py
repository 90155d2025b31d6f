"""What the read side reads besides the model tables, declared for SQLAlchemy Core.

Migration 0003 owns these objects: the search index (SQLite's FTS5 tables and covering index,
PostgreSQL's ``articles.fts_document``) and the ``v_*`` views. They are declared here on a
metadata of their own, never on the models' ``Base.metadata``: nothing creates them from
here, and the drift check skips them by their ``fts_`` prefix
(:func:`crawler.db.base.include_object`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import TableClause, column

from crawler.db.types import UTCDateTime

_meta = MetaData()
COVERING_INDEX = "fts_ix_articles_filters"  # SQLite: (id, every filter column), migration 0003


class _ArticlesForSearch(TableClause):
    """``articles`` as searches read it: on SQLite always through the covering index.

    SQLite's planner takes "cluster_id IS NULL" for a selective equality and reads the table
    through that index, walking every text's overflow pages to reach the columns after it;
    the covering index answers the same filters ten times faster."""

    inherit_cache = True


@compiles(_ArticlesForSearch, "sqlite")
def _indexed_by(element: _ArticlesForSearch, compiler: Any, **kw: Any) -> str:
    rendered: str = compiler.visit_table(element, **kw)
    return f"{rendered} INDEXED BY {COVERING_INDEX}" if kw.get("asfrom") else rendered


# The columns a search filters and ranks on, with PostgreSQL's index column.
articles = _ArticlesForSearch(
    "articles",
    column("id", Integer),
    column("site_id", Integer),
    column("language", String),
    column("published_at", UTCDateTime()),
    column("relevance", Float),
    column("seed_id", String),
    column("cluster_id", Integer),
    column("fts_document", TSVECTOR),
)
# FTS5 names a hidden column after its table: MATCH and the ranking functions take it.
fts_folded = Table("fts_articles", _meta, Column("rowid", Integer), Column("fts_articles", Text))
fts_exact = Table(
    "fts_articles_exact", _meta, Column("rowid", Integer), Column("fts_articles_exact", Text)
)
v_articles = Table(
    "v_articles",
    _meta,
    Column("id", Integer),
    Column("title", Text),
    Column("site", String),
    Column("site_name", Text),
    Column("language", String),
    Column("published", UTCDateTime()),
    Column("published_week", String),
    Column("seed", String),
    Column("relevance", Float),
    Column("authors", Text),
    Column("organisations", Text),  # v6 (migration 0006)
    Column("published_zone", String),
    Column("published_zone_source", String),
    Column("url", Text),
    Column("canonical_url", Text),
    Column("url_key", Text),  # v7 (migration 0007)
    Column("found_via", String),
    Column("referrer", Text),
    Column("depth", Integer),
    Column("version", Integer),
    Column("duplicate_of", Integer),
    Column("similarity", Float),
    Column("first_seen", UTCDateTime()),
    Column("last_seen", UTCDateTime()),
    Column("crawl_run", Integer),
    Column("description", Text),
    Column("text", Text),
    Column("search_key", BigInteger),
)
ID_BITS = 31  # SQLite's index keys: publication time (seconds) << 31 | article id
ID_MASK = (1 << ID_BITS) - 1
# What a reader or an export sees of an article (the index key is the database's business).
ARTICLE_COLUMNS = tuple(c for c in v_articles.c if c.name != "search_key")
