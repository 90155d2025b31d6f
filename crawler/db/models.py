"""Archive schema. Alembic owns the schema: change a model, then add a migration.

All text columns are TEXT (titles and author lists are unbounded). Every timestamp is
timezone-aware and stored in UTC (see ``UTCDateTime``).

v2 (migration 0002) makes the archive deduplicated and versioned: every URL seen for an
article (``article_urls``), every text hash it ever had (``article_texts``), every version
with a pointer to its raw capture in the WARC files (``article_versions``), and the
near-duplicate index (``minhash_signatures``, ``minhash_bands``). See docs/dedup.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crawler.db.base import Base
from crawler.db.types import UTCDateTime


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class CrawlRun(Base):
    """One crawl: a `scrapy crawl`, a `crawler crawl`, a demo or a scheduled run.

    v4 (migration 0004): the scheduled job, per-site counts and extraction quality, drift
    flags, the listing pages' HTTP validators, and how a crawl process died. JSON columns are
    TEXT, written and read only through db/article_sql.py. See docs/scheduling.md.
    """

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'ok', 'failed', 'interrupted', 'stalled', 'skipped')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(64))
    # manual (crawler crawl, scrapy crawl) | demo | schedule | run-now (crawler schedule --run-now)
    trigger: Mapped[str] = mapped_column(String(32), default="manual")
    status: Mapped[str] = mapped_column(String(16), default="running")  # see the check above
    finish_reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    arguments: Mapped[str | None] = mapped_column(Text)  # JSON: spider arguments and settings
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    articles_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    articles_not_related: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error_kinds: Mapped[str | None] = mapped_column(Text)  # JSON object: kind -> count
    stats: Mapped[str | None] = mapped_column(Text)  # JSON: Scrapy's final stats
    job: Mapped[str | None] = mapped_column(String(64), index=True)  # the schedule's job id
    site_stats: Mapped[str | None] = mapped_column(Text)  # JSON: site -> counts and quality
    drift: Mapped[str | None] = mapped_column(Text)  # JSON list: sites whose extraction degraded
    validators: Mapped[str | None] = mapped_column(Text)  # JSON: url -> [etag, last-modified]
    exit_status: Mapped[int | None] = mapped_column(Integer)  # of the crawl process, if known
    log_tail: Mapped[str | None] = mapped_column(Text)  # last log lines of a failed process
    # v5 (migration 0005): one crawl over several processes (docs/scale-out.md)
    crawl_id: Mapped[str | None] = mapped_column(String(64), index=True)  # shared by its workers
    worker: Mapped[str | None] = mapped_column(String(128))  # host:pid of this run's process


class Article(Base):
    """One article, identified by its URL key (crawler/store/urls.py)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The page's real canonical URL, the one to open (unique: its normalised form is the key).
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    # v7: the identity deduplication decides on (https, no www., no tracking or AMP markers).
    # Nullable in the schema only: SQLite adds a NOT NULL column to a filled table only by
    # copying the table, which drops the search triggers; every write sets it.
    url_key: Mapped[str] = mapped_column(Text, nullable=True, index=True, unique=True)
    url: Mapped[str] = mapped_column(Text)  # as last fetched
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)  # "; "-separated people, not agencies
    source_credit: Mapped[str | None] = mapped_column(Text)
    # v6: every credited organisation ("; "-separated), and the zone of the date's clock
    organisations: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    published_raw: Mapped[str | None] = mapped_column(Text)
    published_source: Mapped[str | None] = mapped_column(String(32))
    published_zone: Mapped[str | None] = mapped_column(String(64))  # "Europe/Berlin", "+02:00"
    published_zone_source: Mapped[str | None] = mapped_column(String(16))
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    language: Mapped[str | None] = mapped_column(String(16), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(Text)  # "; "-separated
    image_url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    extractor_version: Mapped[str | None] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column(Integer)
    relevance: Mapped[float | None] = mapped_column(Float)
    seed_id: Mapped[str | None] = mapped_column(String(32), index=True)
    found_via: Mapped[str | None] = mapped_column(String(16))
    referrer: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    # v2: the current version's number, and the near-duplicate cluster this article joined
    # (the id of the cluster's first article; NULL for an article that is its own original).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    cluster_similarity: Mapped[float | None] = mapped_column(Float)

    site: Mapped[Site] = relationship(back_populates="articles")


class ArticleUrl(Base):
    """Every URL known for an article: its canonical URL, its URL key (kind ``key``, where it
    differs), the variants fetched (AMP, mobile, tracking parameters, old slugs) and the URLs
    of exact copies elsewhere."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # canonical | key | variant | duplicate
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleText(Base):
    """The exact-duplicate claim: which article (by URL key) owns a normalised text.

    Keyed by the text hash and claimed *before* the article row is written, so two processes
    storing the same text under two URLs at once meet on this primary key: the second waits
    for the first to commit and then files its URL under the first's article.
    """

    __tablename__ = "article_texts"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url_key: Mapped[str] = mapped_column(Text, index=True)  # v7: was canonical_url
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleVersion(Base):
    """One version of an article's text and title, with the capture it was extracted from."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)  # as fetched
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    changes: Mapped[str | None] = mapped_column(Text)  # JSON: what changed from the previous
    extractor_version: Mapped[str | None] = mapped_column(String(32))
    warc_file: Mapped[str | None] = mapped_column(Text)  # relative to the WARC directory
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reextracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)


class MinhashSignature(Base):
    """The near-duplicate index, part 1: each article's MinHash signature (uint32 values)."""

    __tablename__ = "minhash_signatures"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class MinhashBand(Base):
    """The near-duplicate index, part 2: LSH buckets; articles sharing one are candidates."""

    __tablename__ = "minhash_bands"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True, index=True)
