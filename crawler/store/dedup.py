"""Deduplication in layers: URL identity, exact text hash, near-duplicate signatures.

The hashes and signatures are pure functions (:mod:`crawler.store.fingerprints`);
:func:`store_article`, the one write path into the archive, combines them with the repository
(all SQL in crawler/db/article_sql.py), where unique constraints have the last word.

- **Identity** is the URL key (:mod:`crawler.store.urls`); the real canonical URL is kept beside it.
- **Exact duplicates**: the same :func:`content_hash` under two URLs is one article with both
  URLs known.
- **Near-duplicates**: two articles sharing an LSH band bucket are candidates; a candidate whose
  estimated Jaccard similarity reaches the threshold (``CRAWLER_DEDUP_THRESHOLD``) joins the
  cluster.
- **Versions**: a known article whose title or text changed gets a new version, with what
  changed (:func:`describe_changes`).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from crawler.config import DEDUP_THRESHOLD
from crawler.db import article_sql, near_duplicate_sql
from crawler.items import ArticleItem, Capture, ExtractedArticle
from crawler.store.fingerprints import (
    Signature,
    content_hash,
    jaccard,
    normalize_text,
    signature,
)
from crawler.store.urls import normalize_url, url_identity


def derived_values(art: ExtractedArticle) -> dict[str, Any]:
    """The Article columns extraction derives from a page (re-extraction replaces these)."""
    return {
        "title": art.title,
        "authors": "; ".join(art.authors) or None,
        "source_credit": art.source_credit,
        "organisations": "; ".join(art.organisations) or None,
        "published_at": art.published_at,
        "published_raw": art.published_raw,
        "published_source": art.published_source,
        "published_zone": art.published_zone,
        "published_zone_source": art.published_zone_source,
        "modified_at": art.modified_at,
        "language": art.language,
        "description": art.description,
        "tags": "; ".join(art.tags) or None,
        "image_url": art.image,
        "text": art.text,
        "content_hash": content_hash(art.text),
        "extractor_version": art.extractor_version,
    }


# --- the store path: identity → exact duplicate → version → near-duplicate -------------------
Outcome = Literal["new", "updated", "unchanged", "duplicate"]
_VERSION_FIELDS = ("url", "title", "text", "content_hash", "extractor_version", "crawl_run_id")


@dataclass
class ArticleRecord:
    """One article to store: Article column values plus every URL it was reached by."""

    url_key: str  # the identity
    values: dict[str, Any]  # Article columns; content_hash and last_seen_at included
    variants: list[str] = field(default_factory=list)  # as fetched, before redirects, declared
    capture: Capture | None = None
    canonical_url: str = ""  # the URL to show for it; the key where none is given

    def __post_init__(self) -> None:
        self.canonical_url = self.canonical_url or self.url_key


def article_record(item: ArticleItem, run_id: int | None) -> ArticleRecord:
    """What the archive stores of an item; ``site_id`` is filled in by the writer, in the
    transaction that makes sure the site's row exists."""
    art = item.article
    assert art is not None
    domains = item.site_info.domains if item.site_info else ()
    key, shown = url_identity(item.url, art.canonical_url, domains)
    seen = [shown, item.url, item.requested_url]
    if art.canonical_url and normalize_url(art.canonical_url) == key:
        seen.append(art.canonical_url)  # only a same-site canonical names this article
    variants = [u for u in dict.fromkeys(seen) if u and u != key]
    values = {
        "url": item.url,
        **derived_values(art),
        "http_status": item.http_status,
        "relevance": item.relevance,
        "seed_id": item.seed_id,
        "found_via": item.found_via,
        "referrer": item.referrer,
        "depth": item.depth,
        "first_seen_at": item.fetched_at,
        "last_seen_at": item.fetched_at,
        "crawl_run_id": run_id,
    }
    return ArticleRecord(key, values, variants, item.capture, shown)


@dataclass(frozen=True)
class StoreResult:
    outcome: Outcome
    article_id: int
    cluster_id: int | None = None
    similarity: float | None = None


