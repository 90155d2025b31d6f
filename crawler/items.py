"""The contracts between the steps of the pipeline.

``ExtractedArticle`` is what extraction returns: a pure function of (html, url).
``ArticleItem`` is what the spider yields: the extracted article plus how and when it was
fetched. Only ``url``, ``site`` and ``fetched_at`` are required; every datetime is
timezone-aware; where parsing is lossy the raw string is kept beside the parsed value.
It also carries what storing it needs: its site's row (``SiteInfo``) and where its raw response
sits in the WARC files (``Capture``), so the store pipeline reads nothing but the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.sites import SiteProfile


@dataclass
class ExtractedArticle:
    """The article as extraction sees it. ``text`` is NFC, paragraphs separated by newlines."""

    url: str
    text: str
    title: str | None = None
    canonical_url: str | None = None
    authors: list[str] = field(default_factory=list)
    source_credit: str | None = None  # "Theo VOV", "AFP/„Scanpix“": a source, never an author
    # Every credited organisation (agencies, the publisher named as author): "dpa", "ORF.at"
    organisations: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    published_raw: str | None = None
    published_source: str | None = None  # jsonld|meta|time|text|url|htmldate|feed|sitemap
    # The zone the page's clock shows ("Europe/Berlin", "+02:00") and where it came from:
    # date (the date string's own offset) | page (another date on the page) | profile |
    # language (the page's language or country) | none (UTC assumed)
    published_zone: str | None = None
    published_zone_source: str | None = None
    modified_at: datetime | None = None
    language: str | None = None
    declared_language: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    image: str | None = None
    site: str | None = None  # key of the profile used, None for the generic path
    extractor_version: str = ""


@dataclass(frozen=True)
class Capture:
    """Where the raw response of a version sits: a WARC file (relative name) and offset."""

    file: str
    offset: int
    length: int


@dataclass(frozen=True)
class SiteInfo:
    """What the archive needs of an item's site: its row (key, name, language) and the
    domains that keep a declared canonical URL on the site."""

    key: str
    name: str
    language: str | None = None
    domains: tuple[str, ...] = ()

    @classmethod
    def of(cls, profile: SiteProfile) -> SiteInfo:
        return cls(profile.key, profile.name, profile.language, tuple(profile.domains))


@dataclass
class ArticleItem:
    """One fetched article page on its way to the archive."""

    url: str  # as fetched, after redirects
    site: str
    fetched_at: datetime
    http_status: int = 200
    requested_url: str | None = None  # before redirects, when different
    article: ExtractedArticle | None = None
    # provenance: how the crawl found this page
    found_via: str = "link"  # seed | related | section | tag | feed | sitemap | search | link
    referrer: str | None = None
    depth: int = 0
    # relevance, scored in the extraction worker with the page; the relevance gate reads it
    relevance: float | None = None
    seed_id: str | None = None
    # for the archive: the site's row (None: a row named by the key alone) and the raw
    # response's place, which the WARC middleware put into the response's meta
    site_info: SiteInfo | None = None
    capture: Capture | None = None
