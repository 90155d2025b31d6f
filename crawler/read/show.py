"""Everything the archive knows about one article (``crawler show``).

Its text and metadata, how the crawl found it, its relevance and closest seed, every version
with what changed, the URLs it is known under (variants and exact duplicates elsewhere), its
near-duplicate cluster, and the raw capture of each version in the WARC files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.db import article_sql, report_sql, run_sql
from crawler.errors import CrawlerError
from crawler.read.archive_access import archive_session
from crawler.read.query import seed_titles


class ArticleNotFound(CrawlerError):
    """No article has that id or URL."""


@dataclass(frozen=True)
class Capture:
    file: str
    offset: int
    length: int
    found: bool  # the WARC file is there and the record reads back
    status: int | None = None
    content_type: str | None = None
    body_bytes: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Version:
    version: int
    first_seen: datetime
    last_seen: datetime
    url: str
    title: str | None
    content_hash: str
    extractor_version: str | None
    changes: dict[str, Any] | None
    capture: Capture | None
    reextracted: datetime | None


@dataclass(frozen=True)
class ArticleReport:
    article: dict[str, Any]  # the v_articles row
    seed_title: str | None
    crawl_run: dict[str, Any] | None
    versions: list[Version]
    urls: dict[str, str]  # url -> canonical | key | variant | duplicate
    cluster: list[dict[str, Any]] = field(default_factory=list)
    # Why it was kept, as the seeds read its stored text now: the strongest evidence, spelled
    # as in the manifest, and that score and seed (they differ from the archived ones only if
    # the seeds or the model changed since).
    evidence: tuple[str, ...] = ()
    scored_now: tuple[float, str | None] | None = None

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            if hasattr(value, "__dataclass_fields__"):
                return plain(dict(value.__dict__))
            return value

        return {
            "article": plain(self.article),
            "seed_title": self.seed_title,
            "crawl_run": plain(self.crawl_run),
            "versions": plain(self.versions),
            "urls": self.urls,
            "near_duplicate_cluster": plain(self.cluster),
            "evidence": list(self.evidence),
            "scored_now": list(self.scored_now) if self.scored_now else None,
        }


def _capture(directory: Path, file: str | None, offset: int | None, length: int | None,
             ) -> Capture | None:
    if file is None or offset is None or length is None:
        return None
    from crawler.store.warc import read_capture

    try:
        stored = read_capture(directory, file, offset)
    except (OSError, ValueError) as exc:
        return Capture(file, offset, length, False, problem=str(exc))
    return Capture(file, offset, length, True, stored.status, stored.header("Content-Type"),
                   len(stored.body))


def _scored_now(row: dict[str, Any]) -> tuple[tuple[str, ...], tuple[float, str | None] | None]:
    from crawler.config import Config
    from crawler.errors import ConfigError
    from crawler.focus.relevance import RelevanceModel
    from crawler.seeds import load_seeds

    try:
        model = RelevanceModel.from_seeds(load_seeds(Config.from_env().seeds_dir))
    except ConfigError:
        return (), None
    scored = model.score(row.get("text") or "", row.get("title"), row.get("language"))
    return scored.matched_terms, (scored.score, scored.seed_id)


def show(database_url: str, ident: str, warc_dir: Path | None = None) -> ArticleReport:
    """The report on the article with this id, or known under this URL."""
    from crawler.store.urls import url_key
    from crawler.store.warc import warc_dir_for

    directory = warc_dir or warc_dir_for(database_url, os.environ.get("CRAWLER_WARC_DIR"))
    try:
        key = None if ident.isdigit() else url_key(ident)
    except (ValueError, TypeError):
        key = None
    with archive_session(database_url) as session:
        article_id = report_sql.find_article(session, ident.strip(), key)
        if article_id is None:
            what = f"id {ident}" if ident.isdigit() else f"URL {ident!r}"
            raise ArticleNotFound(f"no article with {what} in the archive "
                                  "(find one with `crawler query`)")
        row = dict(report_sql.article_row(session, article_id))
        run = run_sql.get_run(session, row["crawl_run"]) if row["crawl_run"] else None
        versions = [
            Version(
                version=v.version,
                first_seen=v.first_seen_at,
                last_seen=v.last_seen_at,
                url=v.url,
                title=v.title,
                content_hash=v.content_hash,
                extractor_version=v.extractor_version,
                changes=json.loads(v.changes) if v.changes else None,
                capture=_capture(directory, v.warc_file, v.warc_offset, v.warc_length),
                reextracted=v.reextracted_at,
            )
            for v in article_sql.versions_of(session, article_id)
        ]
        urls = article_sql.urls_of(session, article_id)
        cluster_rows = report_sql.cluster_rows(session, article_id, row["duplicate_of"])
        cluster = [dict(r) for r in cluster_rows]
    crawl_run = None
    if run is not None:
        crawl_run = {"id": run.id, "trigger": run.trigger, "started": run.started_at,
                     "status": run.status}
    evidence, scored_now = _scored_now(row)
    return ArticleReport(
        article=row,
        seed_title=seed_titles().get(row["seed"] or ""),
        crawl_run=crawl_run,
        versions=versions,
        urls=urls,
        cluster=cluster,
        evidence=evidence,
        scored_now=scored_now,
    )
