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
from functools import cache
from typing import Any, Literal

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

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


def find_article_by_urls(session: Session, urls: Sequence[str]) -> int | None:
    """The article any of these URLs is known for; earlier URLs in the list win."""
    if not urls:
        return None
    rows = dict(
        session.execute(
            select(ArticleUrl.url, ArticleUrl.article_id).where(ArticleUrl.url.in_(list(urls)))
        ).all()
    )
    return next((rows[u] for u in urls if u in rows), None)


def claim_text(session: Session, content_hash: str, canonical_url: str, seen: datetime) -> str:
    """Claim a text for an article (by canonical URL); returns the owner's canonical URL.

    Called before the article row is written: a concurrent claim of the same text waits on
    the primary key until the first transaction ends, then reads the first owner.
    """
    session.execute(
        _insert(session, ArticleText)
        .values(content_hash=content_hash, canonical_url=canonical_url, first_seen_at=seen)
        .on_conflict_do_nothing(index_elements=["content_hash"])
    )
    owner = session.scalar(
        select(ArticleText.canonical_url).where(ArticleText.content_hash == content_hash)
    )
    assert owner is not None  # inserted or already there
    return owner


def article_id_of(session: Session, canonical_url: str) -> int | None:
    return session.scalar(select(Article.id).where(Article.canonical_url == canonical_url))


def insert_article(session: Session, values: Mapping[str, Any]) -> int | None:
    """A new article row; None when its canonical URL was stored first by someone else."""
    stmt = (
        _insert(session, Article)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["canonical_url"])
        .returning(Article.id)
    )
    article_id: int | None = session.execute(stmt).scalar()
    return article_id


def add_urls(session: Session, article_id: int, urls: Mapping[str, str], seen: datetime) -> None:
    """Record URLs (url -> kind) for an article; a URL already known keeps its article."""
    if not urls:
        return
    rows = [
        {"url": url, "article_id": article_id, "kind": kind, "first_seen_at": seen}
        for url, kind in urls.items()
    ]
    session.execute(
        _insert(session, ArticleUrl).values(rows).on_conflict_do_nothing(index_elements=["url"])
    )


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
    canonical_url: str
    version: int
    content_hash: str
    title: str | None
    text: str


def current_version(session: Session, article_id: int) -> VersionState:
    row = session.execute(
        select(
            Article.canonical_url,
            ArticleVersion.version,
            ArticleVersion.content_hash,
            ArticleVersion.title,
            ArticleVersion.text,
        )
        .join(Article, Article.id == ArticleVersion.article_id)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version.desc())
        .limit(1)
    ).one()
    return VersionState(
        article_id, row.canonical_url, row.version, row.content_hash, row.title, row.text
    )


def add_version(session: Session, values: Mapping[str, Any]) -> int | None:
    """A new version row; None when that version number was written first by someone else."""
    stmt = (
        _insert(session, ArticleVersion)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["article_id", "version"])
        .returning(ArticleVersion.id)
    )
    version_id: int | None = session.execute(stmt).scalar()
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
    session.execute(
        update(Article)
        .where(Article.id == article_id, Article.last_seen_at < seen)
        .values(last_seen_at=seen)
    )
    session.execute(
        update(ArticleVersion)
        .where(
            ArticleVersion.article_id == article_id,
            ArticleVersion.version == version,
            ArticleVersion.last_seen_at < seen,
        )
        .values(last_seen_at=seen)
    )


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


# --- the near-duplicate index ----------------------------------------------------------------
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
    rows = session.execute(_candidates_query(len(bands)), params).all()
    return [Candidate(a, bytes(s), c) for a, s, c in rows]


def index_signature(
    session: Session, article_id: int, signature: bytes, bands: Sequence[tuple[int, int]]
) -> None:
    """Store (or replace) an article's signature and its LSH buckets."""
    stmt = _insert(session, MinhashSignature).values(article_id=article_id, signature=signature)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["article_id"], set_={"signature": stmt.excluded.signature}
        )
    )
    session.execute(delete(MinhashBand).where(MinhashBand.article_id == article_id))
    rows = [{"band": b, "bucket": k, "article_id": article_id} for b, k in bands]
    # executemany of one cached statement (a multi-row VALUES would be compiled every time)
    session.connection().execute(_insert(session, MinhashBand).on_conflict_do_nothing(), rows)


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


def link_cluster(session: Session, article_id: int, cluster_id: int, similarity: float) -> None:
    session.execute(
        update(Article)
        .where(Article.id == article_id)
        .values(cluster_id=cluster_id, cluster_similarity=similarity)
    )


def cluster_members(session: Session, cluster_id: int) -> Sequence[Article]:
    """The original and every article linked to it, oldest first."""
    return session.scalars(
        select(Article)
        .where((Article.id == cluster_id) | (Article.cluster_id == cluster_id))
        .order_by(Article.id)
    ).all()


