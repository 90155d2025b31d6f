"""What incremental crawls read back: the archived articles behind URLs, re-visit candidates,
and the HTTP validators (ETag, Last-Modified) saved by earlier runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.db.dialect import to_json
from crawler.db.models import (
    Article,
    ArticleUrl,
    CrawlRun,
    Site,
)


@dataclass(frozen=True)
class KnownArticle:
    """What the archive holds of an article, as the re-visit policy needs it."""

    article_id: int
    version: int
    url: str  # as last fetched
    first_seen_at: datetime
    last_seen_at: datetime


def _known(row: Any) -> KnownArticle:
    return KnownArticle(row.id, row.version, row.url, row.first_seen_at, row.last_seen_at)


_KNOWN_COLUMNS = (
    Article.id,
    Article.version,
    Article.url,
    Article.first_seen_at,
    Article.last_seen_at,
)


def known_articles(session: Session, urls: Sequence[str]) -> dict[str, KnownArticle]:
    """The archived article behind each of these URLs (any URL ever seen for it)."""
    if not urls:
        return {}
    rows = session.execute(
        select(ArticleUrl.url, *_KNOWN_COLUMNS)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(ArticleUrl.url.in_(list(dict.fromkeys(urls))))
    ).all()
    return {row[0]: _known(row) for row in rows}


def revisit_candidates(
    session: Session, site_keys: Sequence[str], first_seen_after: datetime, limit: int
) -> list[KnownArticle]:
    """Articles of these sites first seen after a time (the re-visit policy's horizon)."""
    rows = session.execute(
        select(*_KNOWN_COLUMNS)
        .join(Site, Site.id == Article.site_id)
        .where(Site.key.in_(list(site_keys)), Article.first_seen_at > first_seen_after)
        .order_by(Article.first_seen_at.desc())
        .limit(limit)
    ).all()
    return [_known(row) for row in rows]


def recent_validators(session: Session, runs: int = 20) -> dict[str, list[str | None]]:
    """HTTP validators (url -> [etag, last-modified]) saved by the latest ok runs; newer wins."""
    rows = session.scalars(
        select(CrawlRun.validators)
        .where(CrawlRun.status == "ok", CrawlRun.validators.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(runs)
    ).all()
    merged: dict[str, list[str | None]] = {}
    for row in rows:
        for url, pair in json.loads(row or "{}").items():
            merged.setdefault(url, pair)
    return merged


def save_validators(
    session: Session, run_id: int, validators: Mapping[str, Sequence[str | None]]
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(validators=to_json({url: list(pair) for url, pair in validators.items()}))
    )
