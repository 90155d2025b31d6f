"""The repository: every SQL statement of the application lives here.

Functions take a ``Session`` and leave committing to the caller (the pipeline commits in
batches). Writes that could race between crawl processes are ``INSERT … ON CONFLICT``
against the unique constraints, never read-then-write: the database has the last word.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.db.models import Article, CrawlRun, Site

UpsertOutcome = Literal["new", "updated", "unchanged"]


def _insert(session: Session, model: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"unsupported database dialect: {dialect}")


def ensure_site(session: Session, key: str, name: str, language: str | None) -> int:
    """The site's id, creating the row if needed (safe under concurrent crawls)."""
    stmt = (
        _insert(session, Site)
        .values(key=key, name=name, language=language)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    session.execute(stmt)
    site_id = session.scalar(select(Site.id).where(Site.key == key))
    assert site_id is not None  # inserted or already there
    return site_id


def upsert_article(session: Session, values: Mapping[str, Any]) -> UpsertOutcome:
    """Archive one article by canonical URL.

    ``values`` holds Article columns. A known URL with the same content hash only refreshes
    ``last_seen_at``; a changed hash replaces the stored fields (versions come with the
    versioned archive).
    """
    stmt = (
        _insert(session, Article)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["canonical_url"])
        .returning(Article.id)
    )
    if session.execute(stmt).scalar() is not None:
        return "new"
    current_hash = session.scalar(
        select(Article.content_hash).where(Article.canonical_url == values["canonical_url"])
    )
    seen = {"last_seen_at": values["last_seen_at"], "url": values["url"]}
    if current_hash == values["content_hash"]:
        session.execute(
            update(Article).where(Article.canonical_url == values["canonical_url"]).values(**seen)
        )
        return "unchanged"
    changed = {k: v for k, v in values.items() if k not in ("first_seen_at", "canonical_url")}
    session.execute(
        update(Article).where(Article.canonical_url == values["canonical_url"]).values(**changed)
    )
    return "updated"


def start_run(
    session: Session, spider: str, trigger: str, started_at: datetime, arguments: Mapping[str, Any]
) -> int:
    run = CrawlRun(
        spider=spider,
        trigger=trigger,
        status="running",
        started_at=started_at,
        arguments=json.dumps(arguments, ensure_ascii=False, sort_keys=True, default=str),
    )
    session.add(run)
    session.flush()
    return run.id


@dataclass(frozen=True)
class RunTotals:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_duplicate: int = 0
    articles_not_related: int = 0
    errors: int = 0


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    finish_reason: str,
    finished_at: datetime,
    totals: RunTotals,
    error_kinds: Mapping[str, int],
    stats: Mapping[str, Any],
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finish_reason=finish_reason,
            finished_at=finished_at,
            error_kinds=json.dumps(dict(error_kinds), sort_keys=True),
            stats=json.dumps(dict(stats), ensure_ascii=False, sort_keys=True, default=str),
            **totals.__dict__,
        )
    )


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def recent_runs(session: Session, limit: int = 20) -> Sequence[CrawlRun]:
    return session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)).all()


def articles_per_site(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Site.key, func.count(Article.id))
        .join(Article, Article.site_id == Site.id)
        .group_by(Site.key)
        .order_by(Site.key)
    ).all()
    return [(key, count) for key, count in rows]


def articles_of_run(session: Session, run_id: int, limit: int = 50) -> Sequence[Article]:
    return session.scalars(
        select(Article)
        .where(Article.crawl_run_id == run_id)
        .order_by(Article.published_at.desc().nulls_last(), Article.id)
        .limit(limit)
    ).all()


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count(Article.id))) or 0
