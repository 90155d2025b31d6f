"""What a crawl run added, and how earlier runs went: the run recorder reads these when it
writes a run's row (crawler/extensions/runs.py), for the per-site counts and the
extraction-drift check (crawler/extensions/drift.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crawler.db.models import Article, ArticleVersion, CrawlRun, Site


def site_history(
    session: Session, sites: Sequence[str], before_run_id: int, runs: int = 50
) -> list[dict[str, Any]]:
    """Per-site stats of the latest ``runs`` runs that finished ok before this one, newest
    first, restricted to these sites (the baseline the drift check compares a run with)."""
    rows = session.scalars(
        select(CrawlRun.site_stats)
        .where(
            CrawlRun.id < before_run_id,
            CrawlRun.status == "ok",
            CrawlRun.site_stats.is_not(None),
        )
        .order_by(CrawlRun.id.desc())
        .limit(runs)
    ).all()
    wanted = set(sites)
    history = []
    for row in rows:
        stats = {k: v for k, v in json.loads(row or "{}").items() if k in wanted}
        if stats:
            history.append(stats)
    return history


def outcomes_by_site(session: Session, run_id: int) -> dict[str, dict[str, int]]:
    """Articles a run added (version 1) or gave a new version, per site key."""
    kind = case((ArticleVersion.version == 1, "new"), else_="updated")
    rows = session.execute(
        select(Site.key, kind, func.count())
        .select_from(ArticleVersion)
        .join(Article, Article.id == ArticleVersion.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(ArticleVersion.crawl_run_id == run_id)
        .group_by(Site.key, kind)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for site, outcome, count in rows:
        out.setdefault(site, {})[outcome] = count
    return out
