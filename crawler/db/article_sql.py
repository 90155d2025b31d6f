"""The article repository: sites, articles, their URLs, texts and versions.

Articles enter the archive by one path, :func:`crawler.store.dedup.store_article`.
All SQL of the application lives in ``crawler/db/``: this module for articles and versions,
``near_duplicate_sql`` for the near-duplicate index, ``run_sql`` and ``run_history_sql`` for
crawl runs, ``revisit_sql`` for what incremental crawls read back, ``search_sql`` and its
siblings (``export_sql``, ``report_sql``) for the read side.

Functions take a ``Session`` and leave committing to the caller (the archive writer commits
in batches). Writes that could race between crawl processes are ``INSERT … ON CONFLICT``
against the unique constraints, never read-then-write: the database has the last word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from crawler.db.dialect import insert_for, insert_ignoring
from crawler.db.models import (
    Article,
    ArticleText,
    ArticleUrl,
    ArticleVersion,
    Site,
)

# The write path runs these for every archived page, so they are built once, with bound
# parameters, and run on the session's connection (Core): constructing a statement per call
# and the ORM's execution layer cost more than the SQL itself (docs/performance.md).
_ARTICLE_OF_URLS = select(ArticleUrl.url, ArticleUrl.article_id).where(
    ArticleUrl.url.in_(bindparam("urls", expanding=True))
)
_TEXT_OWNER = select(ArticleText.url_key).where(
    ArticleText.content_hash == bindparam("content_hash")
)
_ARTICLE_ID = select(Article.id).where(Article.url_key == bindparam("key"))
_CURRENT_VERSION = (
    select(
        Article.url_key,
        ArticleVersion.version,
        ArticleVersion.content_hash,
        ArticleVersion.title,
        ArticleVersion.text,
    )
    .join(Article, Article.id == ArticleVersion.article_id)
    .where(ArticleVersion.article_id == bindparam("article_id"))
    .order_by(ArticleVersion.version.desc())
    .limit(1)
)
_TOUCH_ARTICLE = (
    update(Article)
    .where(Article.id == bindparam("article_id"), Article.last_seen_at < bindparam("seen"))
    .values(last_seen_at=bindparam("seen"))
)
_TOUCH_VERSION = (
    update(ArticleVersion)
    .where(
        ArticleVersion.article_id == bindparam("of_article"),
        ArticleVersion.version == bindparam("of_version"),
        ArticleVersion.last_seen_at < bindparam("seen"),
    )
    .values(last_seen_at=bindparam("seen"))
)


def ensure_site(session: Session, key: str, name: str, language: str | None) -> int:
    """The site's id, creating the row if needed (safe under concurrent crawls)."""
    stmt = (
        insert_for(session, Site)
        .values(key=key, name=name, language=language)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    session.execute(stmt)
    site_id = session.scalar(select(Site.id).where(Site.key == key))
    assert site_id is not None  # inserted or already there
    return site_id


def find_article_by_urls(session: Session, urls: Sequence[str]) -> int | None:
    """The article any of these URLs is known for; earlier URLs in the list win."""
    if not urls:
        return None
    rows = dict(session.connection().execute(_ARTICLE_OF_URLS, {"urls": list(urls)}).all())
    return next((rows[u] for u in urls if u in rows), None)


def claim_text(session: Session, content_hash: str, url_key: str, seen: datetime) -> str:
    """Claim a text for an article (by URL key); returns the owner's URL key.

    Called before the article row is written: a concurrent claim of the same text waits on
    the primary key until the first transaction ends, then reads the first owner.
    """
    core = session.connection()
    core.execute(
        insert_ignoring(session, ArticleText, "content_hash"),
        {"content_hash": content_hash, "url_key": url_key, "first_seen_at": seen},
    )
    owner = core.scalar(_TEXT_OWNER, {"content_hash": content_hash})
    assert owner is not None  # inserted or already there
    return owner


def article_id_of(session: Session, url_key: str) -> int | None:
    return session.connection().scalar(_ARTICLE_ID, {"key": url_key})


def insert_article(session: Session, values: Mapping[str, Any]) -> int | None:
    """A new article row; None when its URL key was stored first by someone else."""
    stmt = insert_ignoring(session, Article, "url_key", returning="id")
    article_id: int | None = session.connection().execute(stmt, dict(values)).scalar()
    return article_id


def add_urls(session: Session, article_id: int, urls: Mapping[str, str], seen: datetime) -> None:
    """Record URLs (url -> kind) for an article; a URL already known keeps its article."""
    if not urls:
        return
    rows = [
        {"url": url, "article_id": article_id, "kind": kind, "first_seen_at": seen}
        for url, kind in urls.items()
    ]
    session.connection().execute(insert_ignoring(session, ArticleUrl, "url"), rows)


def urls_of(session: Session, article_id: int) -> dict[str, str]:
    rows = session.execute(
        select(ArticleUrl.url, ArticleUrl.kind)
        .where(ArticleUrl.article_id == article_id)
        .order_by(ArticleUrl.id)
    ).all()
    return {url: kind for url, kind in rows}


@dataclass(frozen=True)
class VersionState:
    """The current version of an article, as the write path compares against it."""

    article_id: int
    url_key: str
    version: int
    content_hash: str
    title: str | None
    text: str


def current_version(session: Session, article_id: int) -> VersionState:
    row = session.connection().execute(_CURRENT_VERSION, {"article_id": article_id}).one()
    return VersionState(
        article_id, row.url_key, row.version, row.content_hash, row.title, row.text
    )


def add_version(session: Session, values: Mapping[str, Any]) -> int | None:
    """A new version row; None when that version number was written first by someone else."""
    stmt = insert_ignoring(session, ArticleVersion, "article_id", "version", returning="id")
    version_id: int | None = session.connection().execute(stmt, dict(values)).scalar()
    return version_id


def versions_of(session: Session, article_id: int) -> Sequence[ArticleVersion]:
    return session.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version)
    ).all()


def update_article(session: Session, article_id: int, values: Mapping[str, Any]) -> None:
    session.execute(update(Article).where(Article.id == article_id).values(**values))


def touch_article(session: Session, article_id: int, version: int, seen: datetime) -> None:
    """An unchanged re-crawl: only when the article (and its current version) was last seen."""
    core = session.connection()
    core.execute(_TOUCH_ARTICLE, {"article_id": article_id, "seen": seen})
    core.execute(_TOUCH_VERSION, {"of_article": article_id, "of_version": version, "seen": seen})


def update_version(session: Session, version_id: int, values: Mapping[str, Any]) -> None:
    session.execute(update(ArticleVersion).where(ArticleVersion.id == version_id).values(**values))


def versions_with_capture(
    session: Session, site_key: str | None = None, after_id: int = 0, limit: int = 100
) -> list[tuple[ArticleVersion, int, str]]:
    """The next versions (by id) that point to a raw capture, with the article's current
    version number and its site's key."""
    query = (
        select(ArticleVersion, Article.version, Site.key)
        .join(Article, Article.id == ArticleVersion.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(ArticleVersion.warc_file.is_not(None), ArticleVersion.id > after_id)
        .order_by(ArticleVersion.id)
        .limit(limit)
    )
    if site_key:
        query = query.where(Site.key == site_key)
    return [(v, current, key) for v, current, key in session.execute(query).all()]


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
