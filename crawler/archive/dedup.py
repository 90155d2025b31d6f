"""Deduplication in layers: URL identity, exact text hash, near-duplicate signatures.

The signatures and hashes are pure functions; :func:`store_article` combines them with the
repository (all SQL in crawler/db/repo.py), where unique constraints have the last word.

- **Identity** is the canonical URL (:mod:`crawler.archive.urls`).
- **Exact duplicates**: :func:`content_hash` of the text as a reader sees it (NFC, whitespace
  and case folded). The same hash under two URLs is one article with both URLs known.
- **Near-duplicates**: a MinHash signature (datasketch) over word 3-grams, split into LSH bands.
  Two articles sharing a band bucket are candidates; a candidate whose estimated Jaccard
  similarity reaches the threshold (``CRAWLER_DEDUP_THRESHOLD``) joins the cluster. The band
  layout is fixed so that the persisted index never has to be rebuilt when the threshold
  setting moves; it finds 93% of pairs at 0.4 and 99.5% at 0.5 (docs/dedup.md).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
from datasketch import MinHash
from sqlalchemy.orm import Session

from crawler.db import dedup_index, repo
from crawler.items import ExtractedArticle

NUM_PERM = 120
BANDS = 40
ROWS = NUM_PERM // BANDS  # 3 rows a band: P(candidate) = 1 - (1 - J^3)^40
SHINGLE_WORDS = 3
MINHASH_SEED = 1  # seed and scheme fixed: signatures stored by one process are compared by
MINHASH_SCHEME = "affine32"  # every other, and by later datasketch versions
DEFAULT_THRESHOLD = 0.5  # measured: bench/dedup.py "threshold", docs/dedup.md

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


def normalize_text(text: str) -> str:
    """The text as a reader sees it: NFC, whitespace collapsed, case folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def content_hash(text: str) -> str:
    """The exact-duplicate key: SHA-256 of :func:`normalize_text`."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of the normalised text (a short text is one shingle)."""
    words = _WORD.findall(normalize_text(text))
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Signature:
    """A MinHash signature: NUM_PERM uint32 values."""

    values: np.ndarray[tuple[int], np.dtype[np.uint32]]

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32))

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two shingle sets."""
        return float(np.count_nonzero(self.values == other.values)) / NUM_PERM

    def bands(self) -> list[tuple[int, int]]:
        """(band, bucket) pairs: a signed 64-bit hash of each band's rows (fits BIGINT)."""
        data = self.values.astype("<u4")
        out = []
        for band in range(BANDS):
            chunk = data[band * ROWS : (band + 1) * ROWS].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "big", signed=True)))
        return out


def signature(text: str) -> Signature:
    """The MinHash signature of a text's shingles."""
    minhash = MinHash(
        num_perm=NUM_PERM, seed=MINHASH_SEED, permutations=_PERMUTATIONS, scheme=MINHASH_SCHEME
    )
    minhash.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return Signature(minhash.hashvalues.astype(np.uint32))


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' shingle sets (for measurements and tests)."""
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def candidate_probability(similarity: float) -> float:
    """The chance that LSH proposes a pair of this Jaccard similarity as a candidate."""
    return float(1.0 - (1.0 - similarity**ROWS) ** BANDS)


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


@dataclass(frozen=True)
class Capture:
    """Where the raw response of a version sits: a WARC file (relative name) and offset."""

    file: str
    offset: int
    length: int


@dataclass
class ArticleRecord:
    """One article to store: Article column values plus every URL it was reached by."""

    canonical_url: str
    values: dict[str, Any]  # Article columns; content_hash and last_seen_at included
    variants: list[str] = field(default_factory=list)  # as fetched, before redirects, declared
    capture: Capture | None = None


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
    session: Session, record: ArticleRecord, threshold: float = DEFAULT_THRESHOLD
) -> StoreResult:
    """Store one article in the caller's transaction; the unique constraints decide races."""
    values, canonical = record.values, record.canonical_url
    seen: datetime = values["last_seen_at"]
    lookup = list(dict.fromkeys([canonical, *record.variants]))
    article_id = repo.find_article_by_urls(session, lookup)
    if article_id is not None:
        return _store_known(session, article_id, record)
    owner = repo.claim_text(session, values["content_hash"], canonical, seen)
    if owner != canonical and (owner_id := repo.article_id_of(session, owner)) is not None:
        # The same text under another URL: one record, both URLs known.
        repo.add_urls(session, owner_id, _urls(canonical, record.variants, "duplicate"), seen)
        repo.touch_article(session, owner_id, repo.current_version(session, owner_id).version, seen)
        return StoreResult("duplicate", owner_id)
    article_id = repo.insert_article(session, {**values, "canonical_url": canonical, "version": 1})
    if article_id is None:  # the same URL was stored by another process a moment ago
        known = repo.article_id_of(session, canonical)
        assert known is not None
        return _store_known(session, known, record)
    repo.add_urls(session, article_id, _urls(canonical, record.variants, "canonical"), seen)
    repo.add_version(session, _version_values(article_id, 1, record, None))
    sig = signature(values["text"])
    cluster_id, similarity = _nearest_cluster(session, article_id, sig, threshold)
    if cluster_id is not None and similarity is not None:
        dedup_index.link_cluster(session, article_id, cluster_id, similarity)
    dedup_index.index_signature(session, article_id, sig.to_bytes(), sig.bands())
    return StoreResult("new", article_id, cluster_id, similarity)


def _store_known(session: Session, article_id: int, record: ArticleRecord) -> StoreResult:
    values = record.values
    seen: datetime = values["last_seen_at"]
    repo.add_urls(
        session, article_id, _urls(record.canonical_url, record.variants, "variant"), seen
    )
    for _attempt in range(3):
        state = repo.current_version(session, article_id)
        changes = describe_changes(state.title, state.text, values.get("title"), values["text"])
        if not changes["fields"]:
            repo.touch_article(session, article_id, state.version, seen)
            return StoreResult("unchanged", article_id)
        number = state.version + 1
        if repo.add_version(session, _version_values(article_id, number, record, changes)) is None:
            continue  # another process wrote that version first: compare with it
        keep = ("first_seen_at", "canonical_url", "crawl_run_id")
        fields = {k: v for k, v in values.items() if k not in keep}
        repo.update_article(session, article_id, {**fields, "version": number})
        repo.claim_text(session, values["content_hash"], state.canonical_url, seen)
        if "text" in changes["fields"]:
            reindex(session, article_id, values["text"])
        return StoreResult("updated", article_id)
    raise RuntimeError(f"article {article_id}: versions keep changing under a concurrent writer")


def reindex(session: Session, article_id: int, text: str) -> None:
    """Replace an article's near-duplicate signature (its cluster link stays)."""
    sig = signature(text)
    dedup_index.index_signature(session, article_id, sig.to_bytes(), sig.bands())


def _nearest_cluster(
    session: Session, article_id: int, sig: Signature, threshold: float
) -> tuple[int | None, float | None]:
    best: tuple[float, int] | None = None
    candidates = dedup_index.near_duplicate_candidates(session, sig.bands(), exclude=article_id)
    for candidate in candidates:
        similarity = sig.similarity(Signature.from_bytes(candidate.signature))
        if similarity >= threshold and (best is None or similarity > best[0]):
            best = (similarity, candidate.cluster_id or candidate.article_id)
    return (best[1], best[0]) if best else (None, None)


def _urls(canonical: str, variants: list[str], kind: str) -> dict[str, str]:
    urls = {canonical: kind}
    for url in variants:
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