def describe_changes(
    old_title: str | None, old_text: str, new_title: str | None, new_text: str
) -> dict[str, Any]:
    """What changed between two versions: fields, the old and new title, a paragraph diff."""
    changes: dict[str, Any] = {"fields": []}
    if normalize_text(old_title or "") != normalize_text(new_title or ""):
        changes["fields"].append("title")
        changes["title"] = {"old": old_title, "new": new_title}
    if content_hash(old_text) != content_hash(new_text):
        changes["fields"].append("text")
        old, new = old_text.splitlines(), new_text.splitlines()
        diff = [
            line
            for line in difflib.unified_diff(old, new, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        changes["text"] = {
            "paragraphs_added": sum(1 for line in diff if line.startswith("+")),
            "paragraphs_removed": sum(1 for line in diff if line.startswith("-")),
            "similarity": round(jaccard(old_text, new_text), 3),
            "diff": diff[:_DIFF_LINES],
        }
    return changes


_DIFF_LINES = 40


def store_article(
    session: Session, record: ArticleRecord, threshold: float = DEDUP_THRESHOLD
) -> StoreResult:
    """Store one article in the caller's transaction; the unique constraints decide races."""
    values, key = record.values, record.url_key
    seen: datetime = values["last_seen_at"]
    lookup = list(dict.fromkeys([key, *record.variants]))
    article_id = article_sql.find_article_by_urls(session, lookup)
    if article_id is not None:
        return _store_known(session, article_id, record)
    owner = article_sql.claim_text(session, values["content_hash"], key, seen)
    if owner != key and (owner_id := article_sql.article_id_of(session, owner)) is not None:
        # The same text under another URL: one record, both URLs known.
        urls = _urls(record, "duplicate")
        article_sql.add_urls(session, owner_id, urls, seen)
        version = article_sql.current_version(session, owner_id).version
        article_sql.touch_article(session, owner_id, version, seen)
        return StoreResult("duplicate", owner_id)
    first = {**values, "url_key": key, "canonical_url": record.canonical_url, "version": 1}
    article_id = article_sql.insert_article(session, first)
    if article_id is None:  # the same URL was stored by another process a moment ago
        known = article_sql.article_id_of(session, key)
        assert known is not None
        return _store_known(session, known, record)
    article_sql.add_urls(session, article_id, _urls(record, "canonical"), seen)
    article_sql.add_version(session, _version_values(article_id, 1, record, None))
    sig = signature(values["text"])
    cluster_id, similarity = _nearest_cluster(session, article_id, sig, threshold)
    if cluster_id is not None and similarity is not None:
        near_duplicate_sql.link_cluster(session, article_id, cluster_id, similarity)
    near_duplicate_sql.index_signature(session, article_id, sig.to_bytes(), sig.bands())
    return StoreResult("new", article_id, cluster_id, similarity)


def _store_known(session: Session, article_id: int, record: ArticleRecord) -> StoreResult:
    values = record.values
    seen: datetime = values["last_seen_at"]
    article_sql.add_urls(session, article_id, _urls(record, "variant"), seen)
    for _attempt in range(3):
        state = article_sql.current_version(session, article_id)
        changes = describe_changes(state.title, state.text, values.get("title"), values["text"])
        if not changes["fields"]:
            article_sql.touch_article(session, article_id, state.version, seen)
            return StoreResult("unchanged", article_id)
        number = state.version + 1
        new_version = _version_values(article_id, number, record, changes)
        if article_sql.add_version(session, new_version) is None:
            continue  # another process wrote that version first: compare with it
        # The identity (url_key) and the URL shown for it (canonical_url) are not in values:
        # they stay those of the first capture.
        keep = ("first_seen_at", "crawl_run_id")
        fields = {k: v for k, v in values.items() if k not in keep}
        article_sql.update_article(session, article_id, {**fields, "version": number})
        article_sql.claim_text(session, values["content_hash"], state.url_key, seen)
        if "text" in changes["fields"]:
            reindex(session, article_id, values["text"])
        return StoreResult("updated", article_id)
    raise RuntimeError(f"article {article_id}: versions keep changing under a concurrent writer")


def reindex(session: Session, article_id: int, text: str) -> None:
    """Replace an article's near-duplicate signature (its cluster link stays)."""
    sig = signature(text)
    near_duplicate_sql.index_signature(session, article_id, sig.to_bytes(), sig.bands())


def _nearest_cluster(
    session: Session, article_id: int, sig: Signature, threshold: float
) -> tuple[int | None, float | None]:
    best: tuple[float, int] | None = None
    bands = sig.bands()
    candidates = near_duplicate_sql.near_duplicate_candidates(session, bands, exclude=article_id)
    for candidate in candidates:
        similarity = sig.similarity(Signature.from_bytes(candidate.signature))
        if similarity >= threshold and (best is None or similarity > best[0]):
            best = (similarity, candidate.cluster_id or candidate.article_id)
    return (best[1], best[0]) if best else (None, None)


def _urls(record: ArticleRecord, kind: str) -> dict[str, str]:
    """url -> kind: the canonical URL shown, the key when it differs (kind ``key`` for a new
    article's own), then every variant."""
    urls = {record.canonical_url: kind}
    urls.setdefault(record.url_key, "key" if kind == "canonical" else kind)
    for url in record.variants:
        urls.setdefault(url, "variant")
    return urls


def _version_values(
    article_id: int, number: int, record: ArticleRecord, changes: dict[str, Any] | None
) -> dict[str, Any]:
    values = record.values
    capture = record.capture
    return {
        **{k: values.get(k) for k in _VERSION_FIELDS},
        "article_id": article_id,
        "version": number,
        "changes": json.dumps(changes, ensure_ascii=False) if changes else None,
        "warc_file": capture.file if capture else None,
        "warc_offset": capture.offset if capture else None,
        "warc_length": capture.length if capture else None,
        "first_seen_at": values["last_seen_at"],
        "last_seen_at": values["last_seen_at"],
    }
