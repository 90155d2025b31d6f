"""The near-duplicate index: MinHash signatures and their LSH buckets, clusters of copies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from crawler.db.dialect import dialect_insert, insert_ignoring
from crawler.db.models import (
    Article,
    MinhashBand,
    MinhashSignature,
)


@dataclass(frozen=True)
class Candidate:
    article_id: int
    signature: bytes
    cluster_id: int | None


@cache
def _candidates_query(n_bands: int) -> Any:
    # Built once per band count with bound parameters, so SQLAlchemy compiles it once. An OR
    # of (band, bucket) pairs, not a row-value IN: SQLite scans the table for the latter but
    # searches the primary key once per pair for the former; PostgreSQL does both well.
    match = or_(
        *(
            and_(MinhashBand.band == bindparam(f"b{i}"), MinhashBand.bucket == bindparam(f"k{i}"))
            for i in range(n_bands)
        )
    )
    hits = select(MinhashBand.article_id).where(match).distinct().subquery()
    return (
        select(MinhashSignature.article_id, MinhashSignature.signature, Article.cluster_id)
        .join(hits, hits.c.article_id == MinhashSignature.article_id)
        .join(Article, Article.id == MinhashSignature.article_id)
        .where(MinhashSignature.article_id != bindparam("exclude"))
        .order_by(MinhashSignature.article_id)
    )


def near_duplicate_candidates(
    session: Session, bands: Sequence[tuple[int, int]], exclude: int | None = None
) -> list[Candidate]:
    """Articles sharing at least one LSH bucket with these bands."""
    if not bands:
        return []
    params: dict[str, int] = {"exclude": -1 if exclude is None else exclude}
    for i, (band, bucket) in enumerate(bands):
        params[f"b{i}"], params[f"k{i}"] = band, bucket
    rows = session.connection().execute(_candidates_query(len(bands)), params).all()
    return [Candidate(a, bytes(s), c) for a, s, c in rows]


_DROP_BANDS = delete(MinhashBand).where(MinhashBand.article_id == bindparam("of_article"))


@cache
def _upsert_signature(dialect: str) -> Any:
    stmt = dialect_insert(dialect)(MinhashSignature)
    return stmt.on_conflict_do_update(
        index_elements=["article_id"], set_={"signature": stmt.excluded.signature}
    )


def index_signature(
    session: Session, article_id: int, signature: bytes, bands: Sequence[tuple[int, int]]
) -> None:
    """Store (or replace) an article's signature and its LSH buckets."""
    # Statements built once, run on the session's connection: once per archived page.
    core = session.connection()
    core.execute(_upsert_signature(session.get_bind().dialect.name),
                 {"article_id": article_id, "signature": signature})  # fmt: skip
    core.execute(_DROP_BANDS, {"of_article": article_id})
    rows = [{"band": b, "bucket": k, "article_id": article_id} for b, k in bands]
    # executemany of one cached statement (a multi-row VALUES would be compiled every time)
    core.execute(insert_ignoring(session, MinhashBand), rows)


def articles_without_signature(session: Session, limit: int = 1000) -> Sequence[tuple[int, str]]:
    """(id, text) of articles missing from the near-duplicate index (v1 archives)."""
    query = (
        select(Article.id, Article.text)
        .outerjoin(MinhashSignature, MinhashSignature.article_id == Article.id)
        .where(MinhashSignature.article_id.is_(None))
        .order_by(Article.id)
        .limit(limit)
    )
    return [(i, t) for i, t in session.execute(query).all()]


_LINK_CLUSTER = update(Article).where(Article.id == bindparam("of_article"))


def link_cluster(session: Session, article_id: int, cluster_id: int, similarity: float) -> None:
    session.connection().execute(
        _LINK_CLUSTER, {"of_article": article_id, "cluster_id": cluster_id,
                        "cluster_similarity": similarity})  # fmt: skip


def cluster_members(session: Session, cluster_id: int) -> Sequence[Article]:
    """The original and every article linked to it, oldest first."""
    return session.scalars(
        select(Article)
        .where((Article.id == cluster_id) | (Article.cluster_id == cluster_id))
        .order_by(Article.id)
    ).all()
