"""Re-extraction: run today's extraction over the stored raw captures, with no network.

Each article version points to the response it was extracted from (a WARC file and offset).
``reextract`` reads that response back, runs :func:`crawler.extraction.extract` on it and
replaces the derived fields of the version (and of the article, for its current version),
recording the extractor version and when. A re-extraction is not a new version: the page did
not change, only our reading of it. Articles missing from the near-duplicate index (archives
from before schema v2) are indexed on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crawler.config import Config
from crawler.db import article_sql, near_duplicate_sql
from crawler.db.models import ArticleVersion
from crawler.db.session import ensure_schema, make_engine, session_factory
from crawler.errors import ArchiveNotReady, ConfigError
from crawler.extraction import EXTRACTOR_VERSION, extract
from crawler.sites import SiteProfile, load_sites
from crawler.store.dedup import derived_values, reindex
from crawler.store.fingerprints import normalize_text
from crawler.store.warc import read_capture

_BATCH = 100
_VERSION_FIELDS = ("title", "text", "content_hash", "extractor_version")


@dataclass
class ReextractReport:
    extractor_version: str = EXTRACTOR_VERSION
    examined: int = 0
    changed: int = 0  # text or title now read differently
    unchanged: int = 0
    no_article: int = 0  # extraction finds no article in the capture any more: left as it was
    missing_capture: int = 0  # the WARC file or record is gone
    indexed: int = 0  # articles added to the near-duplicate index


def reextract(
    database_url: str,
    warc_dir: Path,
    *,
    site: str | None = None,
    limit: int | None = None,
    sites_dir: Path | None = None,
) -> ReextractReport:
    """Re-extract every version with a capture (or those of one site, or the first N)."""
    try:
        ensure_schema(database_url, auto_upgrade_empty=False)
    except OperationalError as exc:
        raise ArchiveNotReady(f"cannot open the archive: {exc.orig}") from exc
    profiles = load_sites(sites_dir or Config.from_env().sites_dir)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    report = ReextractReport()
    after_id = 0
    try:
        if site is not None:  # a typo would otherwise re-extract nothing and say so as success
            with sessions() as session:
                known = {key for key, _ in article_sql.articles_per_site(session)} | set(profiles)
            if site not in known:
                raise ConfigError(f"unknown site {site!r}; known: {', '.join(sorted(known))}")
        while limit is None or report.examined < limit:
            size = _BATCH if limit is None else min(_BATCH, limit - report.examined)
            with sessions.begin() as session:
                rows = article_sql.versions_with_capture(session, site, after_id, size)
                for version, current, site_key in rows:
                    after_id = version.id
                    report.examined += 1
                    _reextract_one(
                        session, version, current, profiles.get(site_key), warc_dir, report
                    )
            if len(rows) < size:
                break
        while True:
            with sessions.begin() as session:
                missing = near_duplicate_sql.articles_without_signature(session, _BATCH)
                for article_id, text in missing:
                    reindex(session, article_id, text)
                report.indexed += len(missing)
            if len(missing) < _BATCH:
                break
    finally:
        engine.dispose()
    return report


def _reextract_one(
    session: Session,
    version: ArticleVersion,
    current: int,
    profile: SiteProfile | None,
    warc_dir: Path,
    report: ReextractReport,
) -> None:
    assert version.warc_file is not None and version.warc_offset is not None
    try:
        stored = read_capture(warc_dir, version.warc_file, version.warc_offset)
    except (OSError, ValueError):
        report.missing_capture += 1
        return
    article = extract(
        stored.body,
        stored.url or version.url,
        profile,
        content_type=stored.header("Content-Type"),
    )
    if article is None:
        report.no_article += 1
        return
    values = derived_values(article)
    changed = values["content_hash"] != version.content_hash or normalize_text(
        values["title"] or ""
    ) != normalize_text(version.title or "")
    report.changed += changed
    report.unchanged += not changed
    now = datetime.now(UTC)
    article_sql.update_version(
        session, version.id, {**{k: values[k] for k in _VERSION_FIELDS}, "reextracted_at": now}
    )
    if version.version != current:
        return
    article_sql.update_article(session, version.article_id, values)
    if changed:
        state = article_sql.current_version(session, version.article_id)
        article_sql.claim_text(session, values["content_hash"], state.url_key, now)
        reindex(session, version.article_id, values["text"])