def upsert_article(session: Session, values: Mapping[str, Any]) -> UpsertOutcome:
    """Archive one article by canonical URL, without the content-based dedup layers.

    The crawl stores through :func:`crawler.archive.dedup.store_article`; this is the URL-only path
    (imports, tests). A known URL with the same text hash only refreshes ``last_seen_at``; a
    changed text or title adds a version and updates the article.
    """
    seen = values["last_seen_at"]
    article_id = insert_article(session, {**values, "version": 1})
    version = {
        k: values.get(k) for k in ("url", "title", "text", "content_hash", "extractor_version")
    }
    if article_id is not None:
        add_urls(session, article_id, {values["canonical_url"]: "canonical"}, seen)
        claim_text(session, values["content_hash"], values["canonical_url"], seen)
        add_version(
            session,
            {
                **version,
                "article_id": article_id,
                "version": 1,
                "first_seen_at": seen,
                "last_seen_at": seen,
                "crawl_run_id": values.get("crawl_run_id"),
            },
        )
        return "new"
    article_id = article_id_of(session, values["canonical_url"])
    assert article_id is not None
    state = current_version(session, article_id)
    if state.content_hash == values["content_hash"] and state.title == values.get("title"):
        touch_article(session, article_id, state.version, seen)
        return "unchanged"
    add_version(
        session,
        {
            **version,
            "article_id": article_id,
            "version": state.version + 1,
            "first_seen_at": seen,
            "last_seen_at": seen,
            "crawl_run_id": values.get("crawl_run_id"),
        },
    )
    changed = {k: v for k, v in values.items() if k not in ("first_seen_at", "canonical_url")}
    update_article(session, article_id, {**changed, "version": state.version + 1})
    return "updated"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def start_run(
    session: Session,
    spider: str,
    trigger: str,
    started_at: datetime,
    arguments: Mapping[str, Any],
    *,
    job: str | None = None,
) -> int:
    run = CrawlRun(
        spider=spider,
        trigger=trigger,
        job=job,
        status="running",
        started_at=started_at,
        arguments=_json(arguments),
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
    site_stats: Mapping[str, Any] | None = None,
    drift: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finish_reason=finish_reason,
            finished_at=finished_at,
            error_kinds=json.dumps(dict(error_kinds), sort_keys=True),
            stats=_json(dict(stats)),
            site_stats=_json(dict(site_stats)) if site_stats is not None else None,
            drift=_json(list(drift)) if drift is not None else None,
            **totals.__dict__,
        )
    )


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def recent_runs(
    session: Session, limit: int = 20, job: str | None = None
) -> Sequence[CrawlRun]:
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(CrawlRun.job == job)
    return session.scalars(query).all()


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


# --- crawl runs: the scheduler, run reports, incremental re-crawls ---------------------------
def adopt_run(session: Session, run_id: int, arguments: Mapping[str, Any]) -> bool:
    """Take over a run row the scheduler created before it started the crawl process.

    False when there is no such row still running (the crawl then starts its own).
    """
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(arguments=_json(arguments))
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def record_skipped(
    session: Session, spider: str, trigger: str, job: str | None, at: datetime, reason: str
) -> int:
    """A run that was due but not started (its job was still running, or it was missed)."""
    run = CrawlRun(
        spider=spider,
        trigger=trigger,
        job=job,
        status="skipped",
        finish_reason=reason,
        started_at=at,
        finished_at=at,
        arguments="{}",
    )
    session.add(run)
    session.flush()
    return run.id


def close_unfinished_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    finish_reason: str,
    finished_at: datetime,
    exit_status: int | None,
    log_tail: str | None,
) -> bool:
    """Finish a run its crawl process never recorded (it died or was killed).

    Only a row still marked running is changed, so a crawl that did record itself keeps its
    own account; returns whether this call finished the row.
    """
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(
            status=status,
            finish_reason=finish_reason,
            finished_at=finished_at,
            exit_status=exit_status,
            log_tail=log_tail,
        )
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def running_runs_of_job(session: Session, job: str) -> list[int]:
    return list(
        session.scalars(
            select(CrawlRun.id).where(CrawlRun.job == job, CrawlRun.status == "running")
        )
    )


def set_process_outcome(
    session: Session, run_id: int, exit_status: int | None, log_tail: str | None
) -> None:
    values: dict[str, Any] = {"exit_status": exit_status}
    if log_tail is not None:
        values["log_tail"] = log_tail
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def last_run_of_jobs(session: Session, jobs: Sequence[str]) -> dict[str, CrawlRun]:
    """The latest run of each job (skipped runs included)."""
    latest = (
        select(func.max(CrawlRun.id)).where(CrawlRun.job.in_(list(jobs))).group_by(CrawlRun.job)
    )
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest))).all()
    return {run.job: run for run in runs if run.job is not None}


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
        .values(validators=_json({url: list(pair) for url, pair in validators.items()}))
    )
